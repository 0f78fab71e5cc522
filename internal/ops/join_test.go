package ops

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// The inputs of most join tests: both have a string key k, so the output
// needs a prefix; the left one has an until field for interval joins.
var (
	joinLefts = event.MustSchema("acme", "lefts",
		event.Field{Name: "k", Kind: event.String},
		event.Field{Name: "lv", Kind: event.Int},
		event.Field{Name: "lt", Kind: event.Time},
		event.Field{Name: "until", Kind: event.Time},
	)
	joinRights = event.MustSchema("acme", "rights",
		event.Field{Name: "k", Kind: event.String},
		event.Field{Name: "rv", Kind: event.Int},
		event.Field{Name: "rt", Kind: event.Time},
	)
)

// newJoinCtx returns the context of join "j" over the given inputs
// (lefts and rights when none), registered in a fresh registry.
func newJoinCtx(t testing.TB, opts map[string]any, inputs ...*event.Schema) *component.Context {
	t.Helper()
	if len(inputs) == 0 {
		inputs = []*event.Schema{joinLefts, joinRights}
	}
	reg := newTestRegistry()
	ctx := &component.Context{Tenant: "acme", Name: "j", Options: component.NewOptions(opts), Parallelism: 1,
		Registry: reg, Now: func() time.Time { return t0 }}
	for _, s := range inputs {
		r, err := reg.Register(s)
		if err != nil {
			t.Fatal(err)
		}
		ctx.Inputs = append(ctx.Inputs, r)
	}
	return ctx
}

// jstep is one step of a join script: an event of one side (key, event
// time in seconds, value, and for left events an optional until in
// seconds) or a watermark (seconds, or "end").
type jstep struct {
	side     int
	key      string // "" is a null key
	at       float64
	v        int64
	until    float64
	hasUntil bool
	wm       string
}

func jl(k string, at float64, v int64) jstep { return jstep{side: leftSide, key: k, at: at, v: v} }
func jr(k string, at float64, v int64) jstep { return jstep{side: rightSide, key: k, at: at, v: v} }
func jwm(at string) jstep                    { return jstep{wm: at} }
func jlu(k string, at float64, v int64, until float64) jstep {
	return jstep{side: leftSide, key: k, at: at, v: v, until: until, hasUntil: true}
}

// event builds the step's event: Created is the value, so that a test can
// tell whose creation time a row carries, and Key is the key's hash, as
// key_by on k would set it.
func (s jstep) event() event.Event {
	k := event.Value{}
	if s.key != "" {
		k = str(s.key)
	}
	e := event.Event{Schema: uint32(s.side + 1), Time: sec(s.at), Created: s.v, Key: k.Hash(0)}
	e.Fields = []event.Value{k, i64(s.v), tm(sec(s.at))}
	if s.side == leftSide {
		u := event.Value{}
		if s.hasUntil {
			u = tm(sec(s.until))
		}
		e.Fields = append(e.Fields, u)
	}
	return e
}

func secs(t int64) string { return strconv.FormatFloat(float64(t-t0.UnixNano())/1e9, 'g', -1, 64) }

// joinRunner plays scripts through one join instance.
type joinRunner struct {
	t      *testing.T
	inst   *component.Instance
	op     component.Operator
	out    component.Output
	lines  []string
	tableT bool // table mode: rows carry the left event's creation time
}

// newJoinRunner builds join "j" over lefts and rights with opts (and
// right_prefix "r_" unless given).
func newJoinRunner(t *testing.T, opts map[string]any) *joinRunner {
	t.Helper()
	if _, ok := opts["right_prefix"]; !ok {
		opts["right_prefix"] = "r_"
	}
	inst := build(t, JoinSpec(), newJoinCtx(t, opts))
	return &joinRunner{t: t, inst: inst, op: inst.Operator, tableT: opts["mode"] == joinTable}
}

