package ops

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

var overAggs = map[string]string{"n": "count()", "s": "sum(status)", "avg": "avg(status)", "lo": "min(status)", "hi": "max(status)"}

// overRow is an output row of over with key [host] and overAggs (schema ID
// 2 in a test registry), at e's times.
func overRow(e event.Event, avg float64, hi, lo, n, s int64) event.Event {
	host := e.Fields[0]
	return event.Event{Schema: 2, Time: e.Time, Created: e.Created, Key: host.Hash(0),
		Fields: []event.Value{host, f64(avg), i64(hi), i64(lo), i64(n), i64(s)}}
}

// TestOver: events wait for the watermark and are taken by time; each row
// aggregates its event and the one before it of its key (rows: 2); an event
// behind the watermark is taken at once.
func TestOver(t *testing.T) {
	inst := build(t, OverSpec(), aggCtx(t, []string{"host"}, map[string]any{"rows": int64(2), "aggregates": overAggs}))
	if got := fieldsOf(inst.Schema); !slices.Equal(got, []string{"host:string", "avg:float", "hi:int", "lo:int", "n:int", "s:int"}) {
		t.Fatalf("output fields %v", got)
	}
	wa, ok := inst.Operator.(component.WatermarkAware)
	if !ok {
		t.Fatal("over does not implement WatermarkAware")
	}
	a5, a1, b2, a3, a2 := logEvent("a", 5), logEvent("a", 1), logEvent("b", 2), logEvent("a", 3), logEvent("a", 2)
	var out component.Output
	step := func(what string, do func() error, want []event.Event) {
		t.Helper()
		out.Reset()
		if err := do(); err != nil {
			t.Fatal(err)
		}
		expectBatches(t, what, [][]event.Event{clone(out.Events())}, [][]event.Event{want})
	}
	process := func(b ...event.Event) func() error {
		return func() error { return inst.Operator.Process(0, clone(b), &out) }
	}
	watermark := func(wm int64) func() error { return func() error { return wa.OnWatermark(wm, &out) } }
	step("events wait", process(a5, a1, b2, a3), nil)
	step("watermark 3 takes them by time", watermark(3), []event.Event{
		overRow(a1, 1, 1, 1, 1, 1), overRow(b2, 2, 2, 2, 1, 2), overRow(a3, 2, 3, 1, 2, 4)})
	step("an event behind the watermark goes at once", process(a2), []event.Event{overRow(a2, 2.5, 3, 2, 2, 5)})
	step("an older watermark does nothing", watermark(2), nil)
	step("flush takes the rest", func() error { return inst.Operator.Flush(&out) }, []event.Event{overRow(a5, 3.5, 5, 2, 2, 7)})
}

// TestOverOracle: over many keys and events in shuffled order, every row
// equals the aggregates computed directly over its key's last rows events
// by time, float sums included (both add in the same order).
func TestOverOracle(t *testing.T) {
	const rows = 11
	inst := build(t, OverSpec(), aggCtx(t, []string{"host"}, map[string]any{"rows": int64(rows),
		"aggregates": map[string]string{"avg": "avg(latency)", "n": "count()", "hi": "max(status)"}}))
	r := rand.New(rand.NewPCG(1, 2))
	var in []event.Event
	for i := range 3000 {
		e := logEvent(string(rune('a'+r.IntN(7))), int64(r.IntN(1000)), i64(0), f64(r.Float64()*100))
		e.Time = int64(i) // distinct times: the order is total
		in = append(in, e)
	}
	shuffled := slices.Clone(in)
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	got := runProcess(t, inst.Operator, [][]event.Event{shuffled})
	var want []event.Event
	seen := map[string][]event.Event{}
	for _, e := range in {
		host := e.Fields[0].S
		last := append(seen[host], e)
		if len(last) > rows {
			last = last[1:]
		}
		seen[host] = last
		var sum float64
		var hi int64
		for _, x := range last {
			sum += x.Fields[3].Float()
			hi = max(hi, x.Fields[1].Int())
		}
		want = append(want, event.Event{Schema: 2, Time: e.Time, Created: e.Created, Key: e.Fields[0].Hash(0),
			Fields: []event.Value{e.Fields[0], f64(sum / float64(len(last))), i64(hi), i64(int64(len(last)))}})
	}
	expectBatches(t, "shuffled events", got, [][]event.Event{nil, want})
}

func TestOverOptionErrors(t *testing.T) {
	ok := map[string]string{"n": "count()"}
	cases := []struct {
		key  []string
		opts map[string]any
		msg  string
	}{
		{[]string{"host"}, map[string]any{"rows": int64(0), "aggregates": ok}, `option "rows": must be between 1 and 10000, got 0`},
		{[]string{"host"}, map[string]any{"rows": int64(10001), "aggregates": ok}, `option "rows": must be between 1 and 10000, got 10001`},
		{[]string{"hots"}, map[string]any{"rows": int64(3), "aggregates": ok}, `option "key[0]": unknown field "hots" (did you mean "host"?)`},
		{[]string{"host"}, map[string]any{"rows": int64(3), "aggregates": map[string]string{"host": "count()"}}, `option "aggregates": aggregate "host" clashes with the key field of the same name`},
	}
	for _, c := range cases {
		ctx := aggCtx(t, c.key, c.opts)
		ctx.Validating = true
		if _, err := OverSpec().New(ctx); err == nil || err.Error() != c.msg {
			t.Errorf("key %v opts %v: error %v\nwant %s", c.key, c.opts, err, c.msg)
		}
	}
}

// TestOverDoesNotAllocate: once its keys exist and its buffer has grown,
// over allocates nothing per event.
func TestOverDoesNotAllocate(t *testing.T) {
	batch := make([]event.Event, 256)
	for i := range batch {
		batch[i] = logEvent([]string{"a", "b", "c", "d", "e"}[i%5], int64(i%3))
		batch[i].Time = int64(i)
	}
	inst := build(t, OverSpec(), aggCtx(t, []string{"host"}, map[string]any{"rows": int64(11), "aggregates": overAggs}))
	wa := inst.Operator.(component.WatermarkAware)
	var out component.Output
	process := func() {
		out.Reset()
		if err := inst.Operator.Process(0, batch, &out); err != nil {
			t.Fatal(err)
		}
		// The events wait; the watermark at the last one's time takes them.
		if err := wa.OnWatermark(batch[len(batch)-1].Time, &out); err != nil {
			t.Fatal(err)
		}
		for i := range batch {
			batch[i].Time += int64(len(batch))
		}
	}
	process()
	if n := testing.AllocsPerRun(20, process); n != 0 {
		t.Errorf("%.1f allocations per batch of %d", n, len(batch))
	}
}
