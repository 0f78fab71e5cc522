package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/coder/websocket"
)

// maxMessage bounds one message a client reads (a snapshot part of 1000
// wide rows fits many times over).
const maxMessage = 64 << 20

// Stream is one subscription's raw messages, in order.
type Stream interface {
	// Next returns the next message's text, valid until the next call.
	// io.EOF means the server ended the stream cleanly.
	Next(ctx context.Context) ([]byte, error)
	Close() error
}

// Open subscribes to the table at rawURL, from after sequence *from when
// from is set. Schemes: ws and wss (WebSocket), http and https
// (Server-Sent Events), tcp (the line protocol: tcp://host:port/table).
// For WebSocket and SSE the URL may name the table (/tables/<name>) or
// its stream (/tables/<name>/stream).
func Open(ctx context.Context, rawURL string, from *uint64) (Stream, error) {
	return OpenSession(ctx, rawURL, from, "")
}

// OpenSession is Open resuming within a session: with from and session
// set, a server whose table is of another session (it restarted since the
// copy at from was made) answers with a gap message and a snapshot.
func OpenSession(ctx context.Context, rawURL string, from *uint64, session string) (Stream, error) {
	if from == nil {
		session = ""
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("bad URL %q: %w", rawURL, err)
	}
	switch u.Scheme {
	case "ws", "wss", "http", "https":
		u = streamURL(u, from, session)
	case "tcp":
	default:
		return nil, fmt.Errorf("bad URL %q: scheme %q is not ws, wss, http, https or tcp", rawURL, u.Scheme)
	}
	switch u.Scheme {
	case "ws", "wss":
		c, resp, err := websocket.Dial(ctx, u.String(), nil)
		if err != nil {
			return nil, fmt.Errorf("cannot subscribe to %s: %w", u, refusal(resp, err))
		}
		c.SetReadLimit(maxMessage)
		return &wsStream{c: c}, nil
	case "http", "https":
		rctx, cancel := context.WithCancel(context.Background())
		stop := context.AfterFunc(ctx, cancel)
		req, err := http.NewRequestWithContext(rctx, http.MethodGet, u.String(), nil)
		if err != nil {
			cancel()
			return nil, err
		}
		req.Header.Set("Accept", "text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			stop()
			cancel()
			return nil, fmt.Errorf("cannot subscribe to %s: %w", u, err)
		}
		if resp.StatusCode != http.StatusOK {
			defer resp.Body.Close()
			stop()
			cancel()
			return nil, fmt.Errorf("cannot subscribe to %s: %w", u, refusal(resp, nil))
		}
		return &sseStream{body: resp.Body, r: bufio.NewReaderSize(resp.Body, 64<<10), cancel: cancel, stop: stop}, nil
	}
	table := strings.Trim(u.Path, "/")
	if table == "" || strings.Contains(table, "/") {
		return nil, fmt.Errorf("bad URL %q: want tcp://host:port/<table>", rawURL)
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, fmt.Errorf("cannot subscribe to %s: %w", rawURL, err)
	}
	req := table
	if from != nil {
		req += " " + strconv.FormatUint(*from, 10)
		if session != "" {
			req += " " + session
		}
	}
	if _, err := io.WriteString(c, req+"\n"); err != nil {
		c.Close()
		return nil, fmt.Errorf("cannot subscribe to %s: %w", rawURL, err)
	}
	s := &lineStream{c: c, r: bufio.NewReaderSize(c, 64<<10)}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	s.stop = stop
	return s, nil
}

// streamURL points u at the table's stream, with ?from and ?session.
func streamURL(u *url.URL, from *uint64, session string) *url.URL {
	v := *u
	if !strings.HasSuffix(v.Path, "/stream") {
		v.Path = strings.TrimSuffix(v.Path, "/") + "/stream"
	}
	q := v.Query()
	q.Del("from")
	q.Del("session")
	if from != nil {
		q.Set("from", strconv.FormatUint(*from, 10))
	}
	if session != "" {
		q.Set("session", session)
	}
	v.RawQuery = q.Encode()
	return &v
}

// RefusedError is a subscription the server answered with an HTTP error
// status: an unknown table, a bad from, too many subscribers.
type RefusedError struct {
	Status int
	Text   string
}

func (e *RefusedError) Error() string { return e.Text }

// refusal turns a refused subscription's response into its error.
func refusal(resp *http.Response, err error) error {
	if resp == nil || resp.StatusCode < 400 {
		return err
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var e struct {
		Error string `json:"error"`
	}
	text := resp.Status
	if json.Unmarshal(b, &e) == nil && e.Error != "" {
		text += ": " + e.Error
	}
	return &RefusedError{Status: resp.StatusCode, Text: text}
}

type wsStream struct{ c *websocket.Conn }

func (s *wsStream) Next(ctx context.Context) ([]byte, error) {
	_, b, err := s.c.Read(ctx)
	if err != nil {
		if websocket.CloseStatus(err) == websocket.StatusNormalClosure {
			return nil, io.EOF
		}
		return nil, err
	}
	return b, nil
}

func (s *wsStream) Close() error { return s.c.CloseNow() }

// sseStream reads Server-Sent Events: each event's data lines joined.
type sseStream struct {
	cancel context.CancelFunc
	stop   func() bool
	body   io.ReadCloser
	r      *bufio.Reader
	data   []byte
}

func (s *sseStream) Next(ctx context.Context) ([]byte, error) {
	s.data = s.data[:0]
	stop := context.AfterFunc(ctx, s.cancel)
	defer stop()
	for {
		line, err := s.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A long line: gather it whole.
			buf := append([]byte(nil), line...)
			for err == bufio.ErrBufferFull {
				line, err = s.r.ReadSlice('\n')
				buf = append(buf, line...)
				if len(buf) > maxMessage {
					return nil, fmt.Errorf("event longer than %d bytes", maxMessage)
				}
			}
			line = buf
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) == 0:
			if len(s.data) > 0 {
				return s.data, nil
			}
		case bytes.HasPrefix(line, []byte("data:")):
			d := bytes.TrimPrefix(line[5:], []byte(" "))
			if len(s.data) > 0 {
				s.data = append(s.data, '\n')
			}
			s.data = append(s.data, d...)
		}
	}
}

func (s *sseStream) Close() error {
	s.stop()
	s.cancel()
	return s.body.Close()
}

// lineStream reads the TCP line protocol.
type lineStream struct {
	c    net.Conn
	r    *bufio.Reader
	stop func() bool
	buf  []byte
}

func (s *lineStream) Next(ctx context.Context) ([]byte, error) {
	line, err := s.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		s.buf = append(s.buf[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = s.r.ReadSlice('\n')
			s.buf = append(s.buf, line...)
			if len(s.buf) > maxMessage {
				return nil, fmt.Errorf("line longer than %d bytes", maxMessage)
			}
		}
		line = s.buf
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return bytes.TrimRight(line, "\n"), nil
}

func (s *lineStream) Close() error {
	s.stop()
	return s.c.Close()
}
