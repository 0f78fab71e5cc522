package serve

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sockConn is a subscriber's socket (WebSocket or TCP line protocol),
// written three ways, one at a time (mu is held for every write, so the
// transport's frames never interleave):
//
//   - tryWrite, by a table's writer: one non-blocking writev of a batch
//     of framed messages; what the kernel does not take at once is kept,
//     owed, for the subscriber's goroutine. It never waits: when
//     another write holds the socket it writes nothing.
//   - write, by the subscriber's goroutine: the owed bytes, then a batch,
//     blocking within a deadline, in chunks of whole frames of about
//     chunkMax bytes, letting go of mu between them.
//   - Write, by the WebSocket library (its control frames: a pong, the
//     close frame): the rest of a frame a direct write left half written,
//     then the control frame, blocking. A control frame thus waits for
//     at most one chunk or one frame, never for a whole batch: the
//     library gives a pong 5 s before it closes the connection, and a
//     large batch to a client that reads slowly takes longer.
//
// A writer may also make its direct write as one send of a batch
// (sendBatch): begin takes the socket as tryWrite does, and the
// descriptor too (Close waits for the batch's system call), and end
// finishes it as tryWrite does after its writev.
//
// The buffers given to tryWrite, begin and write hold frameBufs buffers
// per frame (see framing), so frame boundaries are known. After a write
// fails (it may have left a frame half written) every later write fails.
// Reads are the wrapped connection's. Safe for concurrent use.
type sockConn struct {
	net.Conn
	raw syscall.RawConn // nil: the socket takes no direct writes
	fd  int             // the socket's descriptor, for batched sends (-1: none)
	// gate is read-held by a batch from begin until its system call has
	// returned, and held by Close while it closes the connection (and
	// sets closed): a closed descriptor's number, which the process may
	// reuse at once, is never sent to.
	gate   sync.RWMutex
	closed bool
	mu     struct {
		sync.Mutex
		// owed is what a direct write left unwritten: it goes to the
		// socket before any other message. Its first partial buffers end
		// a frame written in part; the rest are whole frames. It points
		// into the messages (immutable, shared) and into arena, which
		// holds copies of the framing's small buffers (headers,
		// newlines), whose scratch the connection reuses.
		owed    net.Buffers
		partial int
		arena   []byte
		iov     []unix.Iovec
		broken  error // the write that failed
	}
}

// iovMax is the most buffers one writev takes (the kernel's IOV_MAX).
const iovMax = 1024

// chunkMax is about the most bytes a blocking write writes while holding
// the socket: a chunk is whole frames up to this (or one larger frame).
const chunkMax = 64 << 10

func newSockConn(c net.Conn) *sockConn {
	s := &sockConn{Conn: c, fd: -1}
	if sc, ok := c.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			s.raw = raw
			_ = raw.Control(func(fd uintptr) { s.fd = int(fd) })
		}
	}
	return s
}

// Close closes the connection once no batch's system call may send to
// its descriptor.
func (s *sockConn) Close() error {
	s.gate.Lock()
	defer s.gate.Unlock()
	s.closed = true
	return s.Conn.Close()
}

// tryResult says what tryWrite did.
type tryResult uint8

const (
	tryBusy   tryResult = iota // the socket was held, or owed bytes: nothing taken or written
	tryNone                    // take gave nothing to write
	tryDone                    // everything written
	tryOwed                    // written in part: the rest is owed (write writes it first)
	tryFailed                  // the write failed
	tryHeld                    // begin: the socket is held for a send (see end)
)

// tryWrite, when no other write holds the socket and nothing is owed,
// calls take for the buffers to write (take may return none) and writes
// them without waiting: what the socket does not take at once is owed
// (see owe). It returns the bytes take gave and the system calls that
// wrote some of them.
func (s *sockConn) tryWrite(take func() net.Buffers) (int64, uint64, tryResult, error) {
	if s.raw == nil || !s.mu.TryLock() {
		return 0, 0, tryBusy, nil
	}
	defer s.mu.Unlock()
	if s.mu.broken != nil {
		return 0, 0, tryFailed, s.mu.broken
	}
	if len(s.mu.owed) > 0 {
		return 0, 0, tryBusy, nil
	}
	bufs := take()
	var total int64
	for _, b := range bufs {
		total += int64(len(b))
	}
	if total == 0 {
		return 0, 0, tryNone, nil
	}
	var werr error
	var writes uint64
	rest := bufs
	dropped, cut := 0, false // whole buffers written; whether rest[0] is written in part
	err := s.raw.Write(func(fd uintptr) bool {
		for len(rest) > 0 {
			k := min(len(rest), iovMax)
			iov := appendIovecs(s.mu.iov[:0], rest[:k])
			s.mu.iov = iov
			if len(iov) == 0 {
				rest, dropped, cut = rest[k:], dropped+k, false
				continue
			}
			n, _, e := unix.Syscall(unix.SYS_WRITEV, fd, uintptr(unsafe.Pointer(unsafe.SliceData(iov))), uintptr(len(iov)))
			clear(s.mu.iov)
			switch {
			case e == unix.EINTR:
				continue
			case e == unix.EAGAIN, e == 0 && n == 0:
				return true
			case e != 0:
				werr = e
				return true
			}
			writes++
			d, c := consume(&rest, int64(n))
			dropped, cut = dropped+d, c || d == 0 && cut
		}
		return true
	})
	if err == nil {
		err = werr
	}
	return total, writes, s.finish(rest, dropped, cut, err), err
}

