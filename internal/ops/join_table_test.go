package ops

import (
	"fmt"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

func tableJoinOpts(extra map[string]any) map[string]any {
	o := map[string]any{"mode": "table", "left_key": []string{"k"}, "right_key": []string{"k"}}
	for k, v := range extra {
		o[k] = v
	}
	return o
}

func TestTableJoinScripts(t *testing.T) {
	script := []jstep{
		jr("a", 1, 1), jl("a", 2, 2), jr("a", 3, 3), jl("a", 4, 4), jl("b", 5, 5), jr("b", 6, 6), jl("b", 7, 7),
		jl("", 8, 8), jr("", 9, 9), jr("c", 100, 10), jl("c", 50, 11),
	}
	runJoinCases(t, []joinCase{
		{"each left event meets its key's latest right row", tableJoinOpts(nil), script,
			[]string{"a L2@2 R1@1 t=2", "a L4@4 R3@3 t=4", "b L7@7 R6@6 t=7", "c L11@50 R10@100 t=50"}},
		{"outer: left events without a row get null right fields", tableJoinOpts(map[string]any{"outer": true}), script,
			[]string{"a L2@2 R1@1 t=2", "a L4@4 R3@3 t=4", "b L5@5 R- t=5", "b L7@7 R6@6 t=7", " L8@8 R- t=8", "c L11@50 R10@100 t=50"}},
	})
}

// TestTableJoinStateIsOneRowPerKey: upserts replace rows; the table holds
// one row per key however many updates arrive.
func TestTableJoinStateIsOneRowPerKey(t *testing.T) {
	r := newJoinRunner(t, tableJoinOpts(nil))
	for i := range 5000 {
		r.run([]jstep{jr(fmt.Sprintf("k%d", i%37), float64(i), int64(i))})
	}
	if n := r.op.(*tableJoin).stored(); n != 37 {
		t.Fatalf("%d rows, want 37", n)
	}
	got := r.run([]jstep{jl("k5", 0, 1)})
	if want := "k5 L1@0 R4963@4963 t=0"; len(got) != 1 || got[0] != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestJoinIntAgainstFloat: an int key meets an equal float key in every
// mode, and rows carry the key_by hash of the left (int) values.
func TestJoinIntAgainstFloat(t *testing.T) {
	lefts := event.MustSchema("acme", "lefts", event.Field{Name: "id", Kind: event.Int})
	rights := event.MustSchema("acme", "rights", event.Field{Name: "fid", Kind: event.Float})
	for _, c := range []struct {
		opts map[string]any
		time int64
	}{
		{map[string]any{"mode": "table"}, 5},
		{map[string]any{"mode": "interval", "upper": time.Second}, 6},
		{map[string]any{"mode": "window", "window": "tumbling", "size": time.Second}, int64(time.Second) - 1},
	} {
		t.Run(c.opts["mode"].(string), func(t *testing.T) {
			c.opts["left_key"], c.opts["right_key"] = []string{"id"}, []string{"fid"}
			op, schema := joinOp(t, c.opts, lefts, rights)
			var out component.Output
			rs := []event.Event{{Schema: 2, Time: 6, Fields: []event.Value{f64(7.5)}}, {Schema: 2, Time: 6, Fields: []event.Value{f64(7)}}}
			ls := []event.Event{{Schema: 1, Time: 5, Fields: []event.Value{i64(7)}}, {Schema: 1, Time: 5, Fields: []event.Value{i64(8)}}}
			if err := op.Process(rightSide, rs, &out); err != nil {
				t.Fatal(err)
			}
			if err := op.Process(leftSide, ls, &out); err != nil {
				t.Fatal(err)
			}
			if w, ok := op.(component.WatermarkAware); ok {
				if err := w.OnWatermark(event.MaxWatermark, &out); err != nil {
					t.Fatal(err)
				}
			}
			got := format([][]event.Event{out.Events()})
			want := fmt.Sprintf("batch 0:\n  schema=%d key=%x time=%d created=0 [int:7 float:7]\n", schema.ID, i64(7).Hash(0), c.time)
			if got != want {
				t.Fatalf("got\n%swant\n%s", got, want)
			}
		})
	}
}

// joinOp builds a join over the given inputs and returns its operator and
// output schema.
func joinOp(t *testing.T, opts map[string]any, inputs ...*event.Schema) (component.Operator, *event.Schema) {
	t.Helper()
	inst := build(t, JoinSpec(), newJoinCtx(t, opts, inputs...))
	return inst.Operator, inst.Schema
}
