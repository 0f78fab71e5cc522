package ops

import (
	"errors"
	"testing"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/expr"
)

// fieldsOf lists a schema's fields as "name:kind".
func fieldsOf(s *event.Schema) []string {
	var out []string
	for _, f := range s.Fields {
		out = append(out, f.Name+":"+f.Kind.String())
	}
	return out
}

func TestMapSchema(t *testing.T) {
	ctx := newCtx(t, "enrich", map[string]any{
		"fields": map[string]string{"slow": "latency > 100", "bits": "bytes * 8", "status": "string(status)"},
		"drop":   []string{"path", "ok"},
	})
	inst := build(t, MapSpec(), ctx)
	got := fieldsOf(inst.Schema)
	want := []string{"host:string", "status:string", "bytes:int", "latency:float", "ts:time", "bits:int", "slow:bool"}
	if len(got) != len(want) {
		t.Fatalf("output fields %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("output fields %v, want %v", got, want)
		}
	}
	if inst.Schema.ID == 0 || inst.Schema.Name != "enrich" || inst.Schema.Tenant != "acme" {
		t.Fatalf("output schema %+v is not registered as acme/enrich", inst.Schema)
	}
	if ctx.Registry.Schema(inst.Schema.ID) != inst.Schema {
		t.Fatal("Instance.Schema is not the registered schema")
	}
}

func TestMap(t *testing.T) {
	const out = 2 // the output schema's ID: logs is 1 in every test registry
	cases := []struct {
		name     string
		opts     map[string]any
		in, want [][]event.Event
	}{
		{
			name: "replace and add",
			opts: map[string]any{"fields": map[string]string{"kb": "bytes / 1000", "host": "upper(host)"}},
			in: [][]event.Event{
				{logEvent("cdn", 200, i64(1500)), logEvent("edge", 404, i64(2))},
				{logEvent("x", 1)}, // bytes missing: kb is null
			},
			want: [][]event.Event{
				{
					{Schema: out, Time: 200, Created: 1200, Fields: []event.Value{str("CDN"), i64(200), i64(1500), nullV, nullV, nullV, nullV, f64(1.5)}},
					{Schema: out, Time: 404, Created: 1404, Fields: []event.Value{str("EDGE"), i64(404), i64(2), nullV, nullV, nullV, nullV, f64(0.002)}},
				},
				{{Schema: out, Time: 1, Created: 1001, Fields: []event.Value{str("X"), i64(1), nullV, nullV, nullV, nullV, nullV, nullV}}},
			},
		},
		{
			name: "expressions read the input event",
			opts: map[string]any{"fields": map[string]string{"status": "bytes", "bytes": "status"}},
			in:   [][]event.Event{{logEvent("a", 200, i64(7))}},
			want: [][]event.Event{{{Schema: out, Time: 200, Created: 1200, Fields: []event.Value{str("a"), i64(7), i64(200), nullV, nullV, nullV, nullV}}}},
		},
		{
			name: "drop moves slots",
			opts: map[string]any{
				"fields": map[string]string{"ok": "status < 400", "code": "string(status)"},
				"drop":   []string{"host", "bytes", "path"},
			},
			in: [][]event.Event{{
				logEvent("a", 200, i64(7), f64(1.5), boolV(false), tm(9), str("/p")),
				logEvent("b", 500),
			}},
			want: [][]event.Event{{
				{Schema: out, Time: 200, Created: 1200, Fields: []event.Value{i64(200), f64(1.5), boolV(true), tm(9), str("200")}},
				{Schema: out, Time: 500, Created: 1500, Fields: []event.Value{i64(500), nullV, boolV(false), nullV, str("500")}},
			}},
		},
		{
			name: "time moves the event",
			opts: map[string]any{"fields": map[string]string{"kb": "bytes"}, "time": "ts + 5"},
			in:   [][]event.Event{{logEvent("a", 200, i64(7), nullV, nullV, tm(9)), logEvent("b", 300)}},
			want: [][]event.Event{{
				{Schema: out, Time: 14, Created: 1200, Fields: []event.Value{str("a"), i64(200), i64(7), nullV, nullV, tm(9), nullV, i64(7)}},
				{Schema: out, Time: 300, Created: 1300, Fields: []event.Value{str("b"), i64(300), nullV, nullV, nullV, nullV, nullV, nullV}},
			}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := newCtx(t, "m", c.opts)
			want := append(c.want, nil)
			expectBatches(t, "Process", runProcess(t, build(t, MapSpec(), ctx).Operator, c.in), want)
			ctx = newCtx(t, "m", c.opts)
			expectBatches(t, "Apply", runApply(t, build(t, MapSpec(), ctx).Operator, c.in), want)
		})
	}
}

