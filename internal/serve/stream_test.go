package serve_test

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/serve"
	"github.com/greenwave/greenwave/internal/serve/client"
)

// Every transport sends a snapshot, then deltas in sequence, and a
// replica built from them matches the table's checksum.
func TestTransportsSnapshotThenDeltas(t *testing.T) {
	tb := newTable(t, testConfig("t"))
	put(t, tb, 1, 10, 2, 20)
	for i, url := range []string{wsURL(tb), sseURL(tb), tcpURL(tb)} {
		t.Run(url[:3], func(t *testing.T) {
			s, r := synced(t, url)
			if len(r.Rows) != 2 {
				t.Fatalf("snapshot has %d rows, want 2", len(r.Rows))
			}
			seq := tb.Seq()
			put(t, tb, 3, 30+i, 1, 100+i)
			del(t, tb, 1)
			for r.Seq < seq+3 {
				apply(t, r, collect(t, s, 1)[0])
			}
			st := tb.Stats()
			if got := serve.FormatChecksum(r.Sum); got != st.Checksum {
				t.Fatalf("replica checksum %s, table %s", got, st.Checksum)
			}
			if _, ok := r.Rows["[1]"]; ok || len(r.Rows) != 2 || string(r.Rows["[3]"]) != `{"k":3,"v":3`+itoa(i)+`}` {
				t.Fatalf("rows after delete: %v", keys(r))
			}
		})
	}
}

func apply(t *testing.T, r *client.Replica, m *client.Message) {
	t.Helper()
	if err := r.Apply(m); err != nil {
		t.Fatal(err)
	}
}

func keys(r *client.Replica) []string {
	var k []string
	for key := range r.Rows {
		k = append(k, key)
	}
	return k
}

var _ = time.Second

// Over Server-Sent Events a frame carries `id: <its last seq>/<session>`,
// so a browser's EventSource that reconnects resumes after it
// (Last-Event-ID) within the table's session.
func TestSSEFrameID(t *testing.T) {
	tb := newTable(t, testConfig("sse"))
	put(t, tb, 1, 10)
	resp, err := http.Get(sseURL(tb) + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rd := bufio.NewReader(resp.Body)
	lastID := ""
	sent := false
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasPrefix(line, "id: "):
			lastID = strings.TrimSpace(line[4:])
		case strings.HasPrefix(line, `data: {"type":"snapshot_end"`) && !sent:
			put(t, tb, 2, 20, 1, 11) // seq 2 and 3: one frame 2..3
			sent = true
		case strings.HasPrefix(line, `data: {"type":"frame"`):
			if want := "3/" + tb.Session(); !strings.Contains(line, `"from":2,"seq":3,`) || lastID != want {
				t.Fatalf("frame %s after id %q, want a frame 2..3 with id %q", line, lastID, want)
			}
			return
		}
	}
	t.Fatal("no frame within 10s")
}

// A batch of deltas goes to a WebSocket subscriber in a few socket
// writes, not one or two per message, and the table counts them (Stats
// and its serve_socket_writes_total figure).
func TestWebSocketBatchCounted(t *testing.T) {
	for _, writers := range []int{1, 0} {
		t.Run("writers="+itoa(writers), func(t *testing.T) {
			cfg := testConfig("count")
			cfg.Frames, cfg.Writers = false, writers
			cfg.Progress = time.Minute
			tb := newTable(t, cfg)
			put(t, tb, 0, 0)
			s, r := synced(t, wsURL(tb))
			// Its snapshot's two messages, once the writer counted them.
			st0 := sentSince(t, tb, serve.Stats{}, 2)
			const n = 500
			var kv []int
			for i := range n {
				kv = append(kv, i%50, i+1)
			}
			put(t, tb, kv...)
			for _, m := range collect(t, s, n) {
				apply(t, r, m)
			}
			if r.Seq != tb.Seq() {
				t.Fatalf("replica at %d, table at %d", r.Seq, tb.Seq())
			}
			st := sentSince(t, tb, st0, n)
			msgs, writes := st.Messages-st0.Messages, st.SocketWrites-st0.SocketWrites
			if msgs != n || writes == 0 || writes*10 > msgs {
				t.Fatalf("%d messages in %d socket writes; want %d in at most a tenth as many", msgs, writes, n)
			}
			var fig float64 = -1
			for _, f := range st.AppendFigures(nil) {
				if f.Name == "serve_socket_writes_total" {
					fig = f.Value
				}
			}
			if fig != float64(st.SocketWrites) {
				t.Fatalf("serve_socket_writes_total is %v, Stats.SocketWrites %d", fig, st.SocketWrites)
			}
		})
	}
}

