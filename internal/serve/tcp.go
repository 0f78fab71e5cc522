package serve

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// The TCP line protocol: the client sends one line, `<table>`,
// `<table> <from>` or `<table> <from> <session>`, and reads the same messages as over WebSocket, one
// JSON object per line. A refused request gets one
// {"type":"error","error":"..."} line and the connection is closed.

// maxRequestLine bounds the request line.
const maxRequestLine = 1024

func (s *server) acceptTCP() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		go s.serveTCP(c)
	}
}

func (s *server) serveTCP(c net.Conn) {
	// Closed through the sockConn, which waits for a writer's batched
	// send to the descriptor (see sockConn.Close).
	sock := newSockConn(c)
	defer sock.Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReaderSize(c, maxRequestLine+1).ReadSlice('\n')
	if err != nil {
		refuse(c, fmt.Errorf("bad request: want one line `<table> [from [session]]` of at most %d bytes: %w", maxRequestLine, err))
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	fields := strings.Fields(string(line))
	if len(fields) == 0 || len(fields) > 3 {
		refuse(c, fmt.Errorf("bad request %q: want `<table> [from [session]]`", strings.TrimSpace(string(line))))
		return
	}
	t, err := s.table(fields[0])
	if err != nil {
		refuse(c, err)
		return
	}
	var from *uint64
	var session string
	if len(fields) >= 2 {
		if from, err = parseSeq("from", fields[1]); err != nil {
			refuse(c, err)
			return
		}
	}
	if len(fields) == 3 {
		session = fields[2]
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub, err := t.subscribe(ctx, &tcpConn{c: sock}, from, session, c.RemoteAddr().String(), "tcp")
	if err != nil {
		refuse(c, err)
		return
	}
	_ = sub.Run()
}

func refuse(c net.Conn, err error) {
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.Write(append(errorMsg(err.Error()).Data, '\n'))
}
