package connect

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

func startTCP(t *testing.T, opts map[string]any) (*tcpSource, *component.Instance) {
	t.Helper()
	if opts["schema"] == nil {
		opts["schema"] = map[string]string{"user": "string", "n": "int"}
	}
	opts["address"] = "127.0.0.1:0"
	ctx, _ := newCtx(t, "lines", opts)
	ctx.Wake = func() {}
	rj := &lockedRejects{}
	ctx.Reject = rj.add
	inst := mustNew(t, tcpSourceSpec(), ctx)
	src := inst.Source.(*tcpSource)
	if err := src.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = src.Close() })
	return src, inst
}

// drain reads events until want have arrived or the time is up.
func drain(t *testing.T, src component.Source, want int, within time.Duration) []event.Event {
	t.Helper()
	var got []event.Event
	deadline := time.Now().Add(within)
	for len(got) < want && time.Now().Before(deadline) {
		var out component.Output
		if _, err := src.Read(&out, 512); err != nil {
			t.Fatal(err)
		}
		for _, e := range out.Events() {
			got = append(got, e.Clone())
		}
		if out.Len() == 0 {
			time.Sleep(50 * time.Microsecond)
		}
	}
	return got
}

func TestTCPAcksEveryLineInOrder(t *testing.T) {
	src, inst := startTCP(t, map[string]any{"ack": "line"})
	c, err := net.Dial("tcp", src.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "{\"user\":\"a\",\"n\":1}\n{\"n\":\"x\"}\n\n{\"user\":\"b\"}\n")
	r := bufio.NewReader(c)
	var acks []string
	for range 3 {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("acks so far %q: %v", acks, err)
		}
		acks = append(acks, strings.TrimSpace(l))
	}
	want := []string{"ok 1", `error 2: field "n": expected int, got "x"`, "ok 4"}
	if strings.Join(acks, "|") != strings.Join(want, "|") {
		t.Fatalf("acks %q, want %q", acks, want)
	}
	evs := drain(t, src, 2, 5*time.Second)
	user, _ := inst.Schema.Slot("user")
	if len(evs) != 2 || evs[0].Fields[user].S != "a" || evs[1].Fields[user].S != "b" {
		t.Fatalf("events %v", evs)
	}
	if s := src.Stats(); s.Accepted != 2 || s.Rejected != 1 || s.Connections != 1 {
		t.Fatalf("stats %+v", s)
	}
	wantFigures(t, figureValues(t, src.AppendFigures(nil)), map[string]float64{"tcp_source_accepted_events_total": 2,
		"tcp_source_rejected_events_total": 1, "tcp_source_connections_total": 1, "inbox_accepted_events_total": 2})
}

// TestTCPBackpressure: while nobody takes events, the full queue stops the
// source reading, so the client's writes block; once events are taken the
// client finishes and every line arrives, none lost.
func TestTCPBackpressure(t *testing.T) {
	src, inst := startTCP(t, map[string]any{"queue": int64(64), "batch": int64(16)})
	c, err := net.Dial("tcp", src.Addr())
	if err != nil {
		t.Fatal(err)
	}
	const lines = 30000 // of 1 KiB: more than the kernel's socket buffers hold
	var written atomic.Int64
	done := make(chan error, 1)
	go func() {
		w := bufio.NewWriter(c)
		pad := strings.Repeat("x", 1000)
		for i := range lines {
			fmt.Fprintf(w, "{\"user\":\"u\",\"pad\":%q,\"n\":%d}\n", pad, i)
			written.Store(int64(i + 1))
		}
		err := w.Flush()
		c.(*net.TCPConn).CloseWrite()
		done <- err
	}()
	// The kernel buffers take some of it; then the writer must stall: its
	// count stops moving, short of the end.
	stalled := false
	for deadline := time.Now().Add(20 * time.Second); !stalled && time.Now().Before(deadline); {
		before := written.Load()
		time.Sleep(200 * time.Millisecond)
		stalled = written.Load() == before && before < lines
	}
	if !stalled {
		t.Fatalf("the client kept writing (%d of %d lines) while the queue was full", written.Load(), lines)
	}
	select {
	case <-done:
		t.Fatal("the client finished writing while nothing was taken")
	default:
	}
	evs := drain(t, src, lines, 60*time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(evs) != lines {
		t.Fatalf("got %d of %d lines", len(evs), lines)
	}
	n, _ := inst.Schema.Slot("n")
	for i, e := range evs {
		if e.Fields[n].N != uint64(i) {
			t.Fatalf("line %d arrived as %d", i, e.Fields[n].N)
		}
	}
	if s := src.Stats(); s.Queue.Waits == 0 || s.Queue.Refused != 0 {
		t.Fatalf("stats %+v: want waits and no refusal", s)
	}
}

// TestTCPStopTakesDeliveredLines: Stop closes the listener, ends each
// connection after the complete lines it delivered, and Read reports Done
// after handing them over.
func TestTCPStopTakesDeliveredLines(t *testing.T) {
	src, _ := startTCP(t, map[string]any{})
	c, err := net.Dial("tcp", src.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "{\"n\":1}\n{\"n\":2}\n{\"n\":3")
	for src.Stats().Accepted < 2 {
		time.Sleep(time.Millisecond)
	}
	src.Stop()
	var got int
	deadline := time.Now().Add(5 * time.Second)
	for {
		var out component.Output
		res, err := src.Read(&out, 100)
		if err != nil {
			t.Fatal(err)
		}
		got += out.Len()
		if res.Done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no Done after Stop")
		}
		time.Sleep(time.Millisecond)
	}
	if got != 2 {
		t.Fatalf("got %d events, want the 2 complete lines", got)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("connection after Stop: %v, want EOF", err)
	}
	if _, err := net.DialTimeout("tcp", src.Addr(), time.Second); err == nil {
		t.Fatal("a connection was accepted after Stop")
	}
}

func TestTCPIdleTimeoutClosesConnection(t *testing.T) {
	src, _ := startTCP(t, map[string]any{"idle_timeout": 50 * time.Millisecond})
	start := time.Now() // before the server can accept, and so arm the timeout
	c, err := net.Dial("tcp", src.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("idle connection: %v, want EOF", err)
	}
	if el := time.Since(start); el < 50*time.Millisecond {
		t.Fatalf("closed after %v, before the idle timeout", el)
	}
}