// run plays a script and returns one line per row emitted, in order:
// "key Llv@lt Rrv@rt t=time" ("-" for a null side, times in seconds from
// t0) and "late key Llv@lt" or "late key Rrv@rt" for late events.
func (r *joinRunner) run(script []jstep) []string {
	r.t.Helper()
	for _, s := range script {
		if s.wm != "" {
			at := event.MaxWatermark
			if s.wm != "end" {
				f, err := strconv.ParseFloat(s.wm, 64)
				if err != nil {
					r.t.Fatal(err)
				}
				at = sec(f)
			}
			if err := r.op.(component.WatermarkAware).OnWatermark(at, &r.out); err != nil {
				r.t.Fatal(err)
			}
		} else if err := r.op.Process(s.side, []event.Event{s.event()}, &r.out); err != nil {
			r.t.Fatal(err)
		}
		r.collect()
	}
	return r.lines
}

func (r *joinRunner) collect() {
	for _, e := range r.out.Events() {
		r.lines = append(r.lines, r.format(&e, false))
	}
	if len(r.out.Sides()) > 0 {
		for _, e := range r.out.Side(0).Events() {
			r.lines = append(r.lines, r.format(&e, true))
		}
	}
	r.out.Reset()
}

func (r *joinRunner) format(e *event.Event, late bool) string {
	r.t.Helper()
	s := r.inst.Schema
	get := func(name string) event.Value {
		slot, ok := s.Slot(name)
		if !ok {
			r.t.Fatalf("output has no field %q: %v", name, s.Names())
		}
		return e.Get(slot)
	}
	side := func(v, at string) string {
		if get(v).IsNull() {
			return "-"
		}
		return fmt.Sprintf("%d@%s", get(v).Int(), secs(get(at).Int()))
	}
	key := get("k")
	if key.IsNull() {
		key = get("r_k")
	}
	if e.Schema != s.ID || e.Key != key.Hash(0) {
		r.t.Errorf("row %s: schema %d key %x, want %d and the hash of %s", format([][]event.Event{{*e}}), e.Schema, e.Key, s.ID, key)
	}
	if late {
		if get("lv").IsNull() {
			return fmt.Sprintf("late %s R%s", key.S, side("r_rv", "r_rt"))
		}
		return fmt.Sprintf("late %s L%s", key.S, side("lv", "lt"))
	}
	created := max(get("lv").Int(), get("r_rv").Int())
	if r.tableT {
		created = get("lv").Int()
	}
	if e.Created != created {
		r.t.Errorf("row %s: created %d, want %d", format([][]event.Event{{*e}}), e.Created, created)
	}
	return fmt.Sprintf("%s L%s R%s t=%s", key.S, side("lv", "lt"), side("r_rv", "r_rt"), secs(e.Time))
}

// joinCase is one scripted join test.
type joinCase struct {
	name   string
	opts   map[string]any
	script []jstep
	want   []string
}

func runJoinCases(t *testing.T, cases []joinCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := newJoinRunner(t, c.opts).run(c.script)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}

// TestJoinOutputSchema: left fields then right fields, prefixed; a
// registry that already knows the type keeps old slots, and rows still
// land in the right ones.
func TestJoinOutputSchema(t *testing.T) {
	opts := map[string]any{"mode": "table", "left_key": []string{"k"}, "right_key": []string{"k"}, "left_prefix": "l_", "right_prefix": "r_"}
	inst := build(t, JoinSpec(), newJoinCtx(t, opts))
	want := "l_k l_lv l_lt l_until r_k r_rv r_rt"
	if got := strings.Join(inst.Schema.Names(), " "); got != want {
		t.Fatalf("fields %q, want %q", got, want)
	}
	if len(inst.SideSchemas) != 1 || inst.SideSchemas[0] != inst.Schema {
		t.Fatalf("side schemas %v: want the output schema for late", inst.SideSchemas)
	}

	// An earlier version of the pipeline registered "j" with other fields.
	ctx := newJoinCtx(t, opts)
	old, err := ctx.Registry.Register(event.MustSchema("acme", "j", event.Field{Name: "old", Kind: event.Int}, event.Field{Name: "r_rv", Kind: event.Int}))
	if err != nil {
		t.Fatal(err)
	}
	inst = build(t, JoinSpec(), ctx)
	if inst.Schema.ID != old.ID || strings.Join(inst.Schema.Names(), " ") != "old r_rv l_k l_lv l_lt l_until r_k r_rt" {
		t.Fatalf("schema %d %v", inst.Schema.ID, inst.Schema.Names())
	}
	var out component.Output
	op := inst.Operator
	for _, e := range []event.Event{jr("a", 1, 7).event(), jl("a", 2, 3).event()} {
		if err := op.Process(int(e.Schema-1), []event.Event{e}, &out); err != nil {
			t.Fatal(err)
		}
	}
	got := format([][]event.Event{out.Events()})
	wantRow := fmt.Sprintf("batch 0:\n  schema=%d key=%x time=%d created=3 [null:null int:7 string:\"a\" int:3 time:%s null:null string:\"a\" time:%s]\n",
		old.ID, str("a").Hash(0), sec(2), tm(sec(2)), tm(sec(1)))
	if got != wantRow {
		t.Fatalf("got\n%swant\n%s", got, wantRow)
	}
}

