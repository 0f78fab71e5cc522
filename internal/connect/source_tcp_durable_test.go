package connect

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// readAcks reads n ack lines from r, or fails after a while.
func readAcks(t *testing.T, c net.Conn, r *bufio.Reader, n int) []string {
	t.Helper()
	var acks []string
	for range n {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("acks so far %q: %v", acks, err)
		}
		acks = append(acks, strings.TrimSpace(l))
	}
	return acks
}

// noAck fails if an ack line arrives within a short while.
func noAck(t *testing.T, c net.Conn, r *bufio.Reader, what string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if l, err := r.ReadString('\n'); err == nil {
		t.Fatalf("%s: acked %q", what, l)
	}
}

// With ack: durable the lines are answered, in order, only at the commit
// of a checkpoint taken after the pipeline had their events.
func TestTCPDurableAcksAfterTheCommit(t *testing.T) {
	src, _ := startTCP(t, map[string]any{"ack": "durable"})
	c, err := net.Dial("tcp", src.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "{\"user\":\"a\",\"n\":1}\n{\"n\":\"x\"}\n\n{\"user\":\"b\"}\n")
	r := bufio.NewReader(c)
	if evs := drain(t, src, 2, 5*time.Second); len(evs) != 2 {
		t.Fatalf("read %d events, want 2", len(evs))
	}
	noAck(t, c, r, "read, not checkpointed")
	src.Checkpointing(1)
	noAck(t, c, r, "checkpointed, not committed")
	src.Committed(1)
	acks := readAcks(t, c, r, 3)
	want := []string{"ok 1", `error 2: field "n": expected int, got "x"`, "ok 4"}
	if strings.Join(acks, "|") != strings.Join(want, "|") {
		t.Fatalf("acks %q, want %q", acks, want)
	}
	wantFigures(t, figureValues(t, src.AppendFigures(nil)), map[string]float64{"tcp_source_durable_committed_total": 1,
		"tcp_source_durable_waiting_lines": 0})
}

// The lines waiting are bounded: past ack_max_waiting the connection is
// not read (its events are not queued) until a commit answers some; a wait
// past ack_timeout is answered with an error saying so.
func TestTCPDurableLimits(t *testing.T) {
	src, _ := startTCP(t, map[string]any{"ack": "durable", "ack_max_waiting": int64(2), "batch": int64(1), "ack_timeout": 300 * time.Millisecond})
	c, err := net.Dial("tcp", src.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 4 {
		fmt.Fprintf(c, "{\"user\":\"u\",\"n\":%d}\n", i)
	}
	r := bufio.NewReader(c)
	if evs := drain(t, src, 2, 5*time.Second); len(evs) != 2 {
		t.Fatalf("read %d events, want 2", len(evs))
	}
	time.Sleep(30 * time.Millisecond)
	if a := src.Stats().Accepted; a != 2 {
		t.Fatalf("%d events queued with ack_max_waiting 2 lines and no commit", a)
	}
	src.Checkpointing(1)
	src.Committed(1)
	if acks := readAcks(t, c, r, 2); acks[0] != "ok 1" || acks[1] != "ok 2" {
		t.Fatalf("acks %q", acks)
	}
	if evs := drain(t, src, 2, 5*time.Second); len(evs) != 2 {
		t.Fatalf("after the commit read %d more events, want 2", len(evs))
	}
	// No checkpoint now: the last two lines time out.
	acks := readAcks(t, c, r, 2)
	for _, a := range acks {
		if !strings.Contains(a, "not known to be durable") || !strings.Contains(a, "ack_timeout (300ms)") {
			t.Fatalf("acks past ack_timeout %q", acks)
		}
	}
	if st := src.Stats().Durable; st.Timeouts != 2 || st.Durable != 2 {
		t.Fatalf("durable stats %+v: want 2 committed batches and 2 timeouts", st)
	}
}

func TestTCPDurableNeedsCheckpoints(t *testing.T) {
	ctx, _ := newCtx(t, "lines", map[string]any{"ack": "durable", "schema": map[string]string{"user": "string"}})
	ctx.Validating, ctx.Checkpoints = true, component.CheckpointsOff
	_, err := tcpSourceSpec().New(ctx)
	if err == nil || !strings.Contains(err.Error(), `option "ack": "durable" answers a client only once a checkpoint`) || !strings.Contains(err.Error(), "--state-dir") {
		t.Fatalf("ack: durable without checkpoints: %v", err)
	}
}
