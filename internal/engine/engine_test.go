package engine_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/connect"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/ops"
	"github.com/greenwave/greenwave/internal/spec"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testCatalog is the built-in catalog plus test-only transforms.
func testCatalog(t testing.TB) *component.Catalog {
	t.Helper()
	c, err := component.NewCatalog(testSpecs()...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testSpecs are the built-in specs and the test-only ones.
func testSpecs() []*component.Spec {
	specs := append(connect.Specs(), ops.Specs()...)
	return append(specs, explodeSpec(), slowSpec(), slowIOSpec(), stallSinkSpec(), pushSourceSpec(), asyncSinkSpec(), asyncParallelSinkSpec(), lifecycleSinkSpec())
}

// explodeSpec is a keyed-free stateful transform that panics (or returns
// an error) on the event whose `id` equals option `at`.
func explodeSpec() *component.Spec {
	return &component.Spec{
		Type: "explode", Kind: component.KindTransform, Doc: "test: fails on one event",
		Options: []component.Option{
			{Name: "at", Type: component.Int, Required: true},
			{Name: "how", Type: component.Enum, Enum: []string{"panic", "error"}, Default: "panic"},
		},
		New: func(ctx *component.Context) (*component.Instance, error) {
			slot, ok := ctx.Inputs[0].Slot("id")
			if !ok {
				return nil, component.OptErr("at", "input has no id field")
			}
			return &component.Instance{Operator: &explode{slot: slot, at: ctx.Options.Int("at"), how: ctx.Options.String("how")}, Schema: ctx.Inputs[0]}, nil
		},
	}
}

type explode struct {
	slot int
	at   int64
	how  string
}

func (x *explode) Process(_ int, in []event.Event, out *component.Output) error {
	for i := range in {
		if in[i].Get(x.slot).Int() == x.at {
			if x.how == "error" {
				return fmt.Errorf("refusing id %d", x.at)
			}
			var m map[string]int
			m["boom"]++ // nil map write: a real panic
		}
		out.Emit(&in[i])
	}
	return nil
}
func (x *explode) Flush(*component.Output) error { return nil }

// slowSpec passes events through, sleeping per batch, to make a consumer
// slower than its producer.
func slowSpec() *component.Spec {
	return &component.Spec{
		Type: "slow", Kind: component.KindTransform, Doc: "test: sleeps per batch",
		Options: []component.Option{{Name: "sleep", Type: component.Duration, Default: time.Millisecond}},
		New: func(ctx *component.Context) (*component.Instance, error) {
			return &component.Instance{Operator: &slow{d: ctx.Options.Duration("sleep")}, Schema: ctx.Inputs[0]}, nil
		},
	}
}

// slowIOSpec is slow on a goroutine of its own (IO), so its sleeps hold up
// no other actor: a back-pressured pipeline whose source runs at full rate.
func slowIOSpec() *component.Spec {
	s := slowSpec()
	s.Type, s.IO, s.Doc = "slow_io", true, "test: sleeps per batch on its own goroutine"
	return s
}

type slow struct{ d time.Duration }

func (s *slow) Process(_ int, in []event.Event, out *component.Output) error {
	time.Sleep(s.d)
	for i := range in {
		out.Emit(&in[i])
	}
	return nil
}
func (s *slow) Flush(*component.Output) error { return nil }

func parse(t testing.TB, cat *component.Catalog, name, yaml string) *spec.Pipeline {
	t.Helper()
	p, err := spec.Parse(name+".yaml", []byte(yaml), cat)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	p.Dir = t.TempDir()
	return p
}

func newEngine(t *testing.T, workers int, strategy string) *engine.Engine {
	t.Helper()
	e, err := engine.New(engine.Config{Workers: workers, Wait: strategy, Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func start(t testing.TB, e *engine.Engine, p *spec.Pipeline) *engine.Tenant {
	t.Helper()
	pl, err := e.Compile(p)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	tn, err := e.Run(pl)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	e.Start()
	return tn
}

func waitDone(t *testing.T, tn *engine.Tenant, d time.Duration) {
	t.Helper()
	select {
	case <-tn.Done():
	case <-time.After(d):
		t.Fatalf("tenant %q did not finish within %v: %+v", tn.Name, d, tn.Stats())
	}
}

// sortedCounts runs the count pipeline p on e to its end, failing on an
// error, and returns the tenant and its output lines, sorted.
func sortedCounts(t *testing.T, e *engine.Engine, p *spec.Pipeline) (*engine.Tenant, []string) {
	t.Helper()
	tn := start(t, e, p)
	waitDone(t, tn, 30*time.Second)
	if err := tn.Err(); err != nil {
		t.Fatal(err)
	}
	got := readLines(t, filepath.Join(p.Dir, "counts.jsonl"))
	sort.Strings(got)
	return tn, got
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func countPipeline(n, parallelism, capacity int, policy string) string {
	return fmt.Sprintf(`tenant: counts
sources:
  numbers:
    type: generate
    profile: sequence
    count: %d
    keys: 37
    seed: 3
transforms:
  keep:
    type: filter
    inputs: [numbers]
    condition: 'value %% 3 != 0'
  keyed:
    type: key_by
    inputs: [keep]
    key: [key]
  by_key:
    type: count
    inputs: [keyed]
    key: [key]
    parallelism: %d
    emit: flush
    buffer: {capacity: %d, when_full: %s}
sinks:
  out:
    type: file
    inputs: [by_key]
    path: counts.jsonl
    buffer: {capacity: %d, when_full: %s}
`, n, parallelism, capacity, policy, capacity, policy)
}

// TestSameOutputAcrossParallelismAndBuffers runs the same finite pipeline
// with parallelism 1, 2, 4 and with tiny and large buffers: the final counts
// must be identical.
func TestSameOutputAcrossParallelismAndBuffers(t *testing.T) {
	cat := testCatalog(t)
	var want []string
	for _, par := range []int{1, 2, 4} {
		for _, capacity := range []int{2, 4096} {
			for _, workers := range []int{1, 2} {
				name := fmt.Sprintf("par%d-cap%d-w%d", par, capacity, workers)
				t.Run(name, func(t *testing.T) {
					e := newEngine(t, workers, "spin_then_park")
					tn, got := sortedCounts(t, e, parse(t, cat, name, countPipeline(30000, par, capacity, "block")))
					if len(got) != 37 {
						t.Fatalf("got %d keys, want 37: %v", len(got), got)
					}
					total := int64(0)
					for _, l := range got {
						var row map[string]any
						if err := json.Unmarshal([]byte(l), &row); err != nil {
							t.Fatalf("bad line %q: %v", l, err)
						}
						total += int64(row["count"].(float64))
					}
					st := tn.Stats()
					if st.In != 30000 || st.Dropped != 0 {
						t.Fatalf("in %d dropped %d, want 30000 and 0", st.In, st.Dropped)
					}
					if total < 15000 || total > 25000 {
						t.Fatalf("counted %d events, want about 2/3 of 30000", total)
					}
					if want == nil {
						want = got
					} else if strings.Join(got, "\n") != strings.Join(want, "\n") {
						t.Fatalf("output differs from the first configuration:\n got %v\nwant %v", got, want)
					}
				})
			}
		}
	}
}

// TestTenantIsolation: one tenant panics in an operator; the error names the
// tenant, the operator and the event, and another tenant's output is
// complete.
func TestTenantIsolation(t *testing.T) {
	cat := testCatalog(t)
	for _, how := range []string{"panic", "error"} {
		t.Run(how, func(t *testing.T) {
			e := newEngine(t, 2, "spin_then_park")
			bad := parse(t, cat, "bad", fmt.Sprintf(`tenant: bad
sources:
  numbers: {type: generate, profile: sequence, count: 100000}
transforms:
  boom: {type: explode, inputs: [numbers], at: 5000, how: %s}
sinks:
  out: {type: blackhole, inputs: [boom]}
`, how))
			good := parse(t, cat, "good", countPipeline(50000, 2, 64, "block"))
			tb := start(t, e, bad)
			tg := start(t, e, good)
			waitDone(t, tb, 20*time.Second)
			waitDone(t, tg, 20*time.Second)
			err := tb.Err()
			if err == nil {
				t.Fatal("bad tenant did not fail")
			}
			var f *engine.Failure
			if !errors.As(err, &f) {
				t.Fatalf("error %T is not an *engine.Failure: %v", err, err)
			}
			msg := err.Error()
			for _, want := range []string{`tenant "bad"`, `operator "boom"`, `"id":5000`} {
				if !strings.Contains(msg, want) {
					t.Errorf("failure %q does not mention %s", msg, want)
				}
			}
			if tg.Err() != nil {
				t.Fatalf("good tenant failed: %v", tg.Err())
			}
			gs := tg.Stats()
			if gs.In != 50000 || gs.Failed {
				t.Fatalf("good tenant: in %d failed %v", gs.In, gs.Failed)
			}
			lines := readLines(t, filepath.Join(good.Dir, "counts.jsonl"))
			if len(lines) != 37 {
				t.Fatalf("good tenant wrote %d keys, want 37", len(lines))
			}
		})
	}
}

// TestGracefulStopLosesNothing: an unbounded source is stopped; every event
// it produced is counted in the flushed output.
func TestGracefulStopLosesNothing(t *testing.T) {
	cat := testCatalog(t)
	e := newEngine(t, 2, "spin_then_park")
	p := parse(t, cat, "endless", `tenant: endless
sources:
  numbers: {type: generate, profile: sequence, keys: 10}
transforms:
  per_key:
    type: count
    inputs: [numbers]
    key: [key]
    parallelism: 2
    emit: flush
    buffer: {capacity: 16}
sinks:
  out: {type: file, inputs: [per_key], path: counts.jsonl, buffer: {capacity: 4}}
`)
	tn := start(t, e, p)
	time.Sleep(150 * time.Millisecond)
	tn.Stop()
	waitDone(t, tn, 20*time.Second)
	if err := tn.Err(); err != nil {
		t.Fatal(err)
	}
	st := tn.Stats()
	if st.In == 0 {
		t.Fatal("source produced nothing")
	}
	var total uint64
	for _, l := range readLines(t, filepath.Join(p.Dir, "counts.jsonl")) {
		var row struct{ Count uint64 }
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatal(err)
		}
		total += row.Count
	}
	if total != st.In {
		t.Fatalf("counted %d events after stop, source produced %d", total, st.In)
	}
}

// TestDropPolicyCountsEveryDrop: a slow consumer behind a tiny dropping
// buffer; in + nothing else = out + dropped, and the consumer saw the gaps.
func TestDropPolicyCountsEveryDrop(t *testing.T) {
	cat := testCatalog(t)
	for _, policy := range []string{"drop_newest", "drop_oldest"} {
		t.Run(policy, func(t *testing.T) {
			e := newEngine(t, 2, "spin_then_park")
			p := parse(t, cat, policy, fmt.Sprintf(`tenant: lossy
sources:
  numbers: {type: generate, profile: sequence, count: 20000}
transforms:
  slow:
    type: slow
    inputs: [numbers]
    sleep: 200us
    buffer: {capacity: 8, when_full: %s}
sinks:
  out: {type: blackhole, inputs: [slow]}
`, policy))
			tn := start(t, e, p)
			waitDone(t, tn, 30*time.Second)
			if err := tn.Err(); err != nil {
				t.Fatal(err)
			}
			st := tn.Stats()
			if st.Dropped == 0 {
				t.Fatalf("no drops with a slow consumer behind a %s buffer of 8: %+v", policy, st)
			}
			if st.In != st.Out+st.Dropped {
				t.Fatalf("in %d != out %d + dropped %d", st.In, st.Out, st.Dropped)
			}
			var gaps uint64
			for _, l := range st.Links {
				gaps += l.Gaps
			}
			if gaps != st.Dropped {
				t.Fatalf("consumer saw %d missing sequence numbers, ring dropped %d", gaps, st.Dropped)
			}
		})
	}
}

// TestWaitStrategiesFinish runs a small pipeline under every strategy.
func TestWaitStrategiesFinish(t *testing.T) {
	cat := testCatalog(t)
	for _, s := range []string{"park", "spin_then_park", "yield", "busy_spin"} {
		t.Run(s, func(t *testing.T) {
			e := newEngine(t, 2, s)
			p := parse(t, cat, s, countPipeline(5000, 2, 8, "block"))
			tn := start(t, e, p)
			waitDone(t, tn, 20*time.Second)
			if err := tn.Err(); err != nil {
				t.Fatal(err)
			}
			if got := len(readLines(t, filepath.Join(p.Dir, "counts.jsonl"))); got != 37 {
				t.Fatalf("got %d keys", got)
			}
		})
	}
}

// TestPacedSourceWakesParkedWorker: with `park`, a slow paced source still
// gets its events through (timers wake the worker).
func TestPacedSourceWakesParkedWorker(t *testing.T) {
	cat := testCatalog(t)
	e := newEngine(t, 1, "park")
	p := parse(t, cat, "paced", `tenant: paced
sources:
  numbers: {type: generate, profile: sequence, count: 20, rate: 200}
sinks:
  out: {type: blackhole, inputs: [numbers]}
`)
	begin := time.Now()
	tn := start(t, e, p)
	waitDone(t, tn, 10*time.Second)
	if el := time.Since(begin); el < 80*time.Millisecond {
		t.Fatalf("20 events at 200/s took %v; pacing not applied", el)
	}
	if st := tn.Stats(); st.Out != 20 {
		t.Fatalf("out %d, want 20", st.Out)
	}
}

var _ = builtin.Catalog

// TestParallelSourceMakesTheSameStream: a generate source split over 2 or 3
// instances produces the same events as one instance, so the counts match.
func TestParallelSourceMakesTheSameStream(t *testing.T) {
	cat := testCatalog(t)
	var want []string
	for _, par := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("source-parallelism-%d", par), func(t *testing.T) {
			e := newEngine(t, 2, "spin_then_park")
			yaml := strings.Replace(countPipeline(30001, 2, 64, "block"),
				"    count: 30001\n", fmt.Sprintf("    count: 30001\n    parallelism: %d\n", par), 1)
			p := parse(t, cat, fmt.Sprintf("par%d", par), yaml)
			tn := start(t, e, p)
			waitDone(t, tn, 20*time.Second)
			if err := tn.Err(); err != nil {
				t.Fatal(err)
			}
			if st := tn.Stats(); st.In != 30001 {
				t.Fatalf("sources made %d events, want 30001", st.In)
			}
			got := readLines(t, filepath.Join(p.Dir, "counts.jsonl"))
			sort.Strings(got)
			if want == nil {
				want = got
			} else if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("counts differ from one source instance:\n got %v\nwant %v", got, want)
			}
		})
	}
}

// TestFinishedTenantsLeaveNoLoad: placement load goes up while a tenant
// runs and back to zero when it has finished.
func TestFinishedTenantsLeaveNoLoad(t *testing.T) {
	cat := testCatalog(t)
	e := newEngine(t, 2, "spin_then_park")
	p := parse(t, cat, "load", countPipeline(1000, 2, 64, "block"))
	pl, err := e.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, w := range e.WorkerStats() {
		total += w.Load
	}
	if total == 0 {
		t.Fatal("a compiled tenant added no load")
	}
	tn, err := e.Run(pl)
	if err != nil {
		t.Fatal(err)
	}
	e.Start()
	waitDone(t, tn, 20*time.Second)
	for _, w := range e.WorkerStats() {
		if w.Load != 0 {
			t.Fatalf("worker %d keeps load %d after its tenant finished", w.ID, w.Load)
		}
	}
}
