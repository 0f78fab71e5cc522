package engine_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/spec"
)

// These tests run the engine inside a synctest bubble: its clock is fake
// and only moves when every goroutine of the bubble is blocked, so the
// `slow` transform's sleep is an exact, repeatable cost and timers fire at
// their due time. The workers park (spinning would keep the clock still).

// runFor starts the parsed pipelines on an engine configured by cfg, lets
// the fake clock run for d, stops them and returns them drained.
func runFor(t *testing.T, cfg engine.Config, d time.Duration, ps ...*spec.Pipeline) []*engine.Tenant {
	t.Helper()
	e, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var tenants []*engine.Tenant
	for _, p := range ps {
		pl, err := e.Compile(p)
		if err != nil {
			t.Fatal(err)
		}
		tn, err := e.Run(pl)
		if err != nil {
			t.Fatal(err)
		}
		tenants = append(tenants, tn)
	}
	e.Start()
	time.Sleep(d)
	e.Stop(0)
	e.Close()
	return tenants
}

func busyOf(tn *engine.Tenant, prefix string) time.Duration {
	var d time.Duration
	for _, a := range tn.Stats().Actors {
		if strings.HasPrefix(a.Name, prefix) {
			d += a.Busy
		}
	}
	return d
}

func floodPipeline(name string) string {
	return fmt.Sprintf(`tenant: %s
weight: 1
sources:
  gen: {type: generate, profile: sequence, rate: 0}
transforms:
  work: {type: slow, inputs: [gen], sleep: 100us}
sinks:
  out: {type: blackhole, inputs: [work]}
`, name)
}

// TestFairShareFollowsWeight: two tenants run flat out on one worker; the
// worker's time splits between them in proportion to their weights.
func TestFairShareFollowsWeight(t *testing.T) {
	cat := testCatalog(t)
	for _, w := range [][]float64{{1, 1}, {1, 3}} {
		t.Run(fmt.Sprintf("weights-%v-%v", w[0], w[1]), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// The weights come from the files' `weight:` keys.
				yb := strings.Replace(floodPipeline("b"), "weight: 1", fmt.Sprintf("weight: %v", w[1]), 1)
				ts := runFor(t, engine.Config{Workers: 1, Wait: "park"}, time.Second,
					parse(t, cat, "a", floodPipeline("a")), parse(t, cat, "b", yb))
				a, b := busyOf(ts[0], "work"), busyOf(ts[1], "work")
				if a+b < 900*time.Millisecond {
					t.Fatalf("the tenants used %v of the worker's second", a+b)
				}
				want := w[1] / w[0]
				if got := float64(b) / float64(a); got < 0.9*want || got > 1.1*want {
					t.Fatalf("busy time a %v, b %v: ratio %.2f, want %.2f ± 10%%", a, b, got, want)
				}
			})
		})
	}
}

// TestQuietTenantIsServedWithinARound: a tenant flat out does not delay a
// tenant with little work by more than about one round: the quiet
// tenant's events, paced at 1000/s, reach its sink within a few quanta.
func TestQuietTenantIsServedWithinARound(t *testing.T) {
	cat := testCatalog(t)
	synctest.Test(t, func(t *testing.T) {
		quiet := parse(t, cat, "quiet", `tenant: quiet
sources:
  gen: {type: generate, profile: sequence, rate: 1000}
sinks:
  out: {type: blackhole, inputs: [gen]}
`)
		ts := runFor(t, engine.Config{Workers: 1, Wait: "park"}, time.Second, parse(t, cat, "noisy", floodPipeline("noisy")), quiet)
		q := ts[1].Stats()
		if q.In < 990 || q.Out != q.In {
			t.Fatalf("quiet tenant: in %d, out %d; want about 1000 each", q.In, q.Out)
		}
		h := ts[1].Latency()
		if p := time.Duration(h.ValueAtQuantile(100)); p > 500*time.Microsecond {
			t.Fatalf("quiet tenant's worst latency %v beside a flooding tenant; want within a few 100µs turns", p)
		}
	})
}

// TestIdleActorsCostNothing: hundreds of tenants at 10 events/s each get
// turns for their events, not a turn per pass over all actors.
func TestIdleActorsCostNothing(t *testing.T) {
	cat := testCatalog(t)
	synctest.Test(t, func(t *testing.T) {
		var ps []*spec.Pipeline
		for i := range 200 {
			ps = append(ps, parse(t, cat, fmt.Sprintf("t%d", i), fmt.Sprintf(`tenant: t%d
sources:
  gen: {type: generate, profile: sequence, rate: 10}
transforms:
  per_key: {type: count, inputs: [gen], key: [key], emit: update}
sinks:
  out: {type: blackhole, inputs: [per_key]}
`, i)))
		}
		ts := runFor(t, engine.Config{Workers: 1, Wait: "park"}, 3*time.Second, ps...)
		var events, turns uint64
		for _, tn := range ts {
			s := tn.Stats()
			events += s.In
			for _, a := range s.Actors {
				turns += a.Turns
			}
		}
		if events < 200*29 {
			t.Fatalf("%d events in 3 s from 200 tenants at 10/s", events)
		}
		// Each event costs a source turn and a count turn, and a watermark
		// may cost a few more; a polling scheduler would cost thousands per
		// tenant.
		perEvent := float64(turns) / float64(events)
		t.Logf("%d turns for %d events (%.2f a event)", turns, events, perEvent)
		if perEvent > 3 {
			t.Fatalf("%d turns for %d events (%.1f a event)", turns, events, perEvent)
		}
	})
}