func TestJoinOptionErrors(t *testing.T) {
	keys := func(extra map[string]any) map[string]any {
		o := map[string]any{"left_key": []string{"k"}, "right_key": []string{"k"}, "right_prefix": "r_"}
		for k, v := range extra {
			o[k] = v
		}
		return o
	}
	interval := func(extra map[string]any) map[string]any {
		o := keys(map[string]any{"mode": "interval", "upper": time.Second})
		for k, v := range extra {
			o[k] = v
		}
		return o
	}
	cases := []struct {
		name   string
		opts   map[string]any
		inputs []*event.Schema
		key    []string
		par    int
		want   string
	}{
		{"unknown left field", interval(map[string]any{"left_key": []string{"kk"}}), nil, nil, 1,
			`option "left_key[0]": unknown field "kk" (did you mean "k"?)`},
		{"unknown right field", interval(map[string]any{"right_key": []string{"rvv"}}), nil, nil, 1,
			`option "right_key[0]": unknown field "rvv" (did you mean "rv"?)`},
		{"unknown field far from all", interval(map[string]any{"right_key": []string{"seller"}}), nil, nil, 1,
			`option "right_key[0]": unknown field "seller" (fields: k, rv, rt)`},
		{"mismatched key lengths", interval(map[string]any{"left_key": []string{"k", "lv"}}), nil, nil, 1,
			`option "right_key": has 1 fields but left_key has 2; they pair up in order`},
		{"incompatible kinds", interval(map[string]any{"right_key": []string{"rv"}}), nil, nil, 1,
			`option "right_key": field "rv" is int but left_key field "k" is string; joined fields must be of the same kind (or int and float)`},
		{"time against int", interval(map[string]any{"left_key": []string{"lt"}, "right_key": []string{"rv"}}), nil, nil, 1,
			`option "right_key": field "rv" is int but left_key field "lt" is time; joined fields must be of the same kind (or int and float)`},
		{"clash without prefixes", map[string]any{"mode": "table", "left_key": []string{"k"}, "right_key": []string{"k"}}, nil, nil, 1,
			`option "right_prefix": field "k" is in both inputs; set left_prefix or right_prefix to tell them apart (for example right_prefix: "rights_")`},
		{"clash with equal prefixes", keys(map[string]any{"mode": "table", "left_prefix": "x_", "right_prefix": "x_"}), nil, nil, 1,
			`option "right_prefix": output field "x_k" would hold both left field "k" and right field "k"; choose prefixes that tell them apart`},
		{"lower above upper", interval(map[string]any{"lower": 10 * time.Second, "upper": 5 * time.Second}), nil, nil, 1,
			`option "lower": lower 10s is greater than upper 5s`},
		{"interval without bound", keys(map[string]any{"mode": "interval"}), nil, nil, 1,
			`option "upper": an interval join needs "upper" or "until"`},
		{"until unknown", interval(map[string]any{"until": "untl"}), nil, nil, 1,
			`option "until": unknown field "untl" (did you mean "until"?)`},
		{"until not a time", interval(map[string]any{"until": "lv"}), nil, nil, 1,
			`option "until": field "lv" is int; it must be a time field`},
		{"window kind missing", keys(map[string]any{"mode": "window", "size": time.Minute}), nil, nil, 1,
			`option "window": a window join needs "window": tumbling or hopping`},
		{"session windows", keys(map[string]any{"mode": "window", "window": "session"}), nil, nil, 1,
			`option "window": unknown window "session" for a join (want tumbling or hopping)`},
		{"tumbling without size", keys(map[string]any{"mode": "window", "window": "tumbling"}), nil, nil, 1,
			`option "size": a tumbling window needs a positive "size"`},
		{"hopping slide", keys(map[string]any{"mode": "window", "window": "hopping", "size": time.Minute, "slide": 7 * time.Second}), nil, nil, 1,
			`option "slide": size 1m0s is not a multiple of slide 7s`},
		{"upper in a window join", keys(map[string]any{"mode": "window", "window": "tumbling", "size": time.Minute, "upper": time.Second}), nil, nil, 1,
			`option "upper": "upper" is not used by window joins`},
		{"outer in an interval join", interval(map[string]any{"outer": true}), nil, nil, 1,
			`option "outer": "outer" is not used by interval joins`},
		{"size in a table join", keys(map[string]any{"mode": "table", "size": time.Minute}), nil, nil, 1,
			`option "size": "size" is not used by table joins`},
		{"lateness in a table join", keys(map[string]any{"mode": "table", "allowed_lateness": time.Minute}), nil, nil, 1,
			`option "allowed_lateness": "allowed_lateness" is not used by table joins`},
		{"negative lateness", interval(map[string]any{"allowed_lateness": -time.Second}), nil, nil, 1,
			`option "allowed_lateness": must not be negative, got -1s`},
		{"unknown mode", keys(map[string]any{"mode": "cross"}), nil, nil, 1,
			`option "mode": unknown mode "cross" (want window, interval or table)`},
		{"no key fields", interval(map[string]any{"left_key": []string{}}), nil, nil, 1,
			`option "left_key": needs at least one field`},
		{"own key differs", interval(nil), nil, []string{"lv"}, 1,
			`option "key": a join's own key ["lv"] partitions both inputs by those field names, so it must equal left_key ["k"] and right_key ["k"]; leave key unset and key_by each input on its join fields upstream instead`},
		{"one input", interval(nil), []*event.Schema{joinLefts}, nil, 1,
			`needs exactly 2 inputs (left, right), got 1`},
		{"three inputs", interval(nil), []*event.Schema{joinLefts, joinRights, joinRights}, nil, 1,
			`needs exactly 2 inputs (left, right), got 3`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := newJoinCtx(t, c.opts, c.inputs...)
			ctx.Key, ctx.Parallelism = c.key, c.par
			_, err := JoinSpec().New(ctx)
			if err == nil || err.Error() != c.want {
				t.Fatalf("error:\n  %v\nwant:\n  %s", err, c.want)
			}
		})
	}
}

