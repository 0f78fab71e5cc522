package serve

import (
	"encoding/binary"
	"net"
	"slices"
)

// framing turns a batch of messages into the buffers of one writev, as a
// transport frames them, without copying the messages' bytes: the bytes
// encoded once go to every subscriber. Its scratch belongs to one
// connection and serves one write at a time (under the subscriber's
// write lock).
type framing struct {
	hdr  []byte
	bufs net.Buffers
}

// frameBufs is the buffers every message is framed as (its header and
// its bytes, or its bytes and a newline): sockConn finds the frames'
// boundaries by it.
const frameBufs = 2

// wsHeaderMax is the longest header of an unmasked WebSocket frame.
const wsHeaderMax = 10

var newline = []byte{'\n'}

// ws frames each message as one WebSocket text message (a final frame,
// unmasked, as a server sends) and returns the buffers and the messages'
// bytes.
func (f *framing) ws(msgs []*Msg) (net.Buffers, int64) {
	// Room for every header first: the buffers point into hdr.
	f.hdr = slices.Grow(f.hdr[:0], wsHeaderMax*len(msgs))
	bufs := f.bufs[:0]
	var n int64
	for _, m := range msgs {
		at := len(f.hdr)
		f.hdr = appendWSHeader(f.hdr, len(m.Data))
		bufs = append(bufs, f.hdr[at:len(f.hdr):len(f.hdr)], m.Data)
		n += int64(len(m.Data))
	}
	f.bufs = bufs
	return bufs, n
}

// appendWSHeader appends the header of a final, unmasked text frame of
// n bytes (RFC 6455 section 5.2).
func appendWSHeader(b []byte, n int) []byte {
	const finText = 0x80 | 0x1
	switch {
	case n <= 125:
		return append(b, finText, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, finText, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, finText, 127), uint64(n))
	}
}

// lines frames each message as a line.
func (f *framing) lines(msgs []*Msg) (net.Buffers, int64) {
	bufs := f.bufs[:0]
	var n int64
	for _, m := range msgs {
		bufs = append(bufs, m.Data, newline)
		n += int64(len(m.Data))
	}
	f.bufs = bufs
	return bufs, n
}

// release drops the buffers' references to the messages (and scratch
// grown large by a snapshot).
func (f *framing) release() {
	clear(f.bufs)
	f.bufs = f.bufs[:0]
	if cap(f.bufs) > 4<<10 {
		f.bufs = nil
	}
	if cap(f.hdr) > 64<<10 {
		f.hdr = nil
	}
}

// try is a direct write (sockConn.tryWrite) of the messages take gives,
// framed by frame. It returns them, their bytes and the socket writes.
func (f *framing) try(sock *sockConn, take func() []*Msg, frame func([]*Msg) (net.Buffers, int64)) ([]*Msg, int64, uint64, tryResult, error) {
	var out []*Msg
	var n int64
	_, writes, res, err := sock.tryWrite(framedTake(take, frame, &out, &n))
	f.release()
	return out, n, writes, res, err
}

// begin is try up to the write: a direct write begun for a batch
// (sockConn.begin). With tryHeld the buffers are in snd, and the scratch
// stays in use until the batch releases it.
func (f *framing) begin(sock *sockConn, take func() []*Msg, frame func([]*Msg) (net.Buffers, int64)) ([]*Msg, int64, send, tryResult, error) {
	var out []*Msg
	var n int64
	bufs, _, res, err := sock.begin(framedTake(take, frame, &out, &n))
	if res != tryHeld {
		f.release()
		return out, n, send{}, res, err
	}
	return out, n, send{sock: sock, f: f, bufs: bufs}, res, nil
}

// framedTake is the take a socket's write calls: the messages take gives
// (kept in out), framed by frame (their bytes in n).
func framedTake(take func() []*Msg, frame func([]*Msg) (net.Buffers, int64), out *[]*Msg, n *int64) func() net.Buffers {
	return func() net.Buffers {
		if *out = take(); len(*out) == 0 {
			return nil
		}
		var bufs net.Buffers
		bufs, *n = frame(*out)
		return bufs
	}
}