// TestStopDrainsEveryEdge: a paced source feeding a slow consumer through
// a small blocking edge is stopped; every event it made reaches the sink.
func TestStopDrainsEveryEdge(t *testing.T) {
	cat := testCatalog(t)
	synctest.Test(t, func(t *testing.T) {
		p := parse(t, cat, "drain", `tenant: drain
sources:
  gen: {type: generate, profile: sequence, rate: 5000}
transforms:
  work: {type: slow, inputs: [gen], sleep: 5ms, buffer: {capacity: 16}}
sinks:
  out: {type: blackhole, inputs: [work]}
`)
		ts := runFor(t, engine.Config{Workers: 2, Wait: "park"}, time.Second, p)
		s := ts[0].Stats()
		if !s.Finished || s.Failed {
			t.Fatalf("not finished: %+v", s)
		}
		if s.In == 0 || s.Out != s.In || s.Dropped != 0 {
			t.Fatalf("in %d, out %d, dropped %d: the drain lost events", s.In, s.Out, s.Dropped)
		}
	})
}

// TestTurnsTakeAtMostTheBudget: no actor takes more than the budget's
// events in one turn.
func TestTurnsTakeAtMostTheBudget(t *testing.T) {
	cat := testCatalog(t)
	e, err := engine.New(engine.Config{Workers: 2, Wait: "park", Budget: 8, Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	tn := start(t, e, parse(t, cat, "budget", countPipeline(5000, 2, 4096, "block")))
	waitDone(t, tn, 10*time.Second)
	// Batches are counted by powers of two: with a budget of 8 every poll
	// is in the buckets up to [8, 16), and some fill the budget.
	var full uint64
	for _, l := range tn.Stats().Links {
		for b, n := range l.Batches {
			if b > 4 && n > 0 {
				t.Fatalf("edge %s: %d polls of %d or more events, budget 8", l.Label, n, 1<<(b-1))
			}
		}
		full += l.Batches[4]
	}
	if full == 0 {
		t.Fatal("no poll took the budget's 8 events")
	}
	for _, a := range tn.Stats().Actors {
		if strings.HasPrefix(a.Name, "by_key") && a.Turns < uint64(a.In)/8 {
			t.Fatalf("actor %s took %d events in %d turns, budget 8", a.Name, a.In, a.Turns)
		}
	}
}

// spy is a keyed test transform that records which instance saw which key.
type spy struct {
	mu   sync.Mutex
	seen map[int64]map[int]bool
}

func spySpec() *component.Spec {
	return &component.Spec{
		Type: "spy", Kind: component.KindTransform, Keyed: true, Doc: "test: records keys per instance",
		Options: []component.Option{idOption},
		New: func(ctx *component.Context) (*component.Instance, error) {
			slot, _ := ctx.Inputs[0].Slot("key")
			return &component.Instance{Schema: ctx.Inputs[0], Operator: &spyOp{s: fixture[*spy](ctx.Options.String("id")), slot: slot, inst: ctx.Instance}}, nil
		},
	}
}

type spyOp struct {
	s    *spy
	slot int
	inst int
}

func (o *spyOp) Process(_ int, in []event.Event, out *component.Output) error {
	o.s.mu.Lock()
	defer o.s.mu.Unlock()
	for i := range in {
		k := in[i].Get(o.slot).Int()
		if o.s.seen[k] == nil {
			o.s.seen[k] = map[int]bool{}
		}
		o.s.seen[k][o.inst] = true
		out.Emit(&in[i])
	}
	return nil
}
func (o *spyOp) Flush(*component.Output) error { return nil }

// TestKeyedRoutingSendsEachKeyToOneInstance: with parallelism 4 every key
// goes to exactly one instance, the one its hash names, and every instance
// gets keys.
func TestKeyedRoutingSendsEachKeyToOneInstance(t *testing.T) {
	specs := append(testSpecs(), spySpec())
	cat, err := component.NewCatalog(specs...)
	if err != nil {
		t.Fatal(err)
	}
	sp := &spy{seen: map[int64]map[int]bool{}}
	defer register(t.Name(), sp)()
	e := newEngine(t, 2, "park")
	tn := start(t, e, parse(t, cat, "routed", fmt.Sprintf(`tenant: routed
sources:
  gen: {type: generate, profile: sequence, count: 20000, keys: 97}
transforms:
  split: {type: spy, inputs: [gen], key: [key], parallelism: 4, id: %q}
sinks:
  out: {type: blackhole, inputs: [split]}
`, t.Name())))
	waitDone(t, tn, 10*time.Second)
	used := map[int]bool{}
	for k, insts := range sp.seen {
		if len(insts) != 1 {
			t.Fatalf("key %d went to instances %v", k, insts)
		}
		want := int(event.IntValue(k).Hash(0) % 4)
		if !insts[want] {
			t.Fatalf("key %d went to %v, its hash names instance %d", k, insts, want)
		}
		used[want] = true
	}
	if len(sp.seen) != 97 || len(used) != 4 {
		t.Fatalf("%d keys over %d instances; want 97 over 4", len(sp.seen), len(used))
	}
}
