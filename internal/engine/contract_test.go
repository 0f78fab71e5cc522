package engine_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/spec"
)

// TestStalledSinkDoesNotFreezeOtherTenants: tenant A's sink blocks in its
// write forever; tenant B, sharing the workers, still runs to the end with
// complete output, whatever the number of workers.
func TestStalledSinkDoesNotFreezeOtherTenants(t *testing.T) {
	cat := testCatalog(t)
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("workers-%d", workers), func(t *testing.T) {
			id := t.Name()
			st := newStall()
			defer register(id, st)()
			e := newEngine(t, workers, "spin_then_park")
			a := parse(t, cat, "stalled", fmt.Sprintf(`tenant: stalled
sources:
  flood: {type: generate, profile: sequence, rate: 0}
sinks:
  out: {type: stall, inputs: [flood], id: %q, buffer: {capacity: 64}}
`, id))
			ta := start(t, e, a)
			<-st.entered // A's sink is now blocked in its write
			b := countsToTheEnd(t, e, cat, 300000)
			if got := len(readLines(t, filepath.Join(b.Dir, "counts.jsonl"))); got != 37 {
				t.Fatalf("tenant B wrote %d keys, want 37", got)
			}
			notDone(t, ta, "tenant A finished although its sink is stalled")
			// The stalled edge is full and A's source waits on it: backpressure,
			// not loss.
			sa := ta.Stats()
			if sa.Dropped != 0 {
				t.Fatalf("tenant A dropped %d events under block", sa.Dropped)
			}
			// The stall shows while it lasts: the edge's blocked time, the
			// source's back-pressured time and the sink's busy time (stuck
			// in its write) all grow, before anything unblocks.
			time.Sleep(30 * time.Millisecond)
			later := ta.Stats()
			if d := time.Duration(later.Links[0].BlockedNanos - sa.Links[0].BlockedNanos); d < 20*time.Millisecond {
				t.Errorf("the stalled edge's blocked time grew by %v in 30ms", d)
			}
			for i, a := range later.Actors {
				grew := a.Busy - sa.Actors[i].Busy
				if a.Name == "flood" {
					grew = a.BackPressured - sa.Actors[i].BackPressured
				}
				if grew < 20*time.Millisecond {
					t.Errorf("actor %s: its stalled time grew by %v in 30ms", a.Name, grew)
				}
			}
			close(st.release)
			ta.Stop()
			waitDone(t, ta, 10*time.Second)
			if sa := ta.Stats(); uint64(st.got.Load()) != sa.In {
				t.Fatalf("tenant A: source made %d, sink got %d", sa.In, st.got.Load())
			}
		})
	}
}

// TestFileSinkIntoStalledPipe: a real file sink writing into a FIFO whose
// reader never reads blocks in write(2) once the pipe is full; the other
// tenant is unaffected.
func TestFileSinkIntoStalledPipe(t *testing.T) {
	cat := testCatalog(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// A reader that never reads: the writer's open succeeds, its writes
	// block once the pipe buffer is full.
	rd, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, 1, "spin_then_park")
	a := parse(t, cat, "piped", fmt.Sprintf(`tenant: piped
sources:
  flood: {type: generate, profile: sequence, rate: 0}
sinks:
  out: {type: file, inputs: [flood], path: %q, flush_every: 0s}
`, fifo))
	b := parse(t, cat, "counts", countPipeline(200000, 2, 256, "block"))
	ta := start(t, e, a)
	// Wait until the pipe is full and the sink's input edge has filled up
	// behind it.
	deadline := time.Now().Add(10 * time.Second)
	for !edgeFull(ta) {
		if time.Now().After(deadline) {
			t.Fatalf("the sink's edge did not fill: %+v", ta.Stats().Links)
		}
		time.Sleep(5 * time.Millisecond)
	}
	tb := start(t, e, b)
	waitDone(t, tb, 30*time.Second)
	if got := len(readLines(t, filepath.Join(b.Dir, "counts.jsonl"))); got != 37 {
		t.Fatalf("tenant B wrote %d keys, want 37", got)
	}
	select {
	case <-ta.Done():
		t.Fatal("tenant A finished although nobody reads its pipe")
	default:
	}
	// Unblock the writer: closing the only reader makes its write fail,
	// which fails tenant A (and ends its goroutine).
	ta.Stop()
	rd.Close()
	waitDone(t, ta, 10*time.Second)
	if err := ta.Err(); err == nil || !strings.Contains(err.Error(), `operator "out"`) {
		t.Fatalf("tenant A: want a write error naming the sink, got %v", err)
	}
}