// TestMapRegisteredLayout: when the registry already holds the output type
// with another layout (an earlier version of the pipeline), fields go to
// their registered slots and the fields the map no longer makes are null.
func TestMapRegisteredLayout(t *testing.T) {
	ctx := newCtx(t, "m", map[string]any{"fields": map[string]string{"kb": "bytes / 1000"}})
	old := event.MustSchema("acme", "m",
		event.Field{Name: "legacy", Kind: event.String},
		event.Field{Name: "kb", Kind: event.Float},
		event.Field{Name: "host", Kind: event.String},
	)
	if _, err := ctx.Registry.Register(old); err != nil {
		t.Fatal(err)
	}
	inst := build(t, MapSpec(), ctx)
	want := []string{"legacy:string", "kb:float", "host:string", "status:int", "bytes:int", "latency:float", "ok:bool", "ts:time", "path:string"}
	if got := fieldsOf(inst.Schema); len(got) != len(want) || got[0] != want[0] || got[8] != want[8] {
		t.Fatalf("output fields %v, want %v", got, want)
	}
	in := [][]event.Event{{logEvent("cdn", 200, i64(3000), f64(1), boolV(true), tm(5), str("/x"))}}
	row := event.Event{Schema: 2, Time: 200, Created: 1200, Fields: []event.Value{
		nullV, f64(3), str("cdn"), i64(200), i64(3000), f64(1), boolV(true), tm(5), str("/x"),
	}}
	want2 := [][]event.Event{{row}, nil}
	expectBatches(t, "Process", runProcess(t, inst.Operator, in), want2)
	expectBatches(t, "Apply", runApply(t, inst.Operator, in), want2)

	// A field registered with another kind cannot be produced.
	ctx2 := newCtx(t, "m", map[string]any{"fields": map[string]string{"kb": "string(bytes)"}})
	if _, err := ctx2.Registry.Register(old); err != nil {
		t.Fatal(err)
	}
	_, err := MapSpec().New(ctx2)
	if err == nil || err.Error() != `cannot register the output schema "m": field "kb" is string, already registered as float` {
		t.Fatalf("error %v", err)
	}
}

// TestMapLaterInputFields: events of a later, extended version of the input
// type carry fields the map was not built for; they do not leak into the
// output's slots (here a registered slot the map does not fill).
func TestMapLaterInputFields(t *testing.T) {
	opts := map[string]any{"fields": map[string]string{"n": "1"}}
	in := [][]event.Event{{{Schema: 1, Fields: []event.Value{
		str("a"), i64(1), i64(2), f64(3), boolV(true), tm(4), str("/"), str("extra field"), str("another"),
	}}}}
	want := [][]event.Event{{{Schema: 2, Fields: []event.Value{
		str("a"), i64(1), i64(2), f64(3), boolV(true), tm(4), str("/"), i64(1), nullV,
	}}}, nil}
	for _, how := range []string{"Process", "Apply"} {
		ctx := newCtx(t, "m", opts)
		// An earlier version of the map made one more field.
		earlier, err := logs.Extend(event.Field{Name: "n", Kind: event.Int}, event.Field{Name: "legacy", Kind: event.String})
		if err != nil {
			t.Fatal(err)
		}
		earlier.Name = "m"
		if _, err := ctx.Registry.Register(earlier); err != nil {
			t.Fatal(err)
		}
		op := build(t, MapSpec(), ctx).Operator
		if how == "Process" {
			expectBatches(t, how, runProcess(t, op, in), want)
		} else {
			expectBatches(t, how, runApply(t, op, in), want)
		}
	}
}

