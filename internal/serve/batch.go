package serve

import (
	"fmt"
	"net"
	"slices"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// sendBatchMax is the most sends one system call of a batch makes: a
// batch's sockets stay held (their subscribers' goroutines and control
// frames wait) until its call returns.
const sendBatchMax = 256

// sendBatch makes a writer pass's direct writes with one system call per
// sendBatchMax subscribers (io_uring) instead of one each: a pass over a
// thousand subscribers, each sent one frame, makes a handful of calls.
// Each send is what a direct write's writev would be — non-blocking, the
// rest owed to the subscriber's goroutine — and is finished, and its
// subscriber told, when its call returns. One writer owns it: not safe
// for concurrent use. A nil *sendBatch, or one without a ring to be had
// (or whose ring failed), sends nothing (the writer writes directly).
type sendBatch struct {
	ring  *ring
	ents  []batchEntry
	iov   []unix.Iovec
	hdrs  []unix.Msghdr
	res   []int32
	calls *atomic.Uint64         // the hub's count of batch calls
	err   *atomic.Pointer[error] // why there is no ring (the writer's figure)
	off   bool                   // no ring to be had: the writer writes directly
}

// batchEntry is one subscriber's send in a batch: it holds the
// subscriber's write lock and its socket (send) until the batch's call
// returns.
type batchEntry struct {
	to  sentTo
	out []*Msg
	n   int64
	snd send
}

// sentTo is told how a batch's send went (a *Sub; see Sub.batchDone).
type sentTo interface {
	batchDone(out []*Msg, n int64, writes uint64, res tryResult, err error)
}

// send is a direct write begun for a batch (direct.begin): the socket,
// held, the framing whose scratch the buffers are in, and the buffers.
type send struct {
	sock *sockConn
	f    *framing
	bufs net.Buffers
}

// newSendBatch returns a batch that sets its ring up when it first has a
// send to make (a table nobody subscribes to holds none), and sends
// nothing where io_uring is not to be had. It counts its system calls in
// calls and puts why it has no ring (at setup, or after the ring failed)
// in errs.
func newSendBatch(calls *atomic.Uint64, errs *atomic.Pointer[error]) *sendBatch {
	return &sendBatch{calls: calls, err: errs}
}

// setupRing is newRing; tests replace it to see the writers do without.
var setupRing = newRing

// on reports whether b makes sends, setting its ring up the first time.
func (b *sendBatch) on() bool {
	if b == nil || b.off {
		return false
	}
	if b.ring == nil {
		r, err := setupRing(sendBatchMax)
		if err != nil {
			b.fail(err)
			return false
		}
		b.ring = r
	}
	return true
}

// fail records why the batch sends nothing (from now on).
func (b *sendBatch) fail(err error) {
	b.off = true
	b.err.Store(&err)
}

// add puts a begun send of out (n bytes) in the batch, sending the batch
// when it is full; to is told how it went.
func (b *sendBatch) add(to sentTo, out []*Msg, n int64, snd send) {
	b.ents = append(b.ents, batchEntry{to: to, out: out, n: n, snd: snd})
	if len(b.ents) >= min(sendBatchMax, b.ring.size()) {
		b.flush()
	}
}

// flush sends what the batch holds in one system call, then finishes
// each send and tells its subscriber.
func (b *sendBatch) flush() {
	if b == nil || len(b.ents) == 0 {
		return
	}
	// The kernel reads the headers and iovecs during the call: they are
	// laid out first, and neither slice grows after.
	nio := 0
	for _, e := range b.ents {
		nio += min(len(e.snd.bufs), iovMax)
	}
	b.iov = slices.Grow(b.iov[:0], nio)
	b.hdrs = slices.Grow(b.hdrs[:0], len(b.ents))[:len(b.ents)]
	b.res = slices.Grow(b.res[:0], len(b.ents))[:len(b.ents)]
	for i, e := range b.ents {
		// At most iovMax buffers (the kernel's limit): the rest is owed.
		at := len(b.iov)
		b.iov = appendIovecs(b.iov, e.snd.bufs[:min(len(e.snd.bufs), iovMax)])
		b.hdrs[i] = unix.Msghdr{}
		if len(b.iov) > at {
			b.hdrs[i].Iov = &b.iov[at]
			b.hdrs[i].SetIovlen(len(b.iov) - at)
		}
		b.res[i] = resUnset
		b.ring.sendmsg(e.snd.sock.fd, &b.hdrs[i], uint64(i))
	}
	err := b.ring.submit(func(tag uint64, res int32) { b.res[tag] = res })
	b.calls.Add(1)
	for _, e := range b.ents {
		e.snd.sock.release()
	}
	clear(b.iov)
	clear(b.hdrs)
	if err != nil {
		// No later batch: the writer writes directly from now on.
		b.fail(err)
		b.ring.close()
		b.ring = nil
	}
	for i, e := range b.ents {
		var n int
		var werr error
		switch r := b.res[i]; {
		case r == resUnset:
			// Made or not: the socket cannot be written to again
			// without risking a frame twice.
			werr = fmt.Errorf("batched send: %w", err)
		case r >= 0:
			n = int(r)
		case r == -int32(unix.EAGAIN), r == -int32(unix.EINTR):
			// Nothing taken: all of it is owed.
		default:
			werr = unix.Errno(-r)
		}
		writes, res := e.snd.sock.end(e.snd.bufs, n, werr)
		e.snd.f.release()
		e.to.batchDone(e.out, e.n, writes, res, werr)
	}
	clear(b.ents)
	b.ents = b.ents[:0]
}

// resUnset marks a send whose result the ring has not reported.
const resUnset = -1 << 31

// close releases the batch's ring (after a last flush).
func (b *sendBatch) close() {
	if b == nil {
		return
	}
	b.flush()
	if b.ring != nil {
		b.ring.close()
		b.ring = nil
	}
}