// TestPushSourceRunsOnlyWhenWoken: a push source gets turns when its
// pusher wakes it, not by polling; everything pushed arrives.
func TestPushSourceRunsOnlyWhenWoken(t *testing.T) {
	cat := testCatalog(t)
	id := t.Name()
	p := newPusher()
	defer register(id, p)()
	e := newEngine(t, 2, "park")
	tn := start(t, e, parse(t, cat, "pushed", fmt.Sprintf(`tenant: pushed
sources:
  in: {type: push, id: %q}
sinks:
  out: {type: blackhole, inputs: [in]}
`, id)))
	<-p.ready
	for i := range 20 {
		p.push(int64(2*i), int64(2*i+1))
		time.Sleep(2 * time.Millisecond)
	}
	deadline := time.Now().Add(5 * time.Second)
	for tn.Stats().Out < 40 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	turns := sourceTurns(tn)
	time.Sleep(100 * time.Millisecond) // idle: no turns
	if again := sourceTurns(tn); again != turns {
		t.Fatalf("the idle push source took %d turns in 100ms", again-turns)
	}
	if turns > 3*20+5 {
		t.Fatalf("%d turns for 20 pushes: the source is polled", turns)
	}
	p.end()
	waitDone(t, tn, 5*time.Second)
	s := tn.Stats()
	if s.In != 40 || s.Out != 40 {
		t.Fatalf("in %d out %d, want 40 and 40", s.In, s.Out)
	}
	// The source is a component.Figurer: its figures reach the stats.
	if fs := s.Figures; len(fs) != 1 || fs[0].Name != "in" || fs[0].Type != "push" || len(fs[0].Figures) != 1 ||
		fs[0].Figures[0].Name != "test_reads_total" || fs[0].Figures[0].Value < 20 || fs[0].Figures[0].Labels[0].Value != "push" {
		t.Fatalf("figures %+v, want the source's test_reads_total", fs)
	}
}

// TestStoppingPushSourceDrainsItsQueue: a push source that implements
// component.Stopper keeps its turns after the tenant is told to stop, so
// everything it queued before the stop reaches the sink.
func TestStoppingPushSourceDrainsItsQueue(t *testing.T) {
	cat := testCatalog(t)
	id := t.Name()
	p := newPusher()
	defer register(id, p)()
	e := newEngine(t, 1, "park")
	tn := start(t, e, parse(t, cat, "drained", fmt.Sprintf(`tenant: drained
sources:
  in: {type: push, id: %q}
sinks:
  out: {type: blackhole, inputs: [in]}
`, id)))
	<-p.ready
	vs := make([]int64, 5000)
	for i := range vs {
		vs[i] = int64(i)
	}
	p.push(vs...)
	tn.Stop()
	waitDone(t, tn, 5*time.Second)
	if s := tn.Stats(); s.In != 5000 || s.Out != 5000 {
		t.Fatalf("in %d out %d after stop, want 5000 and 5000", s.In, s.Out)
	}
}

func sourceTurns(tn *engine.Tenant) uint64 {
	for _, a := range tn.Stats().Actors {
		if strings.HasPrefix(a.Name, "in") {
			return a.Turns
		}
	}
	return 0
}

