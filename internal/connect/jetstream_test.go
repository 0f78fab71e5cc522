package connect

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/natsembed"
)

// testNATS starts a NATS server of the test's own, in a directory of its
// own, and returns the NATS side using it and a client of it.
func testNATS(t *testing.T) (*NATS, jetstream.JetStream) {
	t.Helper()
	srv, err := natsembed.Start(natsembed.Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	nc, err := nats.Connect(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	n := NewNATS(NATSConfig{URL: srv.URL()})
	t.Cleanup(n.Close)
	return n, js
}

// jsSourceOpts are a jetstream source's options over stream S, subject s.
func jsSourceOpts(extra map[string]any) map[string]any {
	o := map[string]any{"stream": "S", "subject": "s", "partitions": int64(4),
		"schema": map[string]string{"k": "string", "n": "int"}, "stop_at_end": true}
	for k, v := range extra {
		o[k] = v
	}
	return o
}

// openSource builds and opens a jetstream source; woken receives its
// Wake calls.
func openSource(t *testing.T, n *NATS, opts map[string]any, restore []byte, rej *rejects) (*jsSource, *component.Instance, chan struct{}) {
	t.Helper()
	return openSourceWith(t, n, opts, restore, rej, nil)
}

// openSourceWith is openSource with a change to the source before Open.
func openSourceWith(t *testing.T, n *NATS, opts map[string]any, restore []byte, rej *rejects, before func(*jsSource)) (*jsSource, *component.Instance, chan struct{}) {
	t.Helper()
	ctx, _ := newCtx(t, "events", opts)
	ctx.Now = time.Now
	woken := make(chan struct{}, 1)
	ctx.Wake = func() {
		select {
		case woken <- struct{}{}:
		default:
		}
	}
	if rej != nil {
		ctx.Reject = rej.add
	}
	inst := mustNew(t, jetstreamSourceSpec(n), ctx)
	s := inst.Source.(*jsSource)
	if restore != nil {
		if err := s.Restore(restore); err != nil {
			t.Fatal(err)
		}
	}
	if before != nil {
		before(s)
	}
	octx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Open(octx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, inst, woken
}

// readN reads up to want events (limit per Read), waiting for wakes while
// the source has nothing, and stops early when the source is done.
func readN(t *testing.T, s *jsSource, woken chan struct{}, limit, want int) (main, side []event.Event, done bool) {
	t.Helper()
	var out component.Output
	deadline := time.After(10 * time.Second)
	for len(main)+len(side) < want {
		out.Reset()
		res, err := s.Read(&out, min(limit, want-len(main)-len(side)))
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		for _, e := range out.Events() {
			main = append(main, e.Clone())
		}
		if len(out.Sides()) > 0 {
			for _, e := range out.Side(0).Events() {
				side = append(side, e.Clone())
			}
		}
		if res.Done {
			return main, side, true
		}
		if res.Idle == component.PushReady {
			select {
			case <-woken:
			case <-deadline:
				t.Fatalf("read %d of %d events; nothing more arrived", len(main)+len(side), want)
			}
		}
	}
	return main, side, false
}

// createStream creates stream S on subject s with partitions partitions,
// as the source would.
func createStream(t *testing.T, js jetstream.JetStream, partitions int) {
	t.Helper()
	ref := streamRef{name: "S", subject: "s", partitions: partitions, replicas: 1, dedup: time.Minute}
	if _, err := ref.ensure(context.Background(), js); err != nil {
		t.Fatal(err)
	}
}

// publishLines publishes one message per key with the given lines.
func publishLines(t *testing.T, js jetstream.JetStream, key string, lines ...string) {
	t.Helper()
	if _, err := js.Publish(context.Background(), "s."+key, []byte(strings.Join(lines, "\n"))); err != nil {
		t.Fatal(err)
	}
}

func ns(t *testing.T, inst *component.Instance, evs []event.Event) []int64 {
	t.Helper()
	var out []int64
	for i := range evs {
		out = append(out, field(t, inst.Schema, &evs[i], "n").Int())
	}
	return out
}

// TestJetStreamSourceReadsEveryPartitionOrOne: the source creates the
// stream partitioned, reads every partition, or only its own, and decodes
// JSON lines into the schema.
func TestJetStreamSourceReadsEveryPartitionOrOne(t *testing.T) {
	n, js := testNATS(t)
	createStream(t, js, 4)
	want := map[int][]int64{}
	for i := range 40 {
		key := fmt.Sprintf("k%d", i%10)
		publishLines(t, js, key, fmt.Sprintf(`{"k":%q,"n":%d}`, key, 2*i), fmt.Sprintf(`{"k":%q,"n":%d}`, key, 2*i+1))
		p := partitionOf([]byte(key), 4)
		want[p] = append(want[p], int64(2*i), int64(2*i+1))
	}
	s, inst, woken := openSource(t, n, jsSourceOpts(nil), nil, nil)
	main, _, done := readN(t, s, woken, 7, 1000)
	if !done || len(main) != 80 {
		t.Fatalf("read %d events (done %v), want 80", len(main), done)
	}
	got := ns(t, inst, main)
	for i, v := range got {
		if v != int64(i) {
			t.Fatalf("event %d has n %d: not in publishing order: %v", i, v, got)
		}
	}
	s2, inst2, woken2 := openSource(t, n, jsSourceOpts(map[string]any{"partition": int64(2), "consumer": "p2"}), nil, nil)
	main2, _, done := readN(t, s2, woken2, 100, 1000)
	if !done || !slices.Equal(ns(t, inst2, main2), want[2]) {
		t.Fatalf("partition 2: read %v, want %v", ns(t, inst2, main2), want[2])
	}
	info, err := js.Stream(context.Background(), "S")
	if err != nil {
		t.Fatal(err)
	}
	if d := info.CachedInfo().Config.SubjectTransform.Destination; d != "s.{{partition(4,1)}}.{{wildcard(1)}}" {
		t.Fatalf("stream maps to %q", d)
	}
}

// TestJetStreamSourceResumesInsideAMessage: a snapshot taken half way
// through a message resumes at the next line; together the two runs read
// every line once.
func TestJetStreamSourceResumesInsideAMessage(t *testing.T) {
	n, js := testNATS(t)
	opts := jsSourceOpts(map[string]any{"partitions": int64(1)})
	createStream(t, js, 1)
	for i := range 10 {
		publishLines(t, js, "a", fmt.Sprintf(`{"n":%d}`, 3*i), fmt.Sprintf(`{"n":%d}`, 3*i+1), fmt.Sprintf(`{"n":%d}`, 3*i+2))
	}
	s, inst, woken := openSource(t, n, opts, nil, nil)
	first, _, _ := readN(t, s, woken, 4, 14) // message 5 read up to its second line
	snap, err := s.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	more, _, _ := readN(t, s, woken, 4, 5) // read after the snapshot: lost in a crash
	s.Close()
	if len(more) != 5 {
		t.Fatalf("read %d after the snapshot", len(more))
	}
	s2, inst2, woken2 := openSource(t, n, opts, snap, nil)
	rest, _, done := readN(t, s2, woken2, 4, 100)
	if !done {
		t.Fatal("not done")
	}
	got := append(ns(t, inst, first), ns(t, inst2, rest)...)
	for i, v := range got {
		if v != int64(i) {
			t.Fatalf("after the restore: %v", got)
		}
	}
	if len(got) != 30 {
		t.Fatalf("%d events in all, want 30: %v", len(got), got)
	}
}

// TestJetStreamSourceAcknowledgesOnCommit: the consumer's acknowledged
// position moves to a checkpoint's position only once it commits.
func TestJetStreamSourceAcknowledgesOnCommit(t *testing.T) {
	n, js := testNATS(t)
	opts := jsSourceOpts(map[string]any{"partitions": int64(1), "stop_at_end": false})
	s, _, woken := openSource(t, n, opts, nil, nil)
	for i := range 6 {
		publishLines(t, js, "a", fmt.Sprintf(`{"n":%d}`, i))
	}
	readN(t, s, woken, 100, 4)
	s.Checkpointing(7)
	if _, err := s.Snapshot(nil); err != nil {
		t.Fatal(err)
	}
	readN(t, s, woken, 100, 2)
	s.Checkpointing(8)
	floor := func() uint64 {
		c, err := js.Consumer(context.Background(), "S", "acme-events")
		if err != nil {
			t.Fatal(err)
		}
		info, err := c.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return info.AckFloor.Stream
	}
	time.Sleep(50 * time.Millisecond)
	if f := floor(); f != 0 {
		t.Fatalf("acknowledged up to %d before any commit", f)
	}
	s.Committed(7)
	waitFor(t, func() bool { return floor() == 4 }, "the ack floor to reach 4 (checkpoint 7)")
	s.Committed(8)
	waitFor(t, func() bool { return floor() == 6 }, "the ack floor to reach 6 (checkpoint 8)")
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestJetStreamSourceBadLines: on_error reject reports the stream, message
// and line; dead_letter sends them to the side output.
func TestJetStreamSourceBadLines(t *testing.T) {
	n, js := testNATS(t)
	createStream(t, js, 4)
	publishLines(t, js, "a", `{"k":"a","n":1}`, `{"k":"a","n":"two"}`, `not json`)
	publishLines(t, js, "a", `{"k":"a","n":3}`)
	var rej rejects
	s, inst, woken := openSource(t, n, jsSourceOpts(nil), nil, &rej)
	main, _, _ := readN(t, s, woken, 100, 1000)
	if got := ns(t, inst, main); !slices.Equal(got, []int64{1, 3}) {
		t.Fatalf("good events %v", got)
	}
	if len(rej.msgs) != 2 || !strings.HasPrefix(rej.msgs[0], `stream "S" message 1 line 2: field "n": expected int`) ||
		!strings.HasPrefix(rej.msgs[1], `stream "S" message 1 line 3: invalid JSON`) {
		t.Fatalf("rejects: %q", rej.msgs)
	}
	s2, inst2, woken2 := openSource(t, n, jsSourceOpts(map[string]any{"on_error": "dead_letter", "consumer": "dl"}), nil, nil)
	main2, side, _ := readN(t, s2, woken2, 100, 1000)
	if len(main2) != 2 || len(side) != 2 {
		t.Fatalf("%d events and %d dead letters", len(main2), len(side))
	}
	dl := inst2.SideSchemas[0]
	if got := field(t, dl, &side[1], "raw").S; got != "not json" {
		t.Fatalf("dead letter raw %q", got)
	}
	if got := field(t, dl, &side[0], "line").Int(); got != 2 {
		t.Fatalf("dead letter line %d", got)
	}
}

// TestJetStreamSourceRefusesAPartitionCountChange: an existing stream's
// partitions win over a different `partitions`, with an error saying so.
func TestJetStreamSourceRefusesAPartitionCountChange(t *testing.T) {
	n, _ := testNATS(t)
	openSource(t, n, jsSourceOpts(nil), nil, nil)
	ctx, _ := newCtx(t, "events", jsSourceOpts(map[string]any{"partitions": int64(8), "consumer": "other"}))
	inst := mustNew(t, jetstreamSourceSpec(n), ctx)
	err := inst.Source.(*jsSource).Open(context.Background())
	if err == nil || !strings.Contains(err.Error(), `stream "S" has 4 partitions, not 8`) {
		t.Fatalf("Open = %v", err)
	}
}

// sinkHarness drives a jetstream sink as the engine does: Process, Tick,
// acknowledgements counted.
type sinkHarness struct {
	t      *testing.T
	s      *jsSink
	schema *event.Schema
	acked  atomic.Int64
	mu     sync.Mutex
	err    error
}

func openSink(t *testing.T, n *NATS, extra map[string]any, restore []byte) *sinkHarness {
	t.Helper()
	opts := map[string]any{"stream": "OUT", "subject": "out", "partitions": int64(2), "key": []string{"k"}}
	for k, v := range extra {
		opts[k] = v
	}
	ctx, _ := newCtx(t, "publish", opts)
	in, err := ctx.Registry.Register(event.MustSchema("acme", "rows", event.Field{Name: "k", Kind: event.String}, event.Field{Name: "n", Kind: event.Int}))
	if err != nil {
		t.Fatal(err)
	}
	ctx.Inputs = []*event.Schema{in}
	h := &sinkHarness{t: t, schema: in}
	ctx.Ack = func(n int, err error) {
		h.acked.Add(int64(n))
		if err != nil {
			h.mu.Lock()
			h.err = err
			h.mu.Unlock()
		}
	}
	inst := mustNew(t, jetstreamSinkSpec(n), ctx)
	h.s = inst.Operator.(*jsSink)
	if restore != nil {
		if err := h.s.Restore(restore); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.s.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h
}

// process hands rows [from, to) over, each of key k<i%5>, in batches of
// batch events, ticking after each batch.
func (h *sinkHarness) process(from, to, batch int) {
	for i := from; i < to; i += batch {
		var evs []event.Event
		for j := i; j < min(i+batch, to); j++ {
			evs = append(evs, event.Event{Schema: h.schema.ID, Fields: []event.Value{event.StringValue(fmt.Sprintf("k%d", j%5)), event.IntValue(int64(j))}})
		}
		if err := h.s.Process(0, evs, nil); err != nil {
			h.t.Fatal(err)
		}
		if err := h.s.Tick(time.Now().Add(time.Hour), nil); err != nil {
			h.t.Fatal(err)
		}
	}
}

func (h *sinkHarness) waitAcked(n int64) {
	h.t.Helper()
	waitFor(h.t, func() bool { return h.acked.Load() >= n }, fmt.Sprintf("%d acknowledgements (have %d)", n, h.acked.Load()))
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err != nil {
		h.t.Fatal(h.err)
	}
}

// streamRows reads every line of stream OUT and returns each row's n,
// and the stored subjects.
func streamRows(t *testing.T, js jetstream.JetStream) (rows []int64, subjects map[string]bool) {
	t.Helper()
	ctx := context.Background()
	st, err := js.Stream(ctx, "OUT")
	if err != nil {
		t.Fatal(err)
	}
	last := st.CachedInfo().State.LastSeq
	subjects = map[string]bool{}
	for seq := uint64(1); seq <= last; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		subjects[m.Subject] = true
		for _, line := range strings.Split(strings.TrimSpace(string(m.Data)), "\n") {
			var r struct{ N int64 }
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("message %d: %v", seq, err)
			}
			rows = append(rows, r.N)
		}
	}
	return rows, subjects
}

func checkOnce(t *testing.T, rows []int64, n int) {
	t.Helper()
	seen := map[int64]int{}
	for _, r := range rows {
		seen[r]++
	}
	for i := range int64(n) {
		if seen[i] != 1 {
			t.Errorf("row %d stored %d times", i, seen[i])
		}
	}
	if len(rows) != n {
		t.Errorf("%d rows stored, want %d", len(rows), n)
	}
}

// TestJetStreamSinkPublishesByPartition: messages go out on the key's
// subject, are stored in the key's partition, carry several events, and
// each event is acknowledged.
func TestJetStreamSinkPublishesByPartition(t *testing.T) {
	n, js := testNATS(t)
	h := openSink(t, n, map[string]any{"batch": int64(7)}, nil)
	h.process(0, 100, 10)
	h.s.Flush(nil)
	h.waitAcked(100)
	h.s.Close()
	rows, subjects := streamRows(t, js)
	checkOnce(t, rows, 100)
	for subj := range subjects {
		f := strings.Split(subj, ".")
		if len(f) != 3 || f[1] != fmt.Sprint(partitionOf([]byte(f[2]), 2)) {
			t.Errorf("stored subject %q: not out.<partition of key>.<key>", subj)
		}
	}
	st, _ := js.Stream(context.Background(), "OUT")
	if msgs := st.CachedInfo().State.Msgs; msgs >= 100 || msgs < 100/7 {
		t.Errorf("%d messages for 100 events in batches of at most 7", msgs)
	}
}

// TestJetStreamSinkReplayAfterACrashIsStoredOnce: a sink restored from a
// checkpoint replays what followed it, cut into other messages than before
// the crash; none of it is stored twice, and what had not gone out is.
func TestJetStreamSinkReplayAfterACrashIsStoredOnce(t *testing.T) {
	n, js := testNATS(t)
	h := openSink(t, n, nil, nil)
	h.process(0, 50, 10)
	h.s.Flush(nil)
	h.waitAcked(50)
	snap, err := h.s.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	h.process(50, 80, 3) // published, then the process dies
	h.s.Flush(nil)
	h.waitAcked(80)
	h.s.Close()

	h2 := openSink(t, n, nil, snap)
	h2.process(50, 120, 16) // the replay, cut otherwise, and new rows
	h2.s.Flush(nil)
	h2.waitAcked(70)
	h2.s.Close()
	rows, _ := streamRows(t, js)
	checkOnce(t, rows, 120)
}

// TestJetStreamSinkDivergentReplayIsPublishedAgain: when the replay is not
// what was published (the pipeline is not deterministic), the sink
// publishes it rather than lose it, and says so.
func TestJetStreamSinkDivergentReplayIsPublishedAgain(t *testing.T) {
	n, js := testNATS(t)
	var log strings.Builder
	n.cfg.Log = &syncWriter{w: &log}
	h := openSink(t, n, map[string]any{"partitions": int64(1)}, nil)
	h.process(0, 10, 10)
	h.s.Flush(nil)
	h.waitAcked(10)
	snap, _ := h.s.Snapshot(nil)
	h.process(10, 20, 10)
	h.s.Flush(nil)
	h.waitAcked(20)
	h.s.Close()

	h2 := openSink(t, n, map[string]any{"partitions": int64(1)}, snap)
	h2.process(100, 110, 10) // other rows where 10..19 were
	h2.s.Flush(nil)
	h2.waitAcked(10)
	h2.s.Close()
	rows, _ := streamRows(t, js)
	if len(rows) != 30 || !slices.Contains(rows, 105) || !slices.Contains(rows, 15) {
		t.Fatalf("stored %v", rows)
	}
	if !strings.Contains(log.String(), "publishing it again, at least once") {
		t.Fatalf("no warning: %q", log.String())
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
