package ops

import (
	"slices"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// aggCtx is the context of an aggregate or over named per_host over logs,
// keyed by key.
func aggCtx(t testing.TB, key []string, opts map[string]any) *component.Context {
	ctx := newCtx(t, "per_host", opts)
	ctx.Key = key
	return ctx
}

// aggRow is an output row of aggregate with key [host] and aggregates
// {n: count(), total: sum(status)} (schema ID 2 in a test registry).
func aggRow(host event.Value, n, total int64, time, created int64) event.Event {
	return event.Event{Schema: 2, Time: time, Created: created, Key: host.Hash(0),
		Fields: []event.Value{host, i64(n), i64(total)}}
}

var aggOpts = map[string]string{"total": "sum(status)", "n": "count()"}

func TestAggregateUpdate(t *testing.T) {
	in := [][]event.Event{{a1, b1, a2}, {}, {a3, noHost}}
	want := [][]event.Event{
		{aggRow(str("a"), 1, 1, 1, 1001), aggRow(str("b"), 1, 2, 2, 1002), aggRow(str("a"), 2, 4, 3, 1003)},
		nil,
		{aggRow(str("a"), 3, 9, 5, 1005), {Schema: 2, Time: 6, Created: 7, Key: nullV.Hash(0), Fields: []event.Value{nullV, i64(1), nullV}}},
		nil, // Flush: every row is already out
	}
	inst := build(t, AggregateSpec(), aggCtx(t, []string{"host"}, map[string]any{"aggregates": aggOpts}))
	if got := fieldsOf(inst.Schema); !slices.Equal(got, []string{"host:string", "n:int", "total:int"}) {
		t.Fatalf("output fields %v", got)
	}
	if tk, ok := inst.Operator.(component.Ticker); ok && tk.TickEvery() > 0 {
		t.Errorf("emit update without a ttl asks for ticks every %v", tk.TickEvery())
	}
	expectBatches(t, "emit update", runProcess(t, inst.Operator, in), want)
}

// TestAggregateFlush: one row per key at the end, sorted by key, with the
// latest event time seen for the key (a3's 5, though b arrives after it).
func TestAggregateFlush(t *testing.T) {
	late := logEvent("a", 2) // time 2, behind a3
	in := [][]event.Event{{c1, a1, b1}, {a3, late, noHost}}
	want := [][]event.Event{
		nil,
		nil,
		{
			{Schema: 2, Time: 6, Created: 7, Key: nullV.Hash(0), Fields: []event.Value{nullV, i64(1), nullV}},
			aggRow(str("a"), 3, 8, 5, 1002), aggRow(str("b"), 1, 2, 2, 1002), aggRow(str("c"), 1, 4, 4, 1004),
		},
	}
	inst := build(t, AggregateSpec(), aggCtx(t, []string{"host"}, map[string]any{"aggregates": aggOpts, "emit": "flush"}))
	expectBatches(t, "emit flush", runProcess(t, inst.Operator, in), want)
}

func TestAggregateInterval(t *testing.T) {
	ctx := aggCtx(t, []string{"host"}, map[string]any{"aggregates": map[string]string{"avg": "avg(status)"},
		"emit": "interval", "every": 2 * time.Second})
	inst := build(t, AggregateSpec(), ctx)
	tk, ok := inst.Operator.(component.Ticker)
	if !ok {
		t.Fatal("emit interval does not implement Ticker")
	}
	if tk.TickEvery() != 2*time.Second {
		t.Fatalf("TickEvery %v, want 2s", tk.TickEvery())
	}
	r := func(host string, avg float64, last event.Event) event.Event {
		return event.Event{Schema: 2, Time: last.Time, Created: last.Created, Key: str(host).Hash(0),
			Fields: []event.Value{str(host), f64(avg)}}
	}
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
	tick := func(d time.Duration) func() error {
		return func() error { return tk.Tick(t0.Add(d), &out) }
	}
	step("process", process(c1, a1, b1, a2), nil)
	step("tick before the period", tick(time.Second), nil)
	step("tick after the period", tick(2*time.Second), []event.Event{r("a", 2, a2), r("b", 2, b1), r("c", 4, c1)})
	step("tick with no change", tick(4*time.Second), nil)
	step("process", process(a3), nil)
	step("early tick", tick(5*time.Second), nil)
	step("tick: only the changed key", tick(6*time.Second), []event.Event{r("a", 3, a3)})
	step("process", process(b1), nil)
	step("flush emits the rest", func() error { return inst.Operator.Flush(&out) }, []event.Event{r("b", 2, b1)})
}

// TestAggregateByPartitionKey: without key fields, aggregate groups by
// Event.Key and reports it as the int field `key`.
func TestAggregateByPartitionKey(t *testing.T) {
	withKey := func(k uint64, e event.Event) event.Event { e.Key = k; return e }
	in := [][]event.Event{{withKey(7, a1), withKey(1<<63, b1), withKey(7, a2)}}
	inst := build(t, AggregateSpec(), aggCtx(t, nil, map[string]any{"aggregates": map[string]string{"m": "max(status)"}, "emit": "flush"}))
	if got := fieldsOf(inst.Schema); !slices.Equal(got, []string{"key:int", "m:int"}) {
		t.Fatalf("output fields %v", got)
	}
	r := func(k uint64, m int64, last event.Event) event.Event {
		return event.Event{Schema: 2, Time: last.Time, Created: last.Created, Key: k, Fields: []event.Value{i64(int64(k)), i64(m)}}
	}
	want := [][]event.Event{nil, {r(1<<63, 2, b1), r(7, 3, a2)}}
	expectBatches(t, "by Event.Key", runProcess(t, inst.Operator, in), want)
}

// TestAggregateSeveralKeys: keys of several fields are grouped by exact
// value; the row's partition key chains Value.Hash over them, as key_by.
func TestAggregateSeveralKeys(t *testing.T) {
	inst := build(t, AggregateSpec(), aggCtx(t, []string{"status", "host"}, map[string]any{"aggregates": map[string]string{"n": "count()"}}))
	e := logEvent("b", 200)
	out := runProcess(t, inst.Operator, [][]event.Event{{e, e}})
	want := [][]event.Event{{
		{Schema: 2, Time: 200, Created: 1200, Key: str("b").Hash(i64(200).Hash(0)), Fields: []event.Value{i64(200), str("b"), i64(1)}},
		{Schema: 2, Time: 200, Created: 1200, Key: str("b").Hash(i64(200).Hash(0)), Fields: []event.Value{i64(200), str("b"), i64(2)}},
	}, nil}
	expectBatches(t, "two key fields", out, want)
}

func TestAggregateOptionErrors(t *testing.T) {
	ok := map[string]string{"n": "count()"}
	cases := []struct {
		key  []string
		opts map[string]any
		msg  string
	}{
		{[]string{"hots"}, map[string]any{"aggregates": ok}, `option "key[0]": unknown field "hots" (did you mean "host"?)`},
		{[]string{"host"}, map[string]any{"aggregates": map[string]string{"host": "count()"}}, `option "aggregates": aggregate "host" clashes with the key field of the same name`},
		{nil, map[string]any{"aggregates": map[string]string{"key": "count()"}}, `option "aggregates": aggregate "key" clashes with the key field of the same name`},
		{[]string{"host"}, map[string]any{"aggregates": map[string]string{}}, `option "aggregates": no aggregates; name at least one, e.g. {events: count()}`},
		{[]string{"host"}, map[string]any{"aggregates": ok, "emit": "sometimes"}, `option "emit": "sometimes" is not one of "update", "flush", "interval"`},
		{[]string{"host"}, map[string]any{"aggregates": ok, "emit": "interval", "every": time.Duration(0)}, `option "every": must be greater than 0s, got 0s`},
	}
	for _, c := range cases {
		ctx := aggCtx(t, c.key, c.opts)
		ctx.Validating = true
		if _, err := AggregateSpec().New(ctx); err == nil || err.Error() != c.msg {
			t.Errorf("key %v opts %v: error %v\nwant %s", c.key, c.opts, err, c.msg)
		}
	}
	ctx := aggCtx(t, []string{"host"}, map[string]any{"aggregates": map[string]string{"x": "sum(nope)"}})
	if _, err := AggregateSpec().New(ctx); err == nil {
		t.Error("an aggregate over an unknown field built")
	}
}

// TestAggregateDoesNotAllocate: once its keys exist, aggregate of count,
// sum and avg allocates nothing per event, in every mode.
func TestAggregateDoesNotAllocate(t *testing.T) {
	batch := make([]event.Event, 256)
	for i := range batch {
		batch[i] = logEvent([]string{"a", "b", "c", "d", "e"}[i%5], int64(i%3))
	}
	for _, mode := range []string{"update", "flush", "interval"} {
		inst := build(t, AggregateSpec(), aggCtx(t, []string{"host", "status"},
			map[string]any{"emit": mode, "aggregates": map[string]string{"n": "count()", "s": "sum(status)", "a": "avg(status)"}}))
		var out component.Output
		process := func() {
			out.Reset()
			if err := inst.Operator.Process(0, batch, &out); err != nil {
				t.Fatal(err)
			}
		}
		process()
		if n := testing.AllocsPerRun(20, process); n != 0 {
			t.Errorf("emit %s: %.1f allocations per batch of %d", mode, n, len(batch))
		}
	}
}