// TestAsyncSinkBoundsInFlight: the engine hands an async sink no more than
// its MaxInFlight (plus one batch), waits for every acknowledgement before
// Close, and finishes only then.
func TestAsyncSinkBoundsInFlight(t *testing.T) {
	cat := testCatalog(t)
	id := t.Name()
	ak := &acker{delay: 200 * time.Microsecond, max: 100}
	defer register(id, ak)()
	e, err := engine.New(engine.Config{Workers: 2, Wait: "park", Budget: 16, Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	tn := start(t, e, parse(t, cat, "acked", asyncPipeline("acked", "count: 20000", "async", id)))
	waitDone(t, tn, 30*time.Second)
	if err := tn.Err(); err != nil {
		t.Fatal(err)
	}
	ak.wg.Wait()
	if got := ak.acked.Load(); got != 20000 {
		t.Fatalf("acknowledged %d, want 20000", got)
	}
	if m := ak.maxInFlight.Load(); m > 100+16 {
		t.Fatalf("in flight reached %d, bound 100 plus one batch of 16", m)
	}
	if c, w := ak.closed.Load(), ak.closedWith.Load(); c != 1 || w != 0 {
		t.Fatalf("Close called %d times with %d in flight; want once with none", c, w)
	}
	for _, a := range tn.Stats().Actors {
		if a.Name == "out" && (a.Acked != 20000 || a.InFlight != 0) {
			t.Fatalf("sink figures: acked %d, in flight %d", a.Acked, a.InFlight)
		}
	}
	// The sink's own figures (component.Reporter) reach the tenant's stats.
	st := tn.Stats()
	if rs := st.Reports; len(rs) != 1 || rs[0].Name != "out" || rs[0].Value != ackReport(20000) {
		t.Fatalf("reports %+v, want the sink's own count of 20000", rs)
	}
	// Its report is a component.Figurer: its figures reach them too (the
	// generate source keeps its own).
	var sink []engine.ComponentFigures
	for _, f := range st.Figures {
		if f.Component == "out" {
			sink = append(sink, f)
		}
	}
	if fs := sink; len(fs) != 1 || fs[0].Name != "out" || fs[0].Type != "async" ||
		len(fs[0].Figures) != 1 || fs[0].Figures[0].Name != "test_acked_events_total" || fs[0].Figures[0].Value != 20000 {
		t.Fatalf("figures %+v, want the sink's test_acked_events_total of 20000", st.Figures)
	}
}

// TestAsyncSinkFusedBehindASourceBoundsInFlight: a Parallel async sink
// fused behind its source holds the source back at its bound too.
func TestAsyncSinkFusedBehindASourceBoundsInFlight(t *testing.T) {
	cat := testCatalog(t)
	id := t.Name()
	ak := &acker{delay: 200 * time.Microsecond, max: 100}
	defer register(id, ak)()
	e, err := engine.New(engine.Config{Workers: 2, Wait: "park", Budget: 16, Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	tn := start(t, e, parse(t, cat, "fused", asyncPipeline("fused", "count: 20000", "async_parallel", id)))
	if n := len(tn.Plan.Actors); n != 1 {
		t.Fatalf("%d actors; the sink should run fused behind the source", n)
	}
	waitDone(t, tn, 30*time.Second)
	if err := tn.Err(); err != nil {
		t.Fatal(err)
	}
	ak.wg.Wait()
	if got := ak.acked.Load(); got != 20000 {
		t.Fatalf("acknowledged %d, want 20000", got)
	}
	if m := ak.maxInFlight.Load(); m > 100+16 {
		t.Fatalf("in flight reached %d, bound 100 plus one batch of 16", m)
	}
}

// TestFusedAsyncSinkSnapshotsWithNothingInFlight: a source's barrier
// waits until the async sink fused behind it has every event acknowledged,
// so the sink's snapshot holds their effect.
func TestFusedAsyncSinkSnapshotsWithNothingInFlight(t *testing.T) {
	cat := testCatalog(t)
	id := t.Name()
	ak := &acker{delay: 2 * time.Millisecond, max: 1000}
	defer register(id, ak)()
	e, err := engine.New(engine.Config{Workers: 2, Wait: "park", Log: testLog{t}, StateDir: t.TempDir(), CheckpointInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	tn := start(t, e, parse(t, cat, "fused", asyncPipeline("fused", "count: 200000, rate: 400000", "async_parallel", id)))
	waitDone(t, tn, 30*time.Second)
	if err := tn.Err(); err != nil {
		t.Fatal(err)
	}
	ak.wg.Wait()
	if ak.snapshots.Load() < 3 {
		t.Fatalf("only %d snapshots", ak.snapshots.Load())
	}
	if n := ak.snapInFlight.Load(); n != 0 {
		t.Fatalf("a snapshot found %d events in flight", n)
	}
}

// TestAsyncSinkFinalErrorFailsTenant: an acknowledgement with an error
// fails the tenant, naming the sink and the error.
func TestAsyncSinkFinalErrorFailsTenant(t *testing.T) {
	cat := testCatalog(t)
	id := t.Name()
	ak := &acker{delay: time.Millisecond, max: 64, fail: errRefused}
	defer register(id, ak)()
	e := newEngine(t, 1, "park")
	tn := start(t, e, parse(t, cat, "refused", fmt.Sprintf(`tenant: refused
sources:
  gen: {type: generate, profile: sequence, count: 100000}
sinks:
  sent: {type: async, inputs: [gen], id: %q}
`, id)))
	waitDone(t, tn, 10*time.Second)
	ak.wg.Wait()
	err := tn.Err()
	if err == nil || !errors.Is(err, errRefused) || !strings.Contains(err.Error(), `sink "sent"`) {
		t.Fatalf("want a failure naming sink %q and wrapping %v, got %v", "sent", errRefused, err)
	}
}

// TestOpenFailureFailsOnlyThatTenant: a component that cannot open fails
// its tenant at start with the component's position; what was already
// opened is closed, and another tenant runs normally.
func TestOpenFailureFailsOnlyThatTenant(t *testing.T) {
	cat := testCatalog(t)
	good, bad := &lifecycle{}, &lifecycle{openErr: errors.New("port 8080 is in use")}
	defer register("good", good)()
	defer register("bad", bad)()
	e := newEngine(t, 2, "park")
	p := parse(t, cat, "broken", `tenant: broken
sources:
  gen: {type: generate, profile: sequence, count: 10}
sinks:
  first: {type: lifecycle, inputs: [gen], id: good}
  second: {type: lifecycle, inputs: [gen], id: bad}
`)
	pl, err := e.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Run(pl)
	if err == nil {
		t.Fatal("Run succeeded although an Open failed")
	}
	if want := `broken.yaml:6:3: sink "second": port 8080 is in use`; !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q lacks %q", err, want)
	}
	// Sinks open first, in reverse order: second failed before first opened,
	// so nothing was left open.
	if good.opens.Load() != good.closes.Load() {
		t.Fatalf("first sink: %d opens, %d closes", good.opens.Load(), good.closes.Load())
	}

	// A file sink whose directory is missing, with create_dirs: false.
	missing := parse(t, cat, "nodir", `tenant: nodir
sources:
  gen: {type: generate, profile: sequence, count: 10}
sinks:
  out: {type: file, inputs: [gen], path: no/such/dir/x.jsonl, create_dirs: false}
`)
	pl, err = e.Compile(missing)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Run(pl); err == nil || !strings.Contains(err.Error(), `nodir.yaml:5:3: sink "out": cannot open "no/such/dir/x.jsonl" for writing`) {
		t.Fatalf("want the open error at the sink, got %v", err)
	}

	// Another tenant is unaffected.
	ok := start(t, e, parse(t, cat, "counts", countPipeline(10000, 2, 64, "block")))
	waitDone(t, ok, 20*time.Second)
	if err := ok.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestCloseOnceAfterFlush: an operator's Close comes once, after its
// Flush, when the tenant finishes; and once when it fails.
func TestCloseOnceAfterFlush(t *testing.T) {
	cat := testCatalog(t)
	fine, failing := &lifecycle{}, &lifecycle{}
	defer register("fine", fine)()
	defer register("failing", failing)()
	e := newEngine(t, 2, "park")
	t1 := start(t, e, parse(t, cat, "fine", `tenant: fine
sources:
  gen: {type: generate, profile: sequence, count: 1000}
sinks:
  out: {type: lifecycle, inputs: [gen], id: fine}
`))
	t2 := start(t, e, parse(t, cat, "failing", `tenant: failing
sources:
  gen: {type: generate, profile: sequence, count: 100000}
transforms:
  boom: {type: explode, inputs: [gen], at: 50000, how: error}
sinks:
  out: {type: lifecycle, inputs: [boom], id: failing}
`))
	waitDone(t, t1, 10*time.Second)
	waitDone(t, t2, 10*time.Second)
	if o, f, c := fine.opens.Load(), fine.flushes.Load(), fine.closes.Load(); o != 1 || f != 1 || c != 1 {
		t.Fatalf("finished tenant: %d opens, %d flushes, %d closes; want 1 each", o, f, c)
	}
	if t2.Err() == nil {
		t.Fatal("tenant with a failing operator did not fail")
	}
	if o, c := failing.opens.Load(), failing.closes.Load(); o != 1 || c != 1 {
		t.Fatalf("failed tenant: %d opens, %d closes; want 1 each", o, c)
	}
}

// TestCloseWithoutStartClosesWhatRunOpened: a tenant Run on an engine
// that is closed without ever being started has its operators closed (a
// port its sink bound is free again).
func TestCloseWithoutStartClosesWhatRunOpened(t *testing.T) {
	cat := testCatalog(t)
	l := &lifecycle{}
	defer register("unstarted", l)()
	e, err := engine.New(engine.Config{Workers: 1, Wait: "park", Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := e.Compile(parse(t, cat, "unstarted", `tenant: unstarted
sources:
  gen: {type: generate, profile: sequence, count: 10}
sinks:
  out: {type: lifecycle, inputs: [gen], id: unstarted}
`))
	if err != nil {
		t.Fatal(err)
	}
	tn, err := e.Run(pl)
	if err != nil {
		t.Fatal(err)
	}
	if o, c := l.opens.Load(), l.closes.Load(); o != 1 || c != 0 {
		t.Fatalf("after Run: %d opens, %d closes; want 1 and 0", o, c)
	}
	e.Close()
	if c := l.closes.Load(); c != 1 {
		t.Fatalf("after Close of an engine never started: %d closes, want 1", c)
	}
	if tn.Err() == nil {
		t.Fatal("the tenant of a closed engine did not fail")
	}
}

func edgeFull(tn *engine.Tenant) bool {
	for _, l := range tn.Stats().Links {
		if l.Depth == l.Capacity {
			return true
		}
	}
	return false
}

// TestMemoryLimitFailsTheTenant: a count keyed on a unique field grows
// until the tenant's memory cap stops it, with an error at the limit's
// position naming the operator that holds the most; another tenant runs on.
func TestMemoryLimitFailsTheTenant(t *testing.T) {
	cat := testCatalog(t)
	e := newEngine(t, 2, "park")
	greedy := start(t, e, parse(t, cat, "greedy", `tenant: greedy
limits: {memory: 8MiB}
sources:
  gen: {type: generate, profile: sequence, keys: 100000000}
transforms:
  per_id: {type: count, inputs: [gen], key: [key], emit: flush, buffer: {capacity: 256}}
sinks:
  out: {type: blackhole, inputs: [per_id]}
`))
	other := start(t, e, parse(t, cat, "counts", countPipeline(100000, 2, 256, "block")))
	waitDone(t, greedy, 30*time.Second)
	err := greedy.Err()
	if err == nil {
		t.Fatal("the tenant over its memory limit did not fail")
	}
	for _, want := range []string{"greedy.yaml:2:18:", `tenant "greedy": memory limit 8.0MiB reached`, `operator "per_id"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("failure %q lacks %q", err, want)
		}
	}
	if m := greedy.Stats().Memory; m.StateKeys < 10000 || m.StateBytes < 4<<20 {
		t.Errorf("memory at failure: %+v", m)
	}
	waitDone(t, other, 30*time.Second)
	if err := other.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestTapSamplesAComponent: a tap receives the events a component emits
// (a fused filter in the middle of a chain, here), at most its rate, and
// detaching it stops it; a sink's tap sees what the sink receives.
func TestTapSamplesAComponent(t *testing.T) {
	cat := testCatalog(t)
	e := newEngine(t, 2, "park")
	tn := start(t, e, parse(t, cat, "tapped", `tenant: tapped
sources:
  gen: {type: generate, profile: sequence, rate: 2000}
transforms:
  odd: {type: filter, inputs: [gen], condition: 'value % 2 == 1'}
sinks:
  out: {type: blackhole, inputs: [odd]}
`))
	if _, err := tn.Tap("nosuch", 10, 10); err == nil || !strings.Contains(err.Error(), `no component "nosuch"`) {
		t.Fatalf("tap of an unknown component: %v", err)
	}
	tp, err := tn.Tap("odd", 50, 1000)
	if err != nil {
		t.Fatal(err)
	}
	sink, err := tn.Tap("out", 1000, 1000)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	tp.Close()
	sink.Close()
	var got []map[string]any
	for b := range tp.C {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("tap sent %q: %v", b, err)
		}
		if int64(m["value"].(float64))%2 != 1 {
			t.Fatalf("the filter's tap saw an event it drops: %s", b)
		}
		got = append(got, m)
	}
	// 50 a second over half a second, plus the bucket's first token.
	if len(got) < 10 || len(got) > 40 {
		t.Fatalf("the tap sampled %d events in 0.5 s at 50/s", len(got))
	}
	n := 0
	for range sink.C {
		n++
	}
	if n < 100 {
		t.Fatalf("the sink's tap saw %d events", n)
	}
	tn.Stop()
	waitDone(t, tn, 5*time.Second)
}

// TestReplaceDrainsTheOldVersion: replacing a running tenant drains the old
// version (every event it made reaches its sink), starts the new one as
// the next version, and leaves another tenant running untouched; Remove
// drops a tenant from the engine.
func TestReplaceDrainsTheOldVersion(t *testing.T) {
	cat := testCatalog(t)
	e := newEngine(t, 2, "park")
	yaml := `tenant: live
sources:
  gen: {type: generate, profile: sequence, rate: 5000}
transforms:
  slowly: {type: slow, inputs: [gen], sleep: 1ms, buffer: {capacity: 64}}
sinks:
  out: {type: blackhole, inputs: [slowly]}
`
	old := start(t, e, parse(t, cat, "live", yaml))
	other := start(t, e, parse(t, cat, "other", `tenant: other
sources:
  gen: {type: generate, profile: sequence, rate: 1000}
sinks:
  out: {type: blackhole, inputs: [gen]}
`))
	time.Sleep(200 * time.Millisecond)
	pl, err := e.Compile(parse(t, cat, "live", yaml))
	if err != nil {
		t.Fatal(err)
	}
	next, err := e.Replace(old, pl, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if s := old.Stats(); !s.Finished || s.In == 0 || s.Out != s.In {
		t.Fatalf("old version: finished %v, in %d, out %d", s.Finished, s.In, s.Out)
	}
	if next.Version() != 2 || old.Version() != 1 || e.Tenant("live") != next {
		t.Fatalf("versions %d -> %d; Tenant(live) is the new one: %v", old.Version(), next.Version(), e.Tenant("live") == next)
	}
	if other.State() != engine.StateRunning {
		t.Fatalf("the other tenant is %s", other.State())
	}
	time.Sleep(100 * time.Millisecond)
	if next.Stats().In == 0 {
		t.Fatal("the new version makes no events")
	}
	if err := e.Remove(next, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if e.Tenant("live") != nil || len(e.Tenants()) != 1 {
		t.Fatalf("after Remove: %d tenants", len(e.Tenants()))
	}
}

// TestCloseWaitsForIOComponents: a tenant's I/O components run on
// goroutines of their own; Close returns only once they are done (so that
// nothing of a closed engine writes any more, as a restart in the same
// process needs), and no later than CloseTimeout when one stays blocked.
func TestCloseWaitsForIOComponents(t *testing.T) {
	cat := testCatalog(t)
	for _, blocked := range []bool{false, true} {
		t.Run(fmt.Sprintf("blocked-%v", blocked), func(t *testing.T) {
			id := t.Name()
			st := newStall()
			defer register(id, st)()
			e, err := engine.New(engine.Config{Workers: 1, Wait: "park", CloseTimeout: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			p := parse(t, cat, "stalled", fmt.Sprintf(`tenant: stalled
sources:
  flood: {type: generate, profile: sequence, rate: 0}
sinks:
  out: {type: stall, inputs: [flood], id: %q, buffer: {capacity: 64}}
`, id))
			tn := start(t, e, p)
			<-st.entered // the sink is blocked in its write
			if !blocked {
				// The write ends a while after Close is called.
				time.AfterFunc(100*time.Millisecond, func() { close(st.release) })
			}
			begin := time.Now()
			e.Close()
			took := time.Since(begin)
			if blocked {
				defer close(st.release)
				if took < 300*time.Millisecond || took > 5*time.Second {
					t.Fatalf("Close returned after %v with a sink blocked for good, want its CloseTimeout (300ms)", took)
				}
				return
			}
			select {
			case <-tn.Done():
			default:
				t.Fatalf("Close returned after %v while the tenant's sink still ran", took)
			}
			if took < 90*time.Millisecond {
				t.Fatalf("Close returned after %v, before the sink's write ended", took)
			}
		})
	}
}

// TestAbortedSinkClosesOffTheWorker: an aborted tenant's async sink waits
// in Close (for acknowledgements that do not come); the tenant sharing its
// only worker keeps running to the end meanwhile, and the aborted tenant
// is done only once its sink's Close returned.
func TestAbortedSinkClosesOffTheWorker(t *testing.T) {
	cat := testCatalog(t)
	id := t.Name()
	ak := &acker{delay: time.Millisecond, max: 100, holdClose: make(chan struct{})}
	defer register(id, ak)()
	e := newEngine(t, 1, "park")
	var release sync.Once
	letGo := func() { release.Do(func() { close(ak.holdClose) }) }
	t.Cleanup(letGo) // before the engine's Close, on a failure
	ta := start(t, e, parse(t, cat, "held", asyncPipeline("held", "rate: 10000", "async", id)))
	for ak.acked.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	ta.Abort()
	for ak.closed.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	// The sink is in Close now; the one worker must still serve others.
	countsToTheEnd(t, e, cat, 100000)
	notDone(t, ta, "the aborted tenant is done while its sink is still closing")
	letGo()
	waitDone(t, ta, 5*time.Second)
	if err := ta.Err(); !errors.Is(err, engine.ErrAborted) {
		t.Fatalf("Err = %v, want ErrAborted", err)
	}
	ak.wg.Wait()
}

// countsToTheEnd runs the count pipeline over n events as tenant B beside
// a stuck tenant and fails unless it finishes, without error, having read
// every event. Its output is in the returned pipeline's Dir.
func countsToTheEnd(t *testing.T, e *engine.Engine, cat *component.Catalog, n int) *spec.Pipeline {
	t.Helper()
	b := parse(t, cat, "counts", countPipeline(n, 2, 256, "block"))
	tb := start(t, e, b)
	waitDone(t, tb, 30*time.Second)
	if err := tb.Err(); err != nil {
		t.Fatal(err)
	}
	if s := tb.Stats(); s.In != uint64(n) {
		t.Fatalf("tenant B read %d events, want %d", s.In, n)
	}
	return b
}

// notDone fails with why when tn is done.
func notDone(t *testing.T, tn *engine.Tenant, why string) {
	t.Helper()
	select {
	case <-tn.Done():
		t.Fatal(why)
	default:
	}
}

// asyncPipeline is tenant's pipeline from a sequence generator (gen: its
// further options) to an async test sink of type sink (async or
// async_parallel) that reports to the acker registered as id.
func asyncPipeline(tenant, gen, sink, id string) string {
	return fmt.Sprintf(`tenant: %s
sources:
  gen: {type: generate, profile: sequence, %s}
sinks:
  out: {type: %s, inputs: [gen], id: %q}
`, tenant, gen, sink, id)
}
