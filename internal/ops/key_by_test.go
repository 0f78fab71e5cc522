package ops

import (
	"testing"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// keyed returns e with Key set as key_by over host and status sets it.
func keyed(e event.Event) event.Event {
	e.Key = e.Get(1).Hash(e.Get(0).Hash(0))
	return e
}

func TestKeyBy(t *testing.T) {
	in := [][]event.Event{
		{logEvent("cdn", 200), logEvent("cdn", 500), logEvent("cdn", 200)},
		{{Schema: 1, Fields: []event.Value{str("cdn")}}}, // status missing: hashed as null
	}
	want := [][]event.Event{
		{keyed(logEvent("cdn", 200)), keyed(logEvent("cdn", 500)), keyed(logEvent("cdn", 200))},
		{keyed(event.Event{Schema: 1, Fields: []event.Value{str("cdn")}})},
		nil,
	}
	ctx := newCtx(t, "k", map[string]any{"key": []string{"host", "status"}})
	inst := build(t, KeyBySpec(), ctx)
	if inst.Schema != ctx.Inputs[0] {
		t.Fatal("key_by's output schema is not its input's")
	}
	got := runProcess(t, inst.Operator, in)
	expectBatches(t, "Process", got, want)
	expectBatches(t, "Apply", runApply(t, inst.Operator, in), want)

	if got[0][0].Key != got[0][2].Key || got[0][0].Key == got[0][1].Key {
		t.Fatal("equal key values must give equal keys, different ones different keys")
	}
	nullKey := event.Value{}.Hash(str("cdn").Hash(0))
	if got[1][0].Key != nullKey {
		t.Fatalf("missing field hashed to %x, want the hash of null %x", got[1][0].Key, nullKey)
	}
}

// TestKeyByOrder: the key depends on the order of the key fields.
func TestKeyByOrder(t *testing.T) {
	e := []event.Event{logEvent("cdn", 200)}
	a := build(t, KeyBySpec(), newCtx(t, "k", map[string]any{"key": []string{"host", "status"}}))
	b := build(t, KeyBySpec(), newCtx(t, "k", map[string]any{"key": []string{"status", "host"}}))
	ka, _ := a.Operator.(component.InPlace).Apply(clone(e))
	kb, _ := b.Operator.(component.InPlace).Apply(clone(e))
	if ka[0].Key == kb[0].Key {
		t.Fatal("key [host, status] and [status, host] gave the same key")
	}
}

func TestKeyByOptionErrors(t *testing.T) {
	cases := []struct {
		key []string
		msg string
	}{
		{[]string{"hots"}, `option "key[0]": unknown field "hots" (did you mean "host"?)`},
		{[]string{"host", "qqqq"}, `option "key[1]": unknown field "qqqq" (fields: host, status, bytes, latency, ok, ts, path)`},
		{[]string{"host", "host"}, `option "key[1]": field "host" is listed twice`},
		{nil, `option "key": needs at least one field`},
	}
	for _, c := range cases {
		ctx := newCtx(t, "k", map[string]any{"key": c.key})
		ctx.Validating = true
		if _, err := KeyBySpec().New(ctx); err == nil || err.Error() != c.msg {
			t.Errorf("key %v: error %v\nwant %s", c.key, err, c.msg)
		}
	}
}

func TestKeyByDoesNotAllocate(t *testing.T) {
	inst := build(t, KeyBySpec(), newCtx(t, "k", map[string]any{"key": []string{"host", "path"}}))
	batch := make([]event.Event, 256)
	for i := range batch {
		batch[i] = logEvent("cdn", int64(i), i64(1), f64(1), boolV(true), tm(1), str("/a/b/c"))
	}
	var out component.Output
	process := func() {
		out.Reset()
		if err := inst.Operator.Process(0, batch, &out); err != nil {
			t.Fatal(err)
		}
	}
	process()
	if n := testing.AllocsPerRun(20, process); n != 0 {
		t.Errorf("Process: %.1f allocations per batch", n)
	}
	ip := inst.Operator.(component.InPlace)
	if n := testing.AllocsPerRun(20, func() { ip.Apply(batch) }); n != 0 {
		t.Errorf("Apply: %.1f allocations per batch", n)
	}
}

// TestKeyBySkipsAnUnreadKey: told that the next stage does not read
// Event.Key, key_by passes its events on as they are, in place and through
// Process; a count or aggregate reads the key only without key fields.
func TestKeyBySkipsAnUnreadKey(t *testing.T) {
	in := [][]event.Event{{logEvent("cdn", 200), logEvent("cdn", 500)}}
	ctx := newCtx(t, "k", map[string]any{"key": []string{"host", "status"}})
	inst := build(t, KeyBySpec(), ctx)
	inst.Operator.(component.KeySetter).SkipKey()
	expectBatches(t, "Process", runProcess(t, inst.Operator, in), append(in, nil))
	expectBatches(t, "Apply", runApply(t, inst.Operator, in), append(in, nil))

	aggs := map[string]any{"aggregates": aggOpts}
	for _, c := range []struct {
		spec *component.Spec
		ctx  *component.Context
		want bool
	}{
		{CountSpec(), countCtx(t, []string{"host"}, nil), false},
		{CountSpec(), countCtx(t, nil, nil), true},
		{AggregateSpec(), aggCtx(t, []string{"host"}, aggs), false},
		{AggregateSpec(), aggCtx(t, nil, aggs), true},
	} {
		op := build(t, c.spec, c.ctx).Operator
		if got := op.(component.KeyReader).ReadsKey(); got != c.want {
			t.Errorf("%s with key %v: ReadsKey %v, want %v", c.spec.Type, c.ctx.Key, got, c.want)
		}
	}
}