// finish records how a direct write ended: err (the socket is broken), or
// rest, what it left unwritten, owed (dropped whole buffers were written
// before it, and cut says whether rest[0] was written in part).
func (s *sockConn) finish(rest net.Buffers, dropped int, cut bool, err error) tryResult {
	if err != nil {
		s.mu.broken = err
		return tryFailed
	}
	if len(rest) == 0 {
		return tryDone
	}
	// The frame written in part, if any: the rest of its second buffer,
	// or of both.
	partial := 0
	switch {
	case dropped%frameBufs == 1:
		partial = 1
	case cut:
		partial = 2
	}
	s.owe(rest, partial)
	return tryOwed
}

// begin is tryWrite up to the write: when the socket is free, owes
// nothing and is not closed, it calls take, and when take gives bytes it
// returns them with tryHeld, the socket and its descriptor held. The
// caller sends them (a batch's one send to this socket), lets go of the
// descriptor (release) once its system call has returned, and ends with
// end.
func (s *sockConn) begin(take func() net.Buffers) (net.Buffers, int64, tryResult, error) {
	if s.fd < 0 || !s.mu.TryLock() {
		return nil, 0, tryBusy, nil
	}
	if err := s.mu.broken; err != nil {
		s.mu.Unlock()
		return nil, 0, tryFailed, err
	}
	if len(s.mu.owed) > 0 || !s.gate.TryRLock() {
		s.mu.Unlock()
		return nil, 0, tryBusy, nil
	}
	if s.closed {
		s.gate.RUnlock()
		s.mu.Unlock()
		return nil, 0, tryBusy, nil
	}
	bufs := take()
	var total int64
	for _, b := range bufs {
		total += int64(len(b))
	}
	if total == 0 {
		s.gate.RUnlock()
		s.mu.Unlock()
		return nil, 0, tryNone, nil
	}
	return bufs, total, tryHeld, nil
}

// release lets go of the descriptor begin held.
func (s *sockConn) release() { s.gate.RUnlock() }

// end finishes a send begin began: n bytes of bufs were sent, or err
// failed it. It returns the system calls that wrote (0 or 1) and what the
// send did, as tryWrite does.
func (s *sockConn) end(bufs net.Buffers, n int, err error) (uint64, tryResult) {
	defer s.mu.Unlock()
	if err != nil {
		return 0, s.finish(nil, 0, false, err)
	}
	rest := bufs
	dropped, cut := consume(&rest, int64(n))
	return uint64(min(n, 1)), s.finish(rest, dropped, cut, nil)
}

// appendIovecs appends to iov an iovec for each buffer of bufs that
// holds bytes (a writev or sendmsg of them).
func appendIovecs(iov []unix.Iovec, bufs net.Buffers) []unix.Iovec {
	for _, b := range bufs {
		if len(b) > 0 {
			v := unix.Iovec{Base: unsafe.SliceData(b)}
			v.SetLen(len(b))
			iov = append(iov, v)
		}
	}
	return iov
}

// consume drops the first n bytes of v and returns how many whole
// buffers that was, and whether it cut into the buffer now first.
func consume(v *net.Buffers, n int64) (int, bool) {
	d := 0
	for len(*v) > 0 {
		if l := int64(len((*v)[0])); n < l {
			(*v)[0] = (*v)[0][n:]
			return d, n > 0
		} else {
			n -= l
		}
		*v = (*v)[1:]
		d++
	}
	return d, false
}

// smallBuf is the longest buffer owe copies rather than points to: the
// framing's headers and newlines are shorter.
const smallBuf = 16