// TestJoinPartitionCheck: parallel instances without a key of their own
// refuse events whose Event.Key is not the hash of their join fields, and
// accept those key_by set.
func TestJoinPartitionCheck(t *testing.T) {
	for _, mode := range []map[string]any{
		{"mode": "table"},
		{"mode": "interval", "upper": time.Second},
		{"mode": "window", "window": "tumbling", "size": time.Second},
	} {
		t.Run(mode["mode"].(string), func(t *testing.T) {
			mode["left_key"], mode["right_key"], mode["right_prefix"] = []string{"k"}, []string{"k"}, "r_"
			ctx := newJoinCtx(t, mode)
			ctx.Parallelism = 2
			op := build(t, JoinSpec(), ctx).Operator
			var out component.Output
			good := jr("a", 1, 1).event()
			if err := op.Process(rightSide, []event.Event{good}, &out); err != nil {
				t.Fatalf("event keyed by key_by: %v", err)
			}
			bad := jl("a", 1, 1).event()
			bad.Key = 0
			err := op.Process(leftSide, []event.Event{bad}, &out)
			want := `the left input is not partitioned by left_key ["k"] (an event's key is not their hash): with parallelism 2, key_by each input on its join fields upstream`
			if err == nil || err.Error() != want {
				t.Fatalf("unkeyed event: error %v, want %s", err, want)
			}
		})
	}
}

