package loadgen

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// conn is one connection to the target; a sender goroutine owns it.
type conn interface {
	// do sends one request and waits for its answer; status is the
	// response's class ("202", "ok", "error") and err a transport error
	// (the connection is then closed).
	do(body []byte, deadline time.Time) (status string, err error)
	close()
}

// dialer returns a function that opens a connection to the target.
func dialer(cfg *Config) (func() (conn, error), error) {
	u, err := url.Parse(cfg.Target)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "tcp" {
		return func() (conn, error) {
			c, err := net.DialTimeout("tcp", u.Host, cfg.Timeout)
			if err != nil {
				return nil, err
			}
			return &tcpConn{c: c, br: bufio.NewReader(c), events: cfg.Events, ack: cfg.TCPAck}, nil
		}, nil
	}
	path := u.RequestURI()
	var head bytes.Buffer
	fmt.Fprintf(&head, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\n", path, u.Host, cfg.ContentType)
	for _, h := range cfg.Headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return nil, fmt.Errorf("header %q: want Name: value", h)
		}
		fmt.Fprintf(&head, "%s: %s\r\n", strings.TrimSpace(name), strings.TrimSpace(value))
	}
	head.WriteString("Content-Length: ")
	prefix := head.Bytes()
	return func() (conn, error) {
		c, err := net.DialTimeout("tcp", u.Host, cfg.Timeout)
		if err != nil {
			return nil, err
		}
		return &httpConn{c: c, br: bufio.NewReaderSize(c, 16<<10), head: prefix}, nil
	}, nil
}

// httpConn speaks HTTP/1.1 with keep-alive: one request at a time, the
// request written with one write.
type httpConn struct {
	c    net.Conn
	br   *bufio.Reader
	head []byte
	buf  []byte
}

func (h *httpConn) do(body []byte, deadline time.Time) (string, error) {
	_ = h.c.SetDeadline(deadline)
	b := append(h.buf[:0], h.head...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	h.buf = b
	if _, err := h.c.Write(b); err != nil {
		return "", err
	}
	resp, err := http.ReadResponse(h.br, nil)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return "", err
	}
	if resp.Close {
		return strconv.Itoa(resp.StatusCode), errClosedByServer
	}
	return strconv.Itoa(resp.StatusCode), nil
}

func (h *httpConn) close() { h.c.Close() }

// errClosedByServer marks a response after which the server closed the
// connection; the response still counts.
var errClosedByServer = fmt.Errorf("connection closed by the server")

// tcpConn writes a request's lines; with ack it reads one answer line per
// event ("ok ..." or "error ...").
type tcpConn struct {
	c      net.Conn
	br     *bufio.Reader
	events int
	ack    bool
}

func (t *tcpConn) do(body []byte, deadline time.Time) (string, error) {
	_ = t.c.SetDeadline(deadline)
	if _, err := t.c.Write(body); err != nil {
		return "", err
	}
	if !t.ack {
		return "ok", nil
	}
	status := "ok"
	for range t.events {
		l, err := t.br.ReadSlice('\n')
		if err != nil {
			return "", err
		}
		if !bytes.HasPrefix(l, []byte("ok")) {
			status = "error"
		}
	}
	return status, nil
}

func (t *tcpConn) close() { t.c.Close() }
