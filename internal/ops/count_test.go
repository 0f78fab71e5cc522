package ops

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// countCtx is the context of a count named per_host over logs, keyed by key.
func countCtx(t testing.TB, key []string, opts map[string]any) *component.Context {
	ctx := newCtx(t, "per_host", opts)
	ctx.Key = key
	return ctx
}

// row is an output row of count with key [host] (schema ID 2 in a test
// registry); its times are those of the last event counted.
func row(host event.Value, count int64, last event.Event) event.Event {
	return event.Event{
		Schema: 2, Time: last.Time, Created: last.Created,
		Key:    host.Hash(0),
		Fields: []event.Value{host, i64(count)},
	}
}

var (
	a1, b1, a2, c1 = logEvent("a", 1), logEvent("b", 2), logEvent("a", 3), logEvent("c", 4)
	a3             = logEvent("a", 5)
	noHost         = event.Event{Schema: 1, Time: 6, Created: 7}
)

func TestCountUpdate(t *testing.T) {
	in := [][]event.Event{{a1, b1, a2}, {}, {a3, noHost}}
	want := [][]event.Event{
		{row(str("a"), 1, a1), row(str("b"), 1, b1), row(str("a"), 2, a2)},
		nil,
		{row(str("a"), 3, a3), row(nullV, 1, noHost)},
		nil, // Flush: every count is already out
	}
	inst := build(t, CountSpec(), countCtx(t, []string{"host"}, map[string]any{"emit": "update"}))
	expectBatches(t, "emit update", runProcess(t, inst.Operator, in), want)
	if tk, ok := inst.Operator.(component.Ticker); ok && tk.TickEvery() > 0 {
		t.Errorf("emit update without a ttl asks for ticks every %v", tk.TickEvery())
	}
	if got := fieldsOf(inst.Schema); !slices.Equal(got, []string{"host:string", "count:int"}) {
		t.Errorf("output fields %v", got)
	}
}

func TestCountFlush(t *testing.T) {
	in := [][]event.Event{{c1, a1, b1}, {a2, noHost, a3}}
	want := [][]event.Event{
		nil,
		nil,
		// Sorted by key, null first.
		{row(nullV, 1, noHost), row(str("a"), 3, a3), row(str("b"), 1, b1), row(str("c"), 1, c1)},
	}
	inst := build(t, CountSpec(), countCtx(t, []string{"host"}, map[string]any{"emit": "flush"}))
	expectBatches(t, "emit flush", runProcess(t, inst.Operator, in), want)
}