// TestJoinDoesNotAllocate: once the state has grown to its working size,
// streaming events through a join of any mode allocates nothing: rows are
// reused, windows are recycled, output slots keep their fields.
func TestJoinDoesNotAllocate(t *testing.T) {
	for _, opts := range []map[string]any{
		{"mode": "window", "window": "tumbling", "size": 100 * time.Millisecond},
		{"mode": "window", "window": "hopping", "size": 100 * time.Millisecond, "slide": 50 * time.Millisecond},
		{"mode": "interval", "lower": -50 * time.Millisecond, "upper": 50 * time.Millisecond},
		{"mode": "table", "outer": true},
	} {
		t.Run(fmt.Sprint(opts), func(t *testing.T) {
			opts["left_key"], opts["right_key"], opts["right_prefix"] = []string{"k"}, []string{"k"}, "r_"
			op := build(t, JoinSpec(), newJoinCtx(t, opts, benchLefts, benchRights)).Operator
			wa, _ := op.(component.WatermarkAware)
			// 100 events per side and batch, each key once per side every 100ms.
			const size, gap = 100, int64(100 * time.Microsecond)
			cycle := joinBatches(joinBenchCycle*size, size, gap)
			var out component.Output
			n, rows := 0, 0
			step := func() {
				batches := cycle[n%joinBenchCycle]
				n++
				out.Reset()
				for side := range batches {
					if err := op.Process(side, batches[side], &out); err != nil {
						t.Fatal(err)
					}
				}
				if wa != nil {
					if err := wa.OnWatermark(batches[leftSide][size-1].Time, &out); err != nil {
						t.Fatal(err)
					}
				}
				rows += out.Len()
				advance(batches, gap)
			}
			for range 10 * joinBenchCycle {
				step()
			}
			if allocs := testing.AllocsPerRun(2*joinBenchCycle, step); allocs != 0 {
				t.Errorf("%.1f allocations per pair of batches of %d events", allocs, size)
			}
			if rows == 0 {
				t.Fatal("no output")
			}
		})
	}
}

// TestJoinCountsSkippedEvents: events that can match nothing (a null key;
// in interval mode also a null until) are counted, not stored.
func TestJoinCountsSkippedEvents(t *testing.T) {
	script := []jstep{jl("", 1, 1), jr("", 2, 2), jlu("a", 3, 3, 2), jl("a", 3, 4), jr("a", 4, 5)}
	for _, c := range []struct {
		opts    map[string]any
		skipped int64
		stored  int
	}{
		{windowJoinOpts(nil), 2, 3},
		{intervalJoinOpts(map[string]any{"until": "until"}), 4, 1}, // until before the time, null until
		{tableJoinOpts(nil), 1, 1},                                 // the right row with a null key
	} {
		t.Run(c.opts["mode"].(string), func(t *testing.T) {
			r := newJoinRunner(t, c.opts)
			r.run(script)
			var skipped int64
			var stored int
			switch op := r.op.(type) {
			case *windowJoin:
				skipped, stored = op.skipped, op.stored()[leftSide]+op.stored()[rightSide]
			case *intervalJoin:
				skipped, stored = op.skipped, op.stored()[leftSide]+op.stored()[rightSide]
			case *tableJoin:
				skipped, stored = op.skipped, op.stored()
			}
			if skipped != c.skipped || stored != c.stored {
				t.Fatalf("skipped %d, stored %d; want %d and %d", skipped, stored, c.skipped, c.stored)
			}
		})
	}
}
