package serve

import (
	"bufio"
	"net"
	"net/http"
)

// upgradeWriter is the http.ResponseWriter a WebSocket upgrade hands to
// websocket.Accept: its Hijack wraps the connection in a sockConn, which
// every write to the socket goes through (the subscriber's frames and the
// library's control frames alike), and points the hijacked bufio.Writer,
// which the library writes its frames into and flushes at the end of
// each, at it. Everything else (the upgrade's headers and status, an
// error response) goes to the wrapped writer; Unwrap lets
// http.ResponseController reach it. The library needs nothing of the
// writer but Header, WriteHeader and Hijack.
type upgradeWriter struct {
	http.ResponseWriter
	conn *sockConn // set by Hijack
}

// Unwrap returns the wrapped writer (for http.ResponseController).
func (w *upgradeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack takes the connection over from the HTTP server, as the wrapped
// writer's Hijack does, and returns it as a sockConn, with the server's
// buffered reader (which may hold the client's first frames) and its
// buffered writer reset to write to the sockConn.
func (w *upgradeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
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
	sc := newSockConn(c)
	brw.Writer.Reset(sc)
	w.conn = sc
	return sc, brw, nil
}
