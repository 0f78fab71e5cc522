package serve

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// wsConn writes each message as one WebSocket text message, framed here
// (an unmasked frame: a 2 to 10 byte header, then the message's bytes as
// encoded once for every subscriber), and a batch of them in one writev
// (in chunks of about chunkMax when the subscriber's goroutine writes it).
// The library reads the connection (control frames) and writes only its
// own control frames; both go through the sockConn, so frames never
// interleave. write and tryWrite are called under the subscriber's write
// lock (they share the framing scratch).
type wsConn struct {
	mu      sync.Mutex
	c       *websocket.Conn
	sock    *sockConn
	aborted bool
	clean   bool // the stream ended cleanly: the handler closes with 1000
	f       framing
}

func (w *wsConn) set(c *websocket.Conn, sock *sockConn) {
	w.mu.Lock()
	w.c, w.sock = c, sock
	aborted := w.aborted
	w.mu.Unlock()
	if aborted {
		_ = c.CloseNow()
	}
}

func (w *wsConn) conn() (*websocket.Conn, *sockConn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.c, w.sock
}

// write writes the messages, after anything a direct write left owed,
// within ctx: the socket's write deadline is ctx's, and when ctx ends the
// connection is closed, which ends a write blocked on the socket.
func (w *wsConn) write(ctx context.Context, msgs []*Msg) (int64, uint64, error) {
	c, sock := w.conn()
	if c == nil {
		// The upgrade failed; the subscriber is dead already.
		return 0, 0, net.ErrClosed
	}
	bufs, n := w.f.ws(msgs)
	writes, err := sock.write(ctx, bufs, func() { _ = c.CloseNow() })
	w.f.release()
	if err != nil {
		return 0, writes, writeError(msgs, err)
	}
	return n, writes, nil
}

func (w *wsConn) tryWrite(take func() []*Msg) ([]*Msg, int64, uint64, tryResult, error) {
	c, sock := w.conn()
	if c == nil {
		return nil, 0, 0, tryBusy, nil
	}
	return w.f.try(sock, take, w.f.ws)
}

func (w *wsConn) begin(take func() []*Msg) ([]*Msg, int64, send, tryResult, error) {
	c, sock := w.conn()
	if c == nil {
		return nil, 0, send{}, tryBusy, nil
	}
	return w.f.begin(sock, take, w.f.ws)
}

// writeError says which write failed: a batch, or the rest of one a
// writer began (msgs empty).
func writeError(msgs []*Msg, err error) error {
	if len(msgs) == 0 {
		return fmt.Errorf("cannot write the rest of a batch: %w", err)
	}
	return fmt.Errorf("cannot write %d messages: %w", len(msgs), err)
}

// close marks the stream as ended cleanly; the connection's handler sends
// the close frame once the subscriber is gone, so that a client slow to
// answer it does not hold up the table's stop.
func (w *wsConn) close() {
	w.mu.Lock()
	w.clean = true
	w.mu.Unlock()
}

// finish closes the connection after the subscription: with the normal
// closure code (waiting at most the library's 5 s for the client's
// answer) when the stream ended cleanly, at once otherwise.
func (w *wsConn) finish() {
	w.mu.Lock()
	c, clean := w.c, w.clean && !w.aborted
	w.mu.Unlock()
	if c == nil {
		return
	}
	if clean {
		_ = c.Close(websocket.StatusNormalClosure, "table closed")
		return
	}
	_ = c.CloseNow()
}

func (w *wsConn) abort() {
	w.mu.Lock()
	w.aborted = true
	c := w.c
	w.mu.Unlock()
	if c != nil {
		_ = c.CloseNow()
	}
}

// sseConn writes messages as Server-Sent Events, each message one event
// (`data: <json>`; frames, deltas and snapshot ends also carry
// `id: <seq>/<session>`, so a browser's EventSource resumes with
// Last-Event-ID, a resume into another session getting a snapshot),
// every batch in one write and one flush of the response (counted as one
// socket write: the server's chunked encoding may split it into a few).
type sseConn struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	session string
	buf     []byte
}

func (s *sseConn) write(ctx context.Context, msgs []*Msg) (int64, uint64, error) {
	b := s.buf[:0]
	for _, m := range msgs {
		if m.Kind == KindDelta || m.Kind == KindFrame || m.Kind == KindSnapshotEnd {
			b = append(b, "id: "...)
			b = appendUint(b, m.Seq)
			b = append(b, '/')
			b = append(b, s.session...)
			b = append(b, '\n')
		}
		b = append(b, "data: "...)
		b = append(b, m.Data...)
		b = append(b, '\n', '\n')
	}
	s.buf = b
	if d, ok := ctx.Deadline(); ok {
		_ = s.rc.SetWriteDeadline(d)
	}
	n, err := s.w.Write(b)
	if err == nil {
		err = s.rc.Flush()
	}
	if err == nil {
		err = ctx.Err()
	}
	if cap(s.buf) > 1<<20 {
		s.buf = nil
	}
	return int64(n), 1, err
}

func (s *sseConn) close() {}

func (s *sseConn) abort() {
	_ = s.rc.SetWriteDeadline(time.Unix(1, 0))
}

// tcpConn writes messages as lines, every batch in one writev (in chunks
// of about chunkMax when the subscriber's goroutine writes it).
type tcpConn struct {
	c *sockConn
	f framing
}

func (t *tcpConn) write(ctx context.Context, msgs []*Msg) (int64, uint64, error) {
	bufs, n := t.f.lines(msgs)
	writes, err := t.c.write(ctx, bufs, t.abort)
	t.f.release()
	if err != nil {
		return 0, writes, writeError(msgs, err)
	}
	return n, writes, nil
}

func (t *tcpConn) tryWrite(take func() []*Msg) ([]*Msg, int64, uint64, tryResult, error) {
	return t.f.try(t.c, take, t.f.lines)
}

func (t *tcpConn) begin(take func() []*Msg) ([]*Msg, int64, send, tryResult, error) {
	return t.f.begin(t.c, take, t.f.lines)
}

func (t *tcpConn) close() { _ = t.c.Close() }

func (t *tcpConn) abort() { _ = t.c.Close() }
