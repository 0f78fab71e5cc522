package ops

import (
	"fmt"
	"hash/maphash"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// keyText identifies a key by the kinds and payloads of its values, as the
// table must: 7 and 7.0 are different keys, as are null and 0.
func keyText(vs ...event.Value) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "%d:%d:%q|", v.Kind, v.N, v.S)
	}
	return b.String()
}

// randomKeyValue returns a key value of any kind (mostly ints), from a
// range of n distinct payloads per kind.
func randomKeyValue(r *rand.Rand, n int) event.Value {
	x := int64(r.IntN(n))
	switch r.IntN(10) {
	case 0:
		return event.Value{}
	case 1:
		return event.FloatValue(float64(x))
	case 2:
		return event.StringValue(fmt.Sprint(x))
	case 3:
		return event.BoolValue(x%2 == 0)
	case 4:
		return event.TimeValue(x)
	case 5:
		return event.IntValue(math.MinInt64 + x)
	}
	return event.IntValue(x)
}

// TestCountMatchesReference: with every key shape (the partition key, one
// int field holding values of every kind, one string field, two fields),
// and enough keys to grow the table several times, each row of emit update
// holds the key of its event, the key's running count and the partition
// hash of the key.
func TestCountMatchesReference(t *testing.T) {
	for _, key := range [][]string{nil, {"status"}, {"host"}, {"status", "host"}} {
		t.Run(strings.Join(key, ","), func(t *testing.T) {
			inst := build(t, CountSpec(), countCtx(t, key, map[string]any{"emit": "update"}))
			r := rand.New(rand.NewPCG(3, 4))
			want := map[string]int64{}
			var out component.Output
			for range 20 {
				batch := make([]event.Event, 512)
				for i := range batch {
					e := logEvent("h"+fmt.Sprint(r.IntN(3000)), 0)
					if r.IntN(5) == 0 {
						e.Fields[0] = randomKeyValue(r, 3000)
					}
					e.Fields[1] = randomKeyValue(r, 3000)
					if r.IntN(20) == 0 {
						e.Fields = e.Fields[:r.IntN(2)] // key fields missing
					}
					e.Key = uint64(r.IntN(3000)) * 0x9e3779b97f4a7c15
					batch[i] = e
				}
				out.Reset()
				if err := inst.Operator.Process(0, batch, &out); err != nil {
					t.Fatal(err)
				}
				rows := out.Events()
				if len(rows) != len(batch) {
					t.Fatalf("%d rows for %d events", len(rows), len(batch))
				}
				for i := range batch {
					e, row := &batch[i], &rows[i]
					var kv []event.Value
					var hash uint64
					if key == nil {
						kv = []event.Value{event.IntValue(int64(e.Key))}
						hash = e.Key
					} else {
						slots := []int{1}
						if len(key) == 2 {
							slots = []int{1, 0}
						}
						if key[0] == "host" {
							slots = []int{0}
						}
						for _, s := range slots {
							kv = append(kv, e.Get(s))
						}
						hash = hashKey(e, slots)
					}
					k := keyText(kv...)
					want[k]++
					if got := keyText(row.Fields[:len(kv)]...); got != k {
						t.Fatalf("row key %s, want %s", got, k)
					}
					if row.Fields[len(kv)] != event.IntValue(want[k]) || row.Key != hash {
						t.Fatalf("key %s: row count %v key %#x, want %d and %#x", k, row.Fields[len(kv)], row.Key, want[k], hash)
					}
				}
			}
			c := inst.Operator.(*counter)
			if len(c.table.groups) != len(want) {
				t.Fatalf("%d groups for %d keys", len(c.table.groups), len(want))
			}
			if len(want) < 1000 || len(c.table.slots)*loadNum < c.table.used*loadDen {
				t.Fatalf("%d keys in %d slots: the test should grow the table past its load limit", len(want), len(c.table.slots))
			}
		})
	}
}

// TestCountRowsOverwriteReusedSlots: rows written into output slots that
// hold old values come out exactly as in fresh slots, also when the
// registered output schema has a field count does not set (from an older
// pipeline), which must then be null.
func TestCountRowsOverwriteReusedSlots(t *testing.T) {
	for _, extra := range []bool{false, true} {
		ctx := countCtx(t, []string{"host"}, map[string]any{"emit": "update"})
		if extra {
			old := event.MustSchema("acme", "per_host", event.Field{Name: "note", Kind: event.String})
			if _, err := ctx.Registry.Register(old); err != nil {
				t.Fatal(err)
			}
		}
		inst := build(t, CountSpec(), ctx)
		in := []event.Event{logEvent("a", 1), logEvent("b", 2), logEvent("a", 3)}
		var out component.Output
		if err := inst.Operator.Process(0, in, &out); err != nil {
			t.Fatal(err)
		}
		fresh := clone(out.Events())
		for i := range out.Events() {
			e := &out.Events()[i]
			e.Key, e.Seq = 99, 99
			for j := range e.Fields {
				e.Fields[j] = event.StringValue("junk")
			}
		}
		again := build(t, CountSpec(), ctx)
		out.Reset()
		if err := again.Operator.Process(0, in, &out); err != nil {
			t.Fatal(err)
		}
		expectBatches(t, fmt.Sprintf("extra field %v", extra), [][]event.Event{out.Events()}, [][]event.Event{fresh})
		if extra {
			note, _ := inst.Schema.Slot("note")
			if len(fresh[0].Fields) != 3 || !fresh[0].Fields[note].IsNull() {
				t.Fatalf("row %v: want 3 fields with note null", fresh[0].Fields)
			}
		}
	}
}

// TestCountTableStringCollisions: a one-field string key whose hash equals
// another key's is told apart by its value.
func TestCountTableStringCollisions(t *testing.T) {
	tbl := newCountTable(1)
	gx := tbl.findString("x")
	// Give x's slot the tag y will have, as if the two hashed alike.
	for i := range tbl.slots {
		if tbl.slots[i].g == gx+1 {
			tbl.slots[i].tag = maphash.String(tbl.seed, "y")
		}
	}
	tbl.resize(len(tbl.slots))
	gy := tbl.findString("y")
	if gy == gx {
		t.Fatal("two strings with one hash share a group")
	}
	if tbl.findString("y") != gy || len(tbl.groups) != 2 {
		t.Fatalf("lookup after a collision: %d groups", len(tbl.groups))
	}
}
