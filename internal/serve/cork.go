package serve

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// corkMax is the most bytes a corked batch gathers before they go to the
// socket: a batch larger than this takes a write per corkMax or so (each
// one write of what is gathered and the library's next flush together),
// and a connection never holds more than this besides one message.
const corkMax = 64 << 10

// corkWriter is the http.ResponseWriter a WebSocket upgrade hands to
// websocket.Accept: its Hijack wraps the connection in a corkConn and
// points the hijacked bufio.Writer, which the library frames every
// message into and flushes at the end of each, at it. Everything else
// (the upgrade's headers and status, an error response) goes to the
// wrapped writer; Unwrap lets http.ResponseController reach it. The
// library needs nothing of the writer but Header, WriteHeader and Hijack
// (it neither flushes nor sets deadlines through it).
type corkWriter struct {
	http.ResponseWriter
	conn *corkConn // set by Hijack
}

// Unwrap returns the wrapped writer (for http.ResponseController).
func (w *corkWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack takes the connection over from the HTTP server, as the wrapped
// writer's Hijack does, and returns it as a corkConn, with the server's
// buffered reader (which may hold the client's first frames) and its
// buffered writer reset to write to the corkConn.
func (w *corkWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if brw.Writer.Buffered() > 0 {
		// The server flushes the response before it hands the
		// connection over; should anything remain, it goes first.
		if err := brw.Writer.Flush(); err != nil {
			_ = c.Close()
			return nil, nil, err
		}
	}
	cc := &corkConn{Conn: c}
	brw.Writer.Reset(cc)
	w.conn = cc
	return cc, brw, nil
}

// corkConn is a WebSocket subscriber's connection. Between cork and
// uncork (a batch) the bytes the library writes are gathered and go to
// the socket together: one write for the batch, or one per corkMax when
// it is larger. Outside a batch, writes go straight to the socket.
//
// The subscriber's goroutine corks and uncorks; the library writes from
// that goroutine and from its own (a pong or a close frame from the
// goroutine that reads the connection), never two at once (it holds its
// frame lock for a frame's write). A frame written during a batch joins
// it; one written while uncork writes the batch waits for that write.
// Reads and Close are the wrapped connection's. Safe for concurrent use.
type corkConn struct {
	net.Conn
	mu struct {
		sync.Mutex
		corked bool
		buf    *[]byte // from corkBufs while a batch has bytes
		// deadline is the batch's write deadline (zero: none), set on
		// the socket (armed) for its first write.
		deadline time.Time
		armed    bool
		vec      net.Buffers
		vecArr   [2][]byte
	}
	// writes counts the writes to the socket.
	writes atomic.Uint64
}

// corkBufs holds the batches' buffers: a connection holds one only while
// it writes a batch, so the buffers are as many as the connections
// writing at once.
var corkBufs = sync.Pool{New: func() any { b := make([]byte, 0, corkMax); return &b }}

func getCorkBuf() *[]byte { return corkBufs.Get().(*[]byte) }

func putCorkBuf(b *[]byte) {
	if cap(*b) > corkMax {
		return
	}
	*b = (*b)[:0]
	corkBufs.Put(b)
}

// cork starts a batch whose writes to the socket must be done by
// deadline (zero: no deadline).
func (c *corkConn) cork(deadline time.Time) {
	c.mu.Lock()
	if c.mu.corked {
		c.mu.Unlock()
		panic("BUG: serve: a WebSocket batch corked twice")
	}
	c.mu.corked, c.mu.deadline, c.mu.armed = true, deadline, false
	c.mu.Unlock()
}

// uncork writes what the batch gathered, in one write, and ends the
// batch; the socket's write deadline is cleared. It returns the write's
// error (a timeout when the deadline passed).
func (c *corkConn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	if b := c.mu.buf; b != nil {
		if len(*b) > 0 {
			err = c.flushLocked(nil)
		}
		putCorkBuf(b)
		c.mu.buf = nil
	}
	if c.mu.armed {
		_ = c.Conn.SetWriteDeadline(time.Time{})
	}
	c.mu.corked, c.mu.armed = false, false
	return err
}

// Write gathers p into the batch when one is corked (writing what is
// gathered and p at once when they exceed corkMax), or writes it to the
// socket.
func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if !c.mu.corked {
		c.mu.Unlock()
		c.writes.Add(1)
		return c.Conn.Write(p)
	}
	defer c.mu.Unlock()
	if c.mu.buf == nil {
		c.mu.buf = getCorkBuf()
	}
	b := c.mu.buf
	if len(*b)+len(p) <= corkMax {
		*b = append(*b, p...)
		return len(p), nil
	}
	if err := c.flushLocked(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// flushLocked writes the gathered bytes, then p, in one write (writev),
// within the batch's deadline, and empties the buffer.
func (c *corkConn) flushLocked(p []byte) error {
	if !c.mu.armed && !c.mu.deadline.IsZero() {
		if err := c.Conn.SetWriteDeadline(c.mu.deadline); err != nil {
			return err
		}
		c.mu.armed = true
	}
	b := c.mu.buf
	v := c.mu.vecArr[:0]
	if len(*b) > 0 {
		v = append(v, *b)
	}
	if len(p) > 0 {
		v = append(v, p)
	}
	c.mu.vec = v
	c.writes.Add(1)
	_, err := c.mu.vec.WriteTo(c.Conn)
	c.mu.vecArr = [2][]byte{}
	*b = (*b)[:0]
	return err
}