func TestMapOptionErrors(t *testing.T) {
	cases := []struct {
		name string
		opts map[string]any
		msg  string
	}{
		{"unknown field", map[string]any{"fields": map[string]string{"kb": "byts / 1000"}},
			`option "fields.kb": unknown field "byts" (did you mean "bytes"?)`},
		{"type error", map[string]any{"fields": map[string]string{"x": `host + 1`}},
			`option "fields.x": operator "+" not defined on string field "host" and int 1`},
		{"always nil", map[string]any{"fields": map[string]string{"x": `nil`}},
			`option "fields.x": expression is always nil, so its kind is unknown`},
		{"no fields", map[string]any{"fields": map[string]string{}},
			`option "fields": needs at least one field`},
		{"empty name", map[string]any{"fields": map[string]string{"": "1"}},
			`option "fields": a field has an empty name`},
		{"unknown drop", map[string]any{"fields": map[string]string{"x": "1"}, "drop": []string{"pth"}},
			`option "drop[0]": unknown field "pth" (did you mean "path"?)`},
		{"drop and set", map[string]any{"fields": map[string]string{"path": "1"}, "drop": []string{"path"}},
			`option "drop[0]": field "path" is both dropped and set in fields`},
		{"time of another kind", map[string]any{"fields": map[string]string{"x": "1"}, "time": "bytes"},
			`option "time": expression must be time, got int`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := newCtx(t, "m", c.opts)
			ctx.Validating = true
			_, err := MapSpec().New(ctx)
			if err == nil || err.Error() != c.msg {
				t.Fatalf("error %v\nwant   %s", err, c.msg)
			}
			var oe *component.OptionError
			if !errors.As(err, &oe) {
				t.Fatalf("error %T is not an OptionError", err)
			}
		})
	}
	// The expression's column survives wrapping, at the entry's path.
	_, err := MapSpec().New(newCtx(t, "m", map[string]any{"fields": map[string]string{"kb": "bytes / zz"}}))
	var ee *expr.Error
	var oe *component.OptionError
	if !errors.As(err, &ee) || ee.Col != 9 || !errors.As(err, &oe) || oe.Path.String() != "fields.kb" {
		t.Fatalf("error %v: want an OptionError at fields.kb wrapping an *expr.Error at column 9", err)
	}
}

func TestMapDoesNotAllocate(t *testing.T) {
	for _, drop := range [][]string{nil, {"path"}} {
		inst := build(t, MapSpec(), newCtx(t, "m", map[string]any{
			"fields": map[string]string{"bits": "bytes * 8", "slow": "latency > 100.0", "host": "lower(host)"},
			"drop":   drop,
		}))
		batch := make([]event.Event, 256)
		for i := range batch {
			batch[i] = logEvent("cdn", 200, i64(int64(i)), f64(float64(i)), boolV(true), tm(1), str("/"))
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
			t.Errorf("drop %v: Process: %.1f allocations per batch of %d", drop, n, len(batch))
		}
		// Apply rewrites its batch, so each run starts from a fresh copy of
		// the input (CopyFrom reuses the arrays, as ring slots do).
		ip := inst.Operator.(component.InPlace)
		work := clone(batch)
		apply := func() {
			for i := range work {
				work[i].CopyFrom(&batch[i])
			}
			if _, err := ip.Apply(work); err != nil {
				t.Fatal(err)
			}
		}
		apply() // the first rewrite may grow the events' arrays
		if n := testing.AllocsPerRun(20, apply); n != 0 {
			t.Errorf("drop %v: Apply: %.1f allocations per batch of %d", drop, n, len(batch))
		}
	}
}
