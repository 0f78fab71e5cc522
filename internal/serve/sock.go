package serve

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync"
	"sync/atomic"
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
//     blocking within a deadline.
//   - Write, by the WebSocket library (its control frames: a pong, the
//     close frame): the owed bytes, then the frame, blocking.
//
// Reads and Close are the wrapped connection's. Safe for concurrent use.
type sockConn struct {
	net.Conn
	raw syscall.RawConn // nil: the socket takes no direct writes
	mu  struct {
		sync.Mutex
		// owed is what a direct write left unwritten: it goes to the
		// socket before anything else. It points into the messages
		// (immutable, shared) and into arena, which holds copies of the
		// framing's small buffers (headers, newlines), whose scratch the
		// connection reuses.
		owed  net.Buffers
		arena []byte
		iov   []unix.Iovec
	}
	// writes counts the writes to the socket: one per batch (one per
	// iovMax buffers of a large one).
	writes atomic.Uint64
}

// iovMax is the most buffers one writev takes (the kernel's IOV_MAX).
const iovMax = 1024

func newSockConn(c net.Conn) *sockConn {
	s := &sockConn{Conn: c}
	if sc, ok := c.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			s.raw = raw
		}
	}
	return s
}

// tryResult says what tryWrite did.
type tryResult uint8

const (
	tryBusy   tryResult = iota // the socket was held, or owed bytes: nothing taken or written
	tryNone                    // take gave nothing to write
	tryDone                    // everything written
	tryOwed                    // written in part: the rest is owed (flush writes it)
	tryFailed                  // the write failed
)

// tryWrite, when no other write holds the socket and nothing is owed,
// calls take for the buffers to write (take may return none) and writes
// them without waiting: what the socket does not take at once is owed
// (see owe). It returns the bytes take gave.
func (s *sockConn) tryWrite(take func() net.Buffers) (int64, tryResult, error) {
	if s.raw == nil || !s.mu.TryLock() {
		return 0, tryBusy, nil
	}
	defer s.mu.Unlock()
	if len(s.mu.owed) > 0 {
		return 0, tryBusy, nil
	}
	bufs := take()
	var total int64
	for _, b := range bufs {
		total += int64(len(b))
	}
	if total == 0 {
		return 0, tryNone, nil
	}
	var werr error
	rest := bufs
	err := s.raw.Write(func(fd uintptr) bool {
		for len(rest) > 0 {
			iov := s.mu.iov[:0]
			for _, b := range rest[:min(len(rest), iovMax)] {
				if len(b) > 0 {
					v := unix.Iovec{Base: unsafe.SliceData(b)}
					v.SetLen(len(b))
					iov = append(iov, v)
				}
			}
			s.mu.iov = iov
			if len(iov) == 0 {
				rest = rest[min(len(rest), iovMax):]
				continue
			}
			s.writes.Add(1)
			n, _, e := unix.Syscall(unix.SYS_WRITEV, fd, uintptr(unsafe.Pointer(unsafe.SliceData(iov))), uintptr(len(iov)))
			clear(s.mu.iov)
			if e == unix.EINTR {
				s.writes.Add(^uint64(0))
				continue
			}
			if e == unix.EAGAIN || n == 0 && e == 0 {
				return true
			}
			if e != 0 {
				werr = e
				return true
			}
			consume(&rest, int64(n))
		}
		return true
	})
	if err == nil {
		err = werr
	}
	if err != nil {
		return total, tryFailed, err
	}
	if len(rest) == 0 {
		return total, tryDone, nil
	}
	s.owe(rest)
	return total, tryOwed, nil
}

// smallBuf is the longest buffer owe copies rather than points to: the
// framing's headers and newlines are shorter.
const smallBuf = 16

// owe keeps rest as owed: the buffers of messages by reference, the
// small ones (the framing's, in its scratch) copied.
func (s *sockConn) owe(rest net.Buffers) {
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
	s.mu.owed, s.mu.arena = owed, arena
}

// consume drops the first n bytes of v.
func consume(v *net.Buffers, n int64) {
	for len(*v) > 0 {
		if l := int64(len((*v)[0])); n < l {
			(*v)[0] = (*v)[0][n:]
			return
		} else {
			n -= l
		}
		*v = (*v)[1:]
	}
}

// write writes what is owed, then bufs, blocking until they are written,
// ctx's deadline (zero: none) passes, or ctx ends. abort closes the
// connection: it is called when ctx ends (which ends a write blocked on
// the socket) and after a write failed (which may have left a frame
// half written). It returns an error saying why it failed.
func (s *sockConn) write(ctx context.Context, bufs net.Buffers, abort func()) (err error) {
	stop := context.AfterFunc(ctx, abort)
	defer stop()
	defer func() {
		if err != nil {
			abort()
		}
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	d, _ := ctx.Deadline()
	if !d.IsZero() {
		if err := s.Conn.SetWriteDeadline(d); err != nil {
			return err
		}
		// A direct write fails at once while a past deadline is set.
		defer func() { _ = s.Conn.SetWriteDeadline(time.Time{}) }()
	}
	if err := s.flushLocked(); err != nil {
		return s.why(ctx, err)
	}
	if len(bufs) == 0 {
		return nil
	}
	s.writes.Add(uint64(1 + (len(bufs)-1)/iovMax))
	if _, err := bufs.WriteTo(s.Conn); err != nil {
		return s.why(ctx, err)
	}
	return nil
}

// why is err, or ctx's error when ctx ended (the connection was closed
// for it).
func (s *sockConn) why(ctx context.Context, err error) error {
	if ctx.Err() != nil && errors.Is(err, net.ErrClosed) {
		return ctx.Err()
	}
	return err
}

func (s *sockConn) flushLocked() error {
	if len(s.mu.owed) == 0 {
		return nil
	}
	owed := s.mu.owed
	s.writes.Add(uint64(1 + (len(owed)-1)/iovMax))
	_, err := owed.WriteTo(s.Conn)
	if err != nil {
		return err
	}
	clear(s.mu.owed)
	s.mu.owed = s.mu.owed[:0]
	if cap(s.mu.owed) > 4<<10 {
		s.mu.owed = nil
	}
	if cap(s.mu.arena) > 64<<10 {
		s.mu.arena = nil
	}
	return nil
}

// Write writes what is owed, then p (the WebSocket library's frames).
func (s *sockConn) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.flushLocked(); err != nil {
		return 0, err
	}
	s.writes.Add(1)
	return s.Conn.Write(p)
}
