package cli

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/serve"
)

func servedTable(t *testing.T, name string) *serve.Table {
	t.Helper()
	cfg := serve.DefaultConfig(name)
	cfg.Progress = 20 * time.Millisecond
	tb, err := serve.NewTable(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := tb.Serve("127.0.0.1:0", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tb.Stop(time.Second) })
	var ch []serve.Change
	for _, c := range []struct {
		cust string
		n    int
	}{{"cust-010", 3}, {"cust-002", 1000}, {"cust-001", 17}} {
		ch = append(ch, serve.Change{Key: []byte(fmt.Sprintf("[%q]", c.cust)),
			Row: []byte(fmt.Sprintf(`{"customer":%q,"plays":%d,"top":null}`, c.cust, c.n))})
	}
	if err := tb.Apply(ch, 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	return tb
}

// tail shows the table sorted by key, columns fitted, under a status
// line; over every transport.
func TestTailTable(t *testing.T) {
	tb := servedTable(t, "per_customer")
	for _, url := range []string{
		"ws://" + tb.HTTPAddr() + "/tables/per_customer",
		"http://" + tb.HTTPAddr() + "/tables/per_customer/stream",
		"tcp://" + tb.TCPAddr() + "/per_customer",
	} {
		code, out, errs := runMain("tail", url, "--for", "200ms")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", url, code, errs)
		}
		want := "customer  plays  top\n" +
			"cust-001  17\n" +
			"cust-002  1000\n" +
			"cust-010  3\n"
		if !strings.HasSuffix(out, want) || !strings.Contains(out, "seq 3  rows 3  checksum "+tb.Stats().Checksum+" (1 verified)") {
			t.Fatalf("%s: output\n%s\nwant the status line and\n%s", url, out, want)
		}
	}
}

// tail --json prints every message as received, and tail ends by itself
// when the table closes.
func TestTailJSON(t *testing.T) {
	tb := servedTable(t, "t")
	done := make(chan string)
	go func() {
		code, out, errs := runMain("tail", "--json", "ws://"+tb.HTTPAddr()+"/tables/t")
		done <- fmt.Sprint(code, errs, "\n", out)
	}()
	// The delete goes in once tail has its snapshot (at seq 3) and is
	// live, however slow the machine.
	live := func() bool { st := tb.Stats(); return len(st.Subs) == 1 && st.Subs[0].Live }
	for deadline := time.Now().Add(10 * time.Second); !live(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("tail was not live within 10s")
		}
	}
	if err := tb.Apply([]serve.Change{{Key: []byte(`["cust-002"]`)}}, 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	tb.Stop(time.Second)
	var got string
	select {
	case got = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("tail did not end when the table closed")
	}
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if lines[0] != "0" || !strings.HasPrefix(lines[1], `{"type":"snapshot","seq":3,"rows":[`) ||
		lines[2] != `{"type":"snapshot_end","seq":3,"checksum":"`+lastChecksum(t, lines[1:])+`","session":"`+tb.Session()+`"}` {
		t.Fatalf("output:\n%s", got)
	}
	if !strings.Contains(got, `{"type":"frame","from":4,"seq":4,"checksum":"`) ||
		!strings.Contains(got, `,"deltas":[{"seq":4,"op":"delete","key":["cust-002"]}]}`) ||
		!strings.HasPrefix(lines[len(lines)-1], `{"type":"progress","seq":4,`) {
		t.Fatalf("output:\n%s\nwant a frame of the delete delta and a final progress message", got)
	}
}

func lastChecksum(t *testing.T, lines []string) string {
	for _, l := range lines {
		if i := strings.Index(l, `"checksum":"`); i >= 0 {
			return l[i+12 : i+28]
		}
	}
	t.Fatal("no checksum")
	return ""
}

// tail of a table that does not exist fails with the server's reason.
func TestTailUnknownTable(t *testing.T) {
	tb := servedTable(t, "per_customer")
	code, _, errs := runMain("tail", "ws://"+tb.HTTPAddr()+"/tables/per_custmer")
	if code != 1 || !strings.Contains(errs, `unknown table "per_custmer" (did you mean "per_customer"?)`) {
		t.Fatalf("exit %d: %s", code, errs)
	}
}