// owe keeps rest as owed, its first partial buffers the end of a frame
// written in part: the buffers of messages by reference, the small ones
// (the framing's, in its scratch) copied.
func (s *sockConn) owe(rest net.Buffers, partial int) {
	need := 0
	for _, b := range rest {
		if len(b) <= smallBuf {
			need += len(b)
		}
	}
	// Room first: the owed buffers point into the arena.
	arena := slices.Grow(s.mu.arena[:0], need)
	owed := s.mu.owed[:0]
	for _, b := range rest {
		if len(b) <= smallBuf {
			at := len(arena)
			arena = append(arena, b...)
			b = arena[at:len(arena):len(arena)]
		}
		owed = append(owed, b)
	}
	s.mu.owed, s.mu.partial, s.mu.arena = owed, partial, arena
}

// write writes what is owed, then bufs, blocking until they are written,
// ctx's deadline (zero: none) passes, or ctx ends; it lets go of the
// socket between chunks of whole frames, so that a control frame of the
// library's goes out between them. abort closes the connection: it is
// called when ctx ends (which ends a write blocked on the socket) and
// after a write failed. It returns the system calls it made and why it
// failed. Only the subscriber's goroutine calls it (no direct write runs
// meanwhile).
func (s *sockConn) write(ctx context.Context, bufs net.Buffers, abort func()) (writes uint64, err error) {
	stop := context.AfterFunc(ctx, abort)
	defer stop()
	s.mu.Lock()
	defer func() {
		if err != nil {
			if s.mu.broken == nil {
				s.mu.broken = err
			}
			err = s.why(ctx, err)
		}
		s.mu.Unlock()
		if err != nil {
			abort()
		}
	}()
	if s.mu.broken != nil {
		return 0, s.mu.broken
	}
	if d, ok := ctx.Deadline(); ok {
		if err := s.Conn.SetWriteDeadline(d); err != nil {
			return 0, err
		}
		// A direct write fails at once while a past deadline is set.
		defer func() { _ = s.Conn.SetWriteDeadline(time.Time{}) }()
	}
	// The owed bytes are this write's now: between chunks the library
	// finds none and writes its frame at once, at a frame boundary.
	owed, lead := s.mu.owed, s.mu.partial
	s.mu.owed, s.mu.partial = nil, 0
	for _, part := range []net.Buffers{owed, bufs} {
		for len(part) > 0 {
			var chunk net.Buffers
			chunk, part = nextChunk(part, lead)
			lead = 0
			writes += uint64(1 + (len(chunk)-1)/iovMax)
			if _, err := chunk.WriteTo(s.Conn); err != nil {
				return writes, err
			}
			if len(part) > 0 {
				s.mu.Unlock()
				s.mu.Lock()
				if s.mu.broken != nil {
					return writes, s.mu.broken
				}
			}
		}
	}
	clear(owed)
	if cap(owed) <= 4<<10 {
		s.mu.owed = owed[:0]
	}
	if cap(s.mu.arena) > 64<<10 {
		s.mu.arena = nil
	}
	return writes, nil
}

// nextChunk splits off the first lead buffers of bufs (the end of a frame
// written in part) and whole frames after them up to about chunkMax
// bytes: at least one frame.
func nextChunk(bufs net.Buffers, lead int) (chunk, rest net.Buffers) {
	k := min(lead, len(bufs))
	var n int
	for _, b := range bufs[:k] {
		n += len(b)
	}
	for k < len(bufs) {
		f := 0
		for _, b := range bufs[k:min(k+frameBufs, len(bufs))] {
			f += len(b)
		}
		if k > lead && n+f > chunkMax {
			break
		}
		n += f
		k = min(k+frameBufs, len(bufs))
	}
	return bufs[:k], bufs[k:]
}

// why is err, or ctx's error when ctx ended (the connection was closed
// for it).
func (s *sockConn) why(ctx context.Context, err error) error {
	if ctx.Err() != nil && errors.Is(err, net.ErrClosed) {
		return ctx.Err()
	}
	return err
}

// Write writes the end of a frame a direct write left half written, if
// any, then p (a control frame of the WebSocket library's); the rest of
// what is owed stays owed.
func (s *sockConn) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.broken != nil {
		return 0, s.mu.broken
	}
	if k := s.mu.partial; k > 0 {
		head := s.mu.owed[:k:k]
		if _, err := head.WriteTo(s.Conn); err != nil {
			s.mu.broken = err
			return 0, err
		}
		s.mu.owed, s.mu.partial = s.mu.owed[k:], 0
	}
	n, err := s.Conn.Write(p)
	if err != nil {
		s.mu.broken = err
	}
	return n, err
}
