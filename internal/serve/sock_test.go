package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/sys/unix"
)

// wsPair upgrades a real coder/websocket client's connection through the
// upgrade writer, as serveWebSocket does, and returns the server's side
// as a wsConn (the library reading it for control frames, as CloseRead
// does for a subscriber) and the client. Both end with the test.
func wsPair(t *testing.T) (*wsConn, *websocket.Conn) {
	t.Helper()
	got := make(chan *wsConn, 1)
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &upgradeWriter{ResponseWriter: w}
		ws, err := websocket.Accept(cw, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
		if err != nil {
			t.Errorf("accept: %v", err)
			close(got)
			return
		}
		if cw.conn == nil {
			t.Error("the upgrade did not hijack through the upgrade writer")
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

// A batch of N messages, framed here, reaches a real client as N intact
// WebSocket messages in order (headers of all three lengths), in one
// socket write when it is under chunkMax, else about one per chunkMax.
func TestWebSocketBatchOneWrite(t *testing.T) {
	small := make([]int, 300)
	for i := range small {
		small[i] = 60 + i%90
	}
	mixed := []int{100, 200, 150 << 10, 90, 40 << 10, 125, 126, 65535, 65536, 30 << 10, 70, 300 << 10, 80, 5 << 10}
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
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			read := make(chan error, 1)
			go func() { read <- readInOrder(ctx, client, msgs, nil) }()
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
			// One write per chunk of about chunkMax bytes of whole
			// messages, a larger message alone.
			most, large := uint64(total/chunkMax)+1, 0
			for _, m := range msgs {
				if len(m.Data) > chunkMax {
					large++
				}
			}
			most += uint64(2 * large)
			if writes == 0 || writes > most || c.name != "mixed" && writes != 1 {
				t.Fatalf("%d messages (%d bytes, %d over %d) took %d socket writes; want 1 to %d", len(msgs), total, large, chunkMax, writes, most)
			}
			if _, writes, err := wc.write(ctx, msgs[:min(2, len(msgs))]); err != nil || writes != 1 {
				t.Fatalf("a second batch: %d writes, %v; want 1", writes, err)
			}
		})
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

// A direct write to a client that does not read takes what the socket
// takes and owes the rest; nothing more is taken while bytes are owed.
// A pong to a ping sent meanwhile goes out at the end of the frame
// written in part, before the rest; the subscriber's next batch goes
// after the rest; the client reads every message intact and in order;
// then direct writes go through again. Alike whether the writer writes
// with writev or as a send of a batch.
func TestDirectWriteOwesTheRest(t *testing.T) {
	for _, via := range []string{"writev", "batch"} {
		for _, rest := range []string{"pong", "batch"} {
			t.Run(via+"/"+rest, func(t *testing.T) {
				wc, client := wsPair(t)
				tryWrite := wc.tryWrite
				if via == "batch" {
					b := testBatch(t)
					tryWrite = func(take func() []*Msg) ([]*Msg, int64, uint64, tryResult, error) {
						return batchTry(b, wc, take)
					}
				}
				owesTheRest(t, wc, client, tryWrite, rest)
			})
		}
	}
}

func owesTheRest(t *testing.T, wc *wsConn, client *websocket.Conn, tryWrite func(func() []*Msg) ([]*Msg, int64, uint64, tryResult, error), rest string) {
	big := textMsgs(256 << 10)[0]
	var msgs []*Msg
	for range 128 {
		msgs = append(msgs, big) // 32 MiB: more than the socket's buffers
	}
	msgs = append(msgs, textMsgs(120, 130, 70000)...)
	more := textMsgs(90, 91)
	last := textMsgs(80)
	want := append(append(append([]*Msg(nil), msgs...), more...), last...)
	out, n, writes, res, err := tryWrite(func() []*Msg { return msgs })
	if err != nil || res != tryOwed {
		t.Fatalf("a direct write of 32 MiB to a client that does not read: result %d, %v; want the rest owed", res, err)
	}
	var total int64
	for _, m := range msgs {
		total += int64(len(m.Data))
	}
	if len(out) != len(msgs) || n != total || writes == 0 {
		t.Fatalf("the direct write reported %d messages, %d bytes, %d writes; want %d, %d, at least 1", len(out), n, writes, len(msgs), total)
	}
	if _, _, _, res, _ := tryWrite(func() []*Msg {
		t.Error("a direct write took messages while bytes were owed")
		return nil
	}); res != tryBusy {
		t.Fatalf("a direct write while bytes are owed: result %d, want busy", res)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	read := make(chan error, 1)
	got := make(chan int, len(want))
	go func() {
		read <- readInOrder(ctx, client, want, got)
		_, _, _ = client.Read(ctx) // answers the ping's pong
	}()
	if rest == "pong" {
		if err := client.Ping(ctx); err != nil {
			t.Fatalf("a ping while bytes were owed: %v", err)
		}
		// The pong went out at the next frame boundary, before
		// the rest of what is owed.
		if len(got) >= len(msgs) {
			t.Fatalf("the ping was answered only after all %d owed messages", len(msgs))
		}
	}
	if _, _, err := wc.write(ctx, more); err != nil {
		t.Fatal(err)
	}
	if _, _, _, res, err := tryWrite(func() []*Msg { return last }); res != tryDone || err != nil {
		t.Fatalf("a direct write once the owed bytes went: result %d, %v; want done", res, err)
	}
	if err := <-read; err != nil {
		t.Fatal(err)
	}
}

// A writer's next pass starts frame_interval after the last began, or
// later when that pass took more than writer_share of the time between.
func TestWriterShareSpacesPasses(t *testing.T) {
	t0 := time.Unix(1000, 0)
	for _, c := range []struct {
		interval, took time.Duration
		share          float64
		want           time.Duration
	}{
		{10 * time.Millisecond, 2 * time.Millisecond, 0.5, 10 * time.Millisecond},
		{10 * time.Millisecond, 8 * time.Millisecond, 0.5, 16 * time.Millisecond},
		{10 * time.Millisecond, 8 * time.Millisecond, 1, 10 * time.Millisecond},
		{10 * time.Millisecond, 30 * time.Millisecond, 1, 30 * time.Millisecond},
		{0, 3 * time.Millisecond, 0.25, 12 * time.Millisecond},
	} {
		cfg := Config{FrameInterval: c.interval, WriterShare: c.share}
		if got := nextPass(t0, c.took, &cfg).Sub(t0); got != c.want {
			t.Errorf("interval %v, pass took %v, share %v: next pass %v after, want %v", c.interval, c.took, c.share, got, c.want)
		}
	}
}

// A client that reads a large batch slowly but steadily, and pings while
// it is written, gets its pong between two frames of the batch, long
// before the batch is written (the library closes a connection whose
// pong waits 5 s), and every message intact.
func TestPingDuringALargeBatch(t *testing.T) {
	wc, client := wsPair(t)
	big := textMsgs(256 << 10)[0]
	var msgs []*Msg
	for range 128 {
		msgs = append(msgs, big) // 32 MiB
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	written := make(chan error, 1)
	go func() {
		_, _, err := wc.write(ctx, msgs)
		written <- err
	}()
	pinged := make(chan error, 1)
	go func() {
		time.Sleep(200 * time.Millisecond)
		pinged <- client.Ping(ctx)
	}()
	var pingErr error
	var pingAt = -1
	for i, m := range msgs {
		_, data, err := client.Read(ctx)
		if err != nil {
			t.Fatalf("message %d of %d: %v", i, len(msgs), err)
		}
		if !bytes.Equal(data, m.Data) {
			t.Fatalf("message %d: %d bytes %.40q, want %d bytes %.40q", i, len(data), data, len(m.Data), m.Data)
		}
		select {
		case pingErr = <-pinged:
			if pingAt < 0 {
				pingAt = i
			}
		default:
		}
		time.Sleep(10 * time.Millisecond) // about 25 MB/s
	}
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	if pingAt < 0 {
		pingErr = <-pinged
	}
	if pingErr != nil {
		t.Fatalf("the ping: %v", pingErr)
	}
	// The socket's buffers hold some megabytes: the pong, written
	// between two frames, is read a few dozen messages later; behind the
	// whole batch it would come after the last.
	if pingAt < 0 || pingAt > len(msgs)/2 {
		t.Fatalf("the ping was answered after %d of %d messages read; want it between two frames, well before the end", pingAt, len(msgs))
	}
}

// testBatch is a send batch of its own for the test (the test is skipped,
// saying why, where the system forbids io_uring; it fails where io_uring
// should be had and the ring could not be set up).
func testBatch(t *testing.T) *sendBatch {
	t.Helper()
	errs := new(atomic.Pointer[error])
	b := newSendBatch(new(atomic.Uint64), errs)
	if !b.on() {
		needRing(t, *errs.Load())
	}
	t.Cleanup(b.close)
	return b
}

// needRing fails the test when err (from setting up a ring) is not the
// system's refusal, and skips it when it is.
func needRing(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	disabled, _ := os.ReadFile("/proc/sys/kernel/io_uring_disabled")
	if runtime.GOOS == "linux" && strings.TrimSpace(string(disabled)) == "0" && !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.ENOSYS) {
		t.Fatalf("io_uring is enabled here, yet: %v", err)
	}
	t.Skipf("io_uring is not to be had here: %v", err)
}

// result is what a batch told of one send.
type result struct {
	out    []*Msg
	n      int64
	writes uint64
	res    tryResult
	err    error
}

func (r *result) batchDone(out []*Msg, n int64, writes uint64, res tryResult, err error) {
	*r = result{out, n, writes, res, err}
}

// batchTry is wc.tryWrite made as the one send of a batch.
func batchTry(b *sendBatch, wc *wsConn, take func() []*Msg) ([]*Msg, int64, uint64, tryResult, error) {
	out, n, snd, res, err := wc.begin(take)
	if res != tryHeld {
		return out, n, 0, res, err
	}
	var r result
	b.add(&r, out, n, snd)
	b.flush()
	return r.out, r.n, r.writes, r.res, r.err
}

// A batch of more sends than one system call makes (sendBatchMax) makes
// them in as many calls as it takes, each socket getting its own bytes,
// and each send's result goes to its own sender.
func TestSendBatchSplits(t *testing.T) {
	b := testBatch(t)
	calls := b.calls
	const n = 2*sendBatchMax + 1
	type pair struct {
		wc   *tcpConn
		peer *os.File
		r    result
	}
	pairs := make([]*pair, n)
	for i := range pairs {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		f := os.NewFile(uintptr(fds[0]), "sock")
		c, err := net.FileConn(f)
		_ = f.Close()
		if err != nil {
			t.Fatal(err)
		}
		p := &pair{wc: &tcpConn{c: newSockConn(c)}, peer: os.NewFile(uintptr(fds[1]), "peer")}
		t.Cleanup(func() { _ = p.wc.c.Close(); _ = p.peer.Close() })
		pairs[i] = p
	}
	for i, p := range pairs {
		msgs := textMsgs(40 + i%50)
		out, size, snd, res, err := p.wc.begin(func() []*Msg { return msgs })
		if res != tryHeld || err != nil {
			t.Fatalf("send %d: begin gave %d, %v", i, res, err)
		}
		b.add(&p.r, out, size, snd)
	}
	b.flush()
	if got := calls.Load(); got != 3 {
		t.Fatalf("%d sends made in %d system calls, want 3", n, got)
	}
	for i, p := range pairs {
		want := append(textMsgs(40 + i%50)[0].Data, '\n')
		if p.r.res != tryDone || p.r.err != nil || p.r.writes != 1 || p.r.n != int64(len(want)-1) {
			t.Fatalf("send %d: result %d, %v, %d writes, %d bytes; want done in one write of %d", i, p.r.res, p.r.err, p.r.writes, p.r.n, len(want)-1)
		}
		got := make([]byte, len(want))
		if _, err := io.ReadFull(p.peer, got); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("socket %d got %q (%v), want %q", i, got, err, want)
		}
	}
}

// A connection closed while a batch holds its socket for a send is
// closed only once the batch's system call returned (its descriptor's
// number may be reused at once), and takes no send after.
func TestCloseWaitsForBatchedSend(t *testing.T) {
	wc, _ := wsPair(t)
	msgs := textMsgs(100)
	out, n, snd, res, err := wc.begin(func() []*Msg { return msgs })
	if res != tryHeld || err != nil {
		t.Fatalf("begin gave %d, %v", res, err)
	}
	closed := make(chan error, 1)
	go func() { closed <- wc.sock.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("the connection closed (%v) while a batch held it for a send", err)
	case <-time.After(100 * time.Millisecond):
	}
	b := testBatch(t)
	var r result
	b.add(&r, out, n, snd)
	b.flush()
	if r.res != tryDone || r.err != nil {
		t.Fatalf("the send gave %d, %v", r.res, r.err)
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the connection did not close after the batch's call returned")
	}
	if _, _, _, res, _ := wc.begin(func() []*Msg {
		t.Error("a closed connection took messages")
		return nil
	}); res != tryBusy {
		t.Fatalf("begin on a closed connection gave %d, want busy", res)
	}
}

// A batch's send takes at most iovMax buffers (the kernel's limit): a
// batch of more messages than that leaves the rest owed, whole frames,
// and the subscriber's goroutine writes them; the client reads every
// message intact and in order.
func TestBatchedSendOfMoreThanIovMax(t *testing.T) {
	wc, client := wsPair(t)
	b := testBatch(t)
	sizes := make([]int, iovMax/frameBufs+88)
	for i := range sizes {
		sizes[i] = 60 + i%40
	}
	msgs := textMsgs(sizes...)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	read := make(chan error, 1)
	go func() { read <- readInOrder(ctx, client, msgs, nil) }()
	out, _, writes, res, err := batchTry(b, wc, func() []*Msg { return msgs })
	if res != tryOwed || err != nil || writes != 1 || len(out) != len(msgs) {
		t.Fatalf("a batched send of %d messages (%d buffers): result %d, %v, %d writes; want one write and the rest owed", len(msgs), frameBufs*len(msgs), res, err, writes)
	}
	if _, _, err := wc.write(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := <-read; err != nil {
		t.Fatal(err)
	}
}

// readInOrder reads len(want) messages from client and says which one,
// if any, was not the text message wanted; got (if not nil) is told the
// index of each one read.
func readInOrder(ctx context.Context, client *websocket.Conn, want []*Msg, got chan<- int) error {
	for i, m := range want {
		typ, data, err := client.Read(ctx)
		if err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
		if typ != websocket.MessageText || !bytes.Equal(data, m.Data) {
			return fmt.Errorf("message %d: got %d bytes %.40q (type %v), want %d bytes %.40q", i, len(data), data, typ, len(m.Data), m.Data)
		}
		if got != nil {
			got <- i
		}
	}
	return nil
}