// With one message per delta, a writer's passes are paced by
// frame_interval too: the first change after a quiet spell goes out at
// once, and the changes of many commits within the interval reach a
// subscriber together, in one batch (one socket write), in order.
func TestDeltaPassesPaced(t *testing.T) {
	cfg := testConfig("paced")
	cfg.Frames, cfg.Writers = false, 1
	cfg.FrameInterval = 300 * time.Millisecond
	cfg.Progress = time.Minute
	tb := newTable(t, cfg)
	put(t, tb, 0, 0)
	s, r := synced(t, wsURL(tb))
	time.Sleep(2 * cfg.FrameInterval)         // a quiet spell
	st0 := sentSince(t, tb, serve.Stats{}, 2) // its snapshot's two messages, counted
	t0 := time.Now()
	const n = 20
	put(t, tb, 0, 1)
	first := collect(t, s, 1)[0]
	if first.Seq != st0.Seq+1 {
		t.Fatalf("first message %+v, want delta %d", first, st0.Seq+1)
	}
	if el := time.Since(t0); el > cfg.FrameInterval*2/3 {
		t.Fatalf("the first change after a quiet spell took %v", el)
	}
	apply(t, r, first)
	for i := 1; i < n; i++ {
		put(t, tb, i%5, i+1)
		time.Sleep(2 * time.Millisecond) // unpaced, every commit would be a pass
	}
	for _, m := range collect(t, s, n-1) {
		apply(t, r, m)
	}
	if r.Seq != tb.Seq() || serve.FormatChecksum(r.Sum) != tb.Stats().Checksum {
		t.Fatalf("replica at %d, table at %d", r.Seq, tb.Seq())
	}
	st := sentSince(t, tb, st0, n)
	msgs, writes := st.Messages-st0.Messages, st.SocketWrites-st0.SocketWrites
	if msgs != n || writes > 3 {
		t.Fatalf("%d changes in %d commits went out as %d messages in %d socket writes; want %d in at most 3", n, n, msgs, writes, n)
	}
}

// sentSince returns the table's figures once they count n messages sent
// since st0 (or after 5 s): a writer counts a batch once its write
// returned, which may be after the subscriber read it.
func sentSince(t *testing.T, tb *serve.Table, st0 serve.Stats, n uint64) serve.Stats {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := tb.Stats()
		if st.Messages-st0.Messages >= n || time.Now().After(deadline) {
			return st
		}
		time.Sleep(time.Millisecond)
	}
}

