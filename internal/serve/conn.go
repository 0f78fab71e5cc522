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

// wsConn writes each message as one WebSocket text message, framed by
// the library, and a batch of them in one write to the socket (corked:
// see corkConn).
type wsConn struct {
	mu      sync.Mutex
	c       *websocket.Conn
	cork    *corkConn
	aborted bool
	clean   bool // the stream ended cleanly: the handler closes with 1000
}

func (w *wsConn) set(c *websocket.Conn, cork *corkConn) {
	w.mu.Lock()
	w.c, w.cork = c, cork
	aborted := w.aborted
	w.mu.Unlock()
	if aborted {
		_ = c.CloseNow()
	}
}

func (w *wsConn) conn() (*websocket.Conn, *corkConn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.c, w.cork
}

// write frames the messages into the corked connection and writes them
// to the socket together when the batch is uncorked. The library writes
// without a context: ctx bounds the batch as the library bounds a write
// with one — the socket's write deadline is ctx's, and when ctx ends the
// connection is closed, which ends a write blocked on the socket or a
// wait for the library's frame lock.
func (w *wsConn) write(ctx context.Context, msgs []*Msg) (int64, uint64, error) {
	c, cork := w.conn()
	if c == nil {
		// The upgrade failed; the subscriber is dead already.
		return 0, 0, net.ErrClosed
	}
	w0 := cork.writes.Load()
	d, _ := ctx.Deadline()
	cork.cork(d)
	stop := context.AfterFunc(ctx, func() { _ = c.CloseNow() })
	var n int64
	var err error
	for _, m := range msgs {
		if err = c.Write(context.Background(), websocket.MessageText, m.Data); err != nil {
			break
		}
		n += int64(len(m.Data))
	}
	if uerr := cork.uncork(); err == nil {
		err = uerr
	}
	if !stop() && ctx.Err() != nil {
		// The connection was closed for ctx: say why.
		err = ctx.Err()
	}
	writes := cork.writes.Load() - w0
	if err != nil {
		return 0, writes, fmt.Errorf("cannot write %d messages: %w", len(msgs), err)
	}
	return n, writes, nil
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

// tcpConn writes messages as lines, every batch in one write.
type tcpConn struct {
	c   net.Conn
	buf []byte
}

func (t *tcpConn) write(ctx context.Context, msgs []*Msg) (int64, uint64, error) {
	b := t.buf[:0]
	for _, m := range msgs {
		b = append(b, m.Data...)
		b = append(b, '\n')
	}
	t.buf = b
	d, _ := ctx.Deadline()
	_ = t.c.SetWriteDeadline(d)
	n, err := t.c.Write(b)
	if cap(t.buf) > 1<<20 {
		t.buf = nil
	}
	if err == nil {
		err = ctx.Err()
	}
	return int64(n), 1, err
}

func (t *tcpConn) close() { _ = t.c.Close() }

func (t *tcpConn) abort() { _ = t.c.Close() }
