package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// wsPair upgrades a real coder/websocket client's connection through the
// corking writer, as serveWebSocket does, and returns the server's side
// as a wsConn (the library reading it for control frames, as CloseRead
// does for a subscriber) and the client. Both end with the test.
func wsPair(t *testing.T) (*wsConn, *websocket.Conn) {
	t.Helper()
	got := make(chan *wsConn, 1)
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &corkWriter{ResponseWriter: w}
		ws, err := websocket.Accept(cw, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
		if err != nil {
			t.Errorf("accept: %v", err)
			close(got)
			return
		}
		if cw.conn == nil {
			t.Error("the upgrade did not hijack through the corking writer")
		}
		wc := &wsConn{}
		wc.set(ws, cw.conn)
		ws.CloseRead(context.Background())
		got <- wc
		<-done
		wc.abort()
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(64 << 20)
	t.Cleanup(func() { _ = c.CloseNow() })
	wc := <-got
	if wc == nil {
		t.FailNow()
	}
	return wc, c
}

func textMsgs(sizes ...int) []*Msg {
	var out []*Msg
	for i, n := range sizes {
		b := fmt.Appendf(nil, `{"type":"delta","seq":%d,"pad":"`, i+1)
		b = append(b, bytes.Repeat([]byte{'a' + byte(i%26)}, max(n-len(b)-2, 0))...)
		out = append(out, &Msg{Kind: KindDelta, Seq: uint64(i + 1), Data: append(b, `"}`...)})
	}
	return out
}

// A batch of N messages reaches a real client as N intact WebSocket
// messages in order, in one socket write when it is under corkMax and
// in about one per corkMax when it is larger.
func TestWebSocketBatchIsCorked(t *testing.T) {
	small := make([]int, 300)
	for i := range small {
		small[i] = 60 + i%90
	}
	mixed := []int{100, 200, 150 << 10, 90, 40 << 10, 30 << 10, 70, 300 << 10, 80, 5 << 10}
	for i := range 200 {
		mixed = append(mixed, 100+i)
	}
	for _, c := range []struct {
		name  string
		sizes []int
	}{{"small", small}, {"mixed", mixed}, {"one", []int{120}}} {
		t.Run(c.name, func(t *testing.T) {
			wc, client := wsPair(t)
			msgs := textMsgs(c.sizes...)
			var total int64
			for _, m := range msgs {
				total += int64(len(m.Data))
			}
			read := make(chan error, 1)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				for i, m := range msgs {
					typ, data, err := client.Read(ctx)
					if err != nil {
						read <- fmt.Errorf("message %d: %w", i, err)
						return
					}
					if typ != websocket.MessageText || !bytes.Equal(data, m.Data) {
						read <- fmt.Errorf("message %d: got %d bytes %.40q (type %v), want %d bytes %.40q", i, len(data), data, typ, len(m.Data), m.Data)
						return
					}
				}
				read <- nil
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			n, writes, err := wc.write(ctx, msgs)
			if err != nil {
				t.Fatal(err)
			}
			if err := <-read; err != nil {
				t.Fatal(err)
			}
			if n != total {
				t.Fatalf("write reported %d bytes, the messages have %d", n, total)
			}
			// Each WebSocket header adds 2 to 10 bytes.
			most := uint64((total+int64(10*len(msgs)))/corkMax) + 1
			if writes == 0 || writes > most || (len(msgs) > 1 && writes >= uint64(len(msgs))) {
				t.Fatalf("%d messages (%d bytes) took %d socket writes; want 1 to %d", len(msgs), total, writes, most)
			}
			if c.name == "small" && writes != 1 {
				t.Fatalf("%d small messages (%d bytes) took %d socket writes, want 1", len(msgs), total, writes)
			}
			// The next batch corks again (the buffer went back to the
			// pool and the connection is uncorked in between).
			if _, writes, err := wc.write(ctx, msgs[:min(3, len(msgs))]); err != nil || writes != 1 {
				t.Fatalf("a second batch: %d writes, %v; want 1", writes, err)
			}
		})
	}
}

// A ping from the client is answered at once between batches, and during
// a corked batch its pong joins the batch: it goes out, in the batch's
// one write, when the batch is uncorked.
func TestWebSocketPingDuringCorkedBatch(t *testing.T) {
	wc, client := wsPair(t)
	ws, cc := wc.conn()
	msgs := make(chan []byte, 16)
	go func() {
		for {
			_, data, err := client.Read(context.Background())
			if err != nil {
				close(msgs)
				return
			}
			msgs <- data
		}
	}()
	ping := func() chan error {
		done := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			done <- client.Ping(ctx)
		}()
		return done
	}
	if err := <-ping(); err != nil {
		t.Fatalf("a ping between batches: %v", err)
	}

	cc.cork(time.Time{})
	w0 := cc.writes.Load()
	pinged := ping()
	waitFor := time.Now().Add(5 * time.Second)
	for {
		cc.mu.Lock()
		gathered := cc.mu.buf != nil && len(*cc.mu.buf) > 0
		cc.mu.Unlock()
		if gathered {
			break
		}
		if time.Now().After(waitFor) {
			t.Fatal("the pong never reached the corked connection")
		}
		time.Sleep(time.Millisecond)
	}
	if err := ws.Write(context.Background(), websocket.MessageText, []byte(`{"type":"progress","seq":1}`)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-pinged:
		t.Fatalf("the ping was answered while the batch was corked (%v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	if err := cc.uncork(); err != nil {
		t.Fatal(err)
	}
	if err := <-pinged; err != nil {
		t.Fatalf("the ping during the batch: %v", err)
	}
	if got := string(<-msgs); got != `{"type":"progress","seq":1}` {
		t.Fatalf("the batch's message: %q", got)
	}
	if w := cc.writes.Load() - w0; w != 1 {
		t.Fatalf("the pong and the batch took %d socket writes, want 1", w)
	}
}

// A client that reads nothing makes a batch's write fail once its
// context's deadline passes (the socket's buffers full), and the
// connection is closed, as a write of the library's does.
func TestWebSocketWriteTimeout(t *testing.T) {
	wc, _ := wsPair(t)
	big := textMsgs(256 << 10)[0]
	var msgs []*Msg
	for range 256 {
		msgs = append(msgs, big) // 64 MiB in all
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	_, _, err := wc.write(ctx, msgs)
	el := time.Since(t0)
	if err == nil {
		t.Fatal("64 MiB went to a client that reads nothing")
	}
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the write failed with %v, want a timeout", err)
	}
	if el < 150*time.Millisecond || el > 5*time.Second {
		t.Fatalf("the write failed after %v; the timeout was 200ms", el)
	}
	ws, _ := wc.conn()
	if err := ws.Write(context.Background(), websocket.MessageText, []byte("{}")); err == nil {
		t.Fatal("the connection was still open after the timed-out write")
	}
}
