package connect

import (
	"testing"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// sequenceSource builds a sequence generator of count events; with
// otherLayout, the registry already holds a "sequence" schema with an extra
// field and the fields in another order.
func sequenceSource(t testing.TB, keys, count int64, otherLayout bool) *component.Instance {
	ctx := &component.Context{Tenant: "acme", Name: "gen", Registry: newTestRegistry(), Parallelism: 1,
		Options: component.NewOptions(map[string]any{"profile": profileSequence, "keys": keys, "count": count, "seed": int64(3)})}
	if otherLayout {
		pre := event.MustSchema("acme", "sequence",
			event.Field{Name: "note", Kind: event.String},
			event.Field{Name: "ts", Kind: event.Time},
			event.Field{Name: "value", Kind: event.Int})
		if _, err := ctx.Registry.Register(pre); err != nil {
			t.Fatal(err)
		}
	}
	inst, err := generateSpec().New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// TestSequenceKeysAcrossBatches: key is id % keys for every event, whatever
// the batch sizes (the key runs as a counter across batches), and the
// events are the same, field by field, in the declared layout and in a
// registered layout with other slots.
func TestSequenceKeysAcrossBatches(t *testing.T) {
	const n = 200
	direct := sequenceSource(t, 7, n, false)
	other := sequenceSource(t, 7, n, true)
	a, _ := readAll(t, direct.Source, 5, n)
	b, _ := readAll(t, other.Source, 13, n)
	if len(a) != n || len(b) != n {
		t.Fatalf("read %d and %d events, want %d", len(a), len(b), n)
	}
	for i := range a {
		for _, name := range []string{"id", "key", "value", "ts"} {
			va, vb := field(t, direct.Schema, &a[i], name), field(t, other.Schema, &b[i], name)
			if va != vb {
				t.Fatalf("event %d: %s = %v in the declared layout, %v in the other", i, name, va, vb)
			}
		}
		if id, key := field(t, direct.Schema, &a[i], "id"), field(t, direct.Schema, &a[i], "key"); id != event.IntValue(int64(i)) || key != event.IntValue(int64(i%7)) {
			t.Fatalf("event %d: id %v key %v", i, id, key)
		}
		if ts := field(t, direct.Schema, &a[i], "ts"); ts != event.TimeValue(a[i].Time) {
			t.Fatalf("event %d: ts %v, event time %d", i, ts, a[i].Time)
		}
		if note := field(t, other.Schema, &b[i], "note"); !note.IsNull() || len(b[i].Fields) != 5 {
			t.Fatalf("event %d in the other layout: %v", i, b[i].Fields)
		}
	}
}

// TestSequenceClearsReusedSlots: an output slot holding an older event's
// values (an in-place transform may have written into it) gets exactly the
// sequence's values.
func TestSequenceClearsReusedSlots(t *testing.T) {
	for _, otherLayout := range []bool{false, true} {
		inst := sequenceSource(t, 5, 0, otherLayout)
		var out component.Output
		if _, err := inst.Source.Read(&out, 4); err != nil {
			t.Fatal(err)
		}
		for i := range out.Events() {
			e := &out.Events()[i]
			e.Fields = append(e.Fields, event.StringValue("added"))
			for j := range e.Fields {
				e.Fields[j] = event.StringValue("junk")
			}
		}
		out.Reset()
		if _, err := inst.Source.Read(&out, 4); err != nil {
			t.Fatal(err)
		}
		for i, e := range out.Events() {
			if len(e.Fields) != inst.Schema.Width() {
				t.Fatalf("layout %v, event %d: %d fields, want %d", otherLayout, i, len(e.Fields), inst.Schema.Width())
			}
			for j, v := range e.Fields {
				if name := inst.Schema.Fields[j].Name; (name == "note") != v.IsNull() || v.Kind == event.String {
					t.Fatalf("layout %v, event %d: %s = %v", otherLayout, i, name, v)
				}
			}
			if k := field(t, inst.Schema, &e, "key"); k != event.IntValue(int64(4+i)%5) {
				t.Fatalf("layout %v, event %d: key %v", otherLayout, 4+i, k)
			}
		}
	}
}