func TestCountInterval(t *testing.T) {
	ctx := countCtx(t, []string{"host"}, map[string]any{"emit": "interval", "every": 2 * time.Second})
	inst := build(t, CountSpec(), ctx)
	tk, ok := inst.Operator.(component.Ticker)
	if !ok {
		t.Fatal("emit interval does not implement Ticker")
	}
	if tk.TickEvery() != 2*time.Second {
		t.Fatalf("TickEvery %v, want 2s", tk.TickEvery())
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
	step("tick after the period", tick(2*time.Second), []event.Event{row(str("a"), 2, a2), row(str("b"), 1, b1), row(str("c"), 1, c1)})
	step("tick with no change", tick(4*time.Second), nil)
	step("process", process(a3), nil)
	step("early tick", tick(5*time.Second), nil)
	step("tick: only the changed key", tick(6*time.Second), []event.Event{row(str("a"), 3, a3)})
	step("process", process(b1, noHost), nil)
	step("flush emits the rest", func() error { return inst.Operator.Flush(&out) }, []event.Event{row(nullV, 1, noHost), row(str("b"), 2, b1)})
}

// TestCountByPartitionKey: without key fields, count groups by Event.Key
// and reports it as the int field `key`.
func TestCountByPartitionKey(t *testing.T) {
	withKey := func(k uint64, e event.Event) event.Event { e.Key = k; return e }
	in := [][]event.Event{{withKey(7, a1), withKey(1<<63, b1), withKey(7, a2)}}
	r := func(k uint64, n int64, last event.Event) event.Event {
		return event.Event{Schema: 2, Time: last.Time, Created: last.Created, Key: k, Fields: []event.Value{i64(int64(k)), i64(n)}}
	}
	inst := build(t, CountSpec(), countCtx(t, nil, map[string]any{"emit": "flush", "field": "n"}))
	if got := fieldsOf(inst.Schema); !slices.Equal(got, []string{"key:int", "n:int"}) {
		t.Fatalf("output fields %v", got)
	}
	// Sorted by the key as a signed int: 1<<63 is negative.
	want := [][]event.Event{nil, {r(1<<63, 1, b1), r(7, 2, a2)}}
	expectBatches(t, "by Event.Key", runProcess(t, inst.Operator, in), want)
}

// TestCountSeveralKeys: keys of several fields and kinds are grouped by
// exact value and sorted field by field.
func TestCountSeveralKeys(t *testing.T) {
	inst := build(t, CountSpec(), countCtx(t, []string{"status", "host"}, map[string]any{"emit": "flush"}))
	in := [][]event.Event{{logEvent("b", 200), logEvent("a", 500), logEvent("a", 200), logEvent("b", 200)}}
	r := func(status int64, host string, n int64, last event.Event) event.Event {
		return event.Event{
			Schema: 2, Time: last.Time, Created: last.Created,
			Key:    str(host).Hash(i64(status).Hash(0)),
			Fields: []event.Value{i64(status), str(host), i64(n)},
		}
	}
	want := [][]event.Event{nil, {
		r(200, "a", 1, logEvent("a", 200)), r(200, "b", 2, logEvent("b", 200)), r(500, "a", 1, logEvent("a", 500)),
	}}
	expectBatches(t, "two key fields", runProcess(t, inst.Operator, in), want)
}

// TestCountTableCollisions: groups whose keys share a hash stay apart.
func TestCountTableCollisions(t *testing.T) {
	tbl := newCountTable(1)
	slots := []int{0}
	x, y := logEvent("x", 0), logEvent("y", 0)
	gx := tbl.find(42, &x, slots)
	gy := tbl.find(42, &y, slots)
	if gx == gy {
		t.Fatal("two keys with one hash share a group")
	}
	if tbl.find(42, &x, slots) != gx || tbl.find(42, &y, slots) != gy {
		t.Fatal("lookup after a collision found the wrong group")
	}
	if len(tbl.groups) != 2 {
		t.Fatalf("%d groups, want 2", len(tbl.groups))
	}
}

func TestCountOptionErrors(t *testing.T) {
	cases := []struct {
		key  []string
		opts map[string]any
		msg  string
	}{
		{[]string{"hots"}, nil, `option "key[0]": unknown field "hots" (did you mean "host"?)`},
		{[]string{"host"}, map[string]any{"field": "host"}, `option "field": "host" is also the name of a key field`},
		{nil, map[string]any{"field": "key"}, `option "field": "key" is also the name of a key field`},
		{[]string{"host"}, map[string]any{"field": ""}, `option "field": must not be empty`},
		{[]string{"host"}, map[string]any{"emit": "sometimes"}, `option "emit": "sometimes" is not one of "update", "flush", "interval"`},
		{[]string{"host"}, map[string]any{"emit": "interval", "every": time.Duration(0)}, `option "every": must be greater than 0s, got 0s`},
	}
	for _, c := range cases {
		ctx := countCtx(t, c.key, c.opts)
		ctx.Validating = true
		if _, err := CountSpec().New(ctx); err == nil || err.Error() != c.msg {
			t.Errorf("key %v opts %v: error %v\nwant %s", c.key, c.opts, err, c.msg)
		}
	}
}

// TestCountDoesNotAllocate: once its keys exist, count allocates nothing
// per event, in every mode.
func TestCountDoesNotAllocate(t *testing.T) {
	batch := make([]event.Event, 256)
	for i := range batch {
		batch[i] = logEvent([]string{"a", "b", "c", "d", "e"}[i%5], int64(i%3))
	}
	for _, mode := range []string{"update", "flush", "interval"} {
		inst := build(t, CountSpec(), countCtx(t, []string{"host", "status"}, map[string]any{"emit": mode}))
		var out component.Output
		process := func() {
			out.Reset()
			if err := inst.Operator.Process(0, batch, &out); err != nil {
				t.Fatal(err)
			}
		}
		process() // creates the keys and warms the output's event slots
		if n := testing.AllocsPerRun(20, process); n != 0 {
			t.Errorf("emit %s: %.1f allocations per batch of %d", mode, n, len(batch))
		}
	}
}

// TestCountKeepsOwnKeyCopies: a group keeps a copy of its key string, not
// the event's, so a short key cut out of a long line does not keep the line
// alive.
func TestCountKeepsOwnKeyCopies(t *testing.T) {
	line := strings.Repeat("x", 4096) + "cdn"
	e := logEvent(line[4096:], 200)
	inst := build(t, CountSpec(), countCtx(t, []string{"host"}, map[string]any{"emit": "flush"}))
	c := inst.Operator.(*counter)
	if err := c.Process(0, []event.Event{e}, &component.Output{}); err != nil {
		t.Fatal(err)
	}
	kept := c.table.key(0)[0].S
	if kept != "cdn" || unsafe.StringData(kept) == unsafe.StringData(e.Fields[0].S) {
		t.Fatalf("group key %q shares the event's memory", kept)
	}
}