// With writers, a WebSocket or TCP subscriber that keeps up gets its
// deltas and frames written by the writer itself (counted as direct
// writes; every socket write of theirs is one), not by its goroutine; an
// SSE subscriber's go through its goroutine (none direct). Every change
// arrives, in order.
func TestWritersWriteDirectly(t *testing.T) {
	for _, batch := range []bool{false, true} {
		for _, frames := range []bool{false, true} {
			for _, tr := range []struct {
				name   string
				url    func(*serve.Table) string
				direct bool
			}{{"websocket", wsURL, true}, {"tcp", tcpURL, true}, {"sse", sseURL, false}} {
				t.Run(fmt.Sprintf("%s/frames=%v/batch_sends=%v", tr.name, frames, batch), func(t *testing.T) {
					cfg := testConfig("direct")
					cfg.Frames, cfg.Writers, cfg.BatchSends = frames, 1, batch
					cfg.FrameInterval = 0
					cfg.Progress = time.Minute
					tb := newTable(t, cfg)
					const n = 30
					st0, st := changesOnePerPass(t, tb, tr.url(tb), n)
					msgs, writes := st.Messages-st0.Messages, st.SocketWrites-st0.SocketWrites
					direct, handoffs := st.DirectWrites-st0.DirectWrites, st.Handoffs-st0.Handoffs
					if msgs != n {
						t.Fatalf("%d messages for %d changes", msgs, n)
					}
					switch {
					case !tr.direct && direct != 0:
						t.Fatalf("%d direct writes to an SSE subscriber", direct)
					case tr.direct && (direct != n || handoffs != 0 || writes != direct):
						t.Fatalf("%d changes, one per pass: %d direct writes (%d handed off), %d socket writes; want %d direct, none handed off, no other write", n, direct, handoffs, writes, n)
					}
					// Batched, each pass's one write is a batch's send.
					calls := st.SendBatches - st0.SendBatches
					if batch && tr.direct {
						if st.BatchError != "" {
							serve.NeedRing(t, errors.New(st.BatchError))
						}
						if calls != direct {
							t.Fatalf("%d direct writes, one per pass, in %d batches; want one each", direct, calls)
						}
					} else if calls != 0 {
						t.Fatalf("%d batches with batch_sends %v over %s", calls, batch, tr.name)
					}
				})
			}
		}
	}
}

// Where io_uring is not to be had, a writer with batch_sends writes to
// each socket directly, one system call each, and the table's figures
// say why.
func TestBatchSendsFallBack(t *testing.T) {
	serve.FailRingSetup(t, errors.New("io_uring_setup(256): operation not permitted"))
	cfg := testConfig("fallback")
	cfg.Writers, cfg.BatchSends, cfg.FrameInterval, cfg.Progress = 1, true, 0, time.Minute
	tb := newTable(t, cfg)
	const n = 10
	st0, st := changesOnePerPass(t, tb, wsURL(tb), n)
	if direct, batches := st.DirectWrites-st0.DirectWrites, st.SendBatches-st0.SendBatches; direct != n || batches != 0 {
		t.Fatalf("%d changes, one per pass: %d direct writes in %d batches; want %d, none batched", n, direct, batches, n)
	}
	if !strings.Contains(st.BatchError, "operation not permitted") {
		t.Fatalf("BatchError %q, want why there is no io_uring", st.BatchError)
	}
}

// changesOnePerPass subscribes at url, makes n changes to tb, each on its
// own so that each is a writer pass (and with frames a frame of its own),
// checks that the subscriber's replica ends equal to the table, and
// returns the table's figures from after the subscriber synced and at
// the end.
func changesOnePerPass(t *testing.T, tb *serve.Table, url string, n int) (serve.Stats, serve.Stats) {
	t.Helper()
	put(t, tb, 0, 0)
	s, r := synced(t, url)
	st0 := sentSince(t, tb, serve.Stats{}, 2)
	for i := range n {
		put(t, tb, i%7, i+1)
		want := st0.Messages + uint64(i) + 1
		waitFor(t, "the change to be written", func() bool { return tb.Stats().Messages >= want })
	}
	for _, m := range collect(t, s, n) {
		apply(t, r, m)
	}
	st := tb.Stats()
	if r.Seq != st.Seq || serve.FormatChecksum(r.Sum) != st.Checksum {
		t.Fatalf("replica at %d (%s), table at %d (%s)", r.Seq, serve.FormatChecksum(r.Sum), st.Seq, st.Checksum)
	}
	return st0, st
}
