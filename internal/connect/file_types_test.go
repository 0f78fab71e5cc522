package connect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/registry"
)

const typedLines = `{"user":"u1","type":"view","page":"/home","ms":1200}
{"user":"u2","type":"buy","item":"sku-1","amount":19.99,"tags":["a","b"]}
{"user":"u3"}
{"user":"u1","type":"view","page":"/docs","ms":40,"ref":"/home"}
{"user":"u4","type":"buy","item":"sku-2","amount":5}
{"user":"u5","type":"view","page":"/x","ms":"slow"}
{"user":"u6","type":"view","page":"/y","ms":7}
`

// newTypedSource builds a file source over content with the real
// registry, reading declared fields user and type.
func newTypedSource(t *testing.T, content string, opts map[string]any) (*component.Instance, *registry.Registry, *rejects) {
	return newTypedSourceIn(t, registry.New(), content, opts)
}

func newTypedSourceIn(t *testing.T, reg *registry.Registry, content string, opts map[string]any) (*component.Instance, *registry.Registry, *rejects) {
	t.Helper()
	o := map[string]any{"path": "events.jsonl", "schema": map[string]string{"user": "string", "type": "string"}}
	for k, v := range opts {
		o[k] = v
	}
	ctx, _ := newCtx(t, "events", o)
	ctx.Registry = reg
	rj := &rejects{}
	ctx.Reject = rj.add
	if err := os.WriteFile(filepath.Join(ctx.Dir, "events.jsonl"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return mustNew(t, fileSourceSpec(), ctx), reg, rj
}

// TestFileSourceRegistersTypesAtRunTime: each type_field value seen for the
// first time registers its own type while the source runs, the declared
// fields in their declared slots; undeclared keys become fields of the
// line's type with the kind of their first value.
func TestFileSourceRegistersTypesAtRunTime(t *testing.T) {
	inst, reg, rj := newTypedSource(t, typedLines, map[string]any{"type_field": "type", "extra_fields": "keep"})
	defer inst.Source.Close()
	before := reg.Len()
	events, _ := readAll(t, inst.Source, 100, 3)
	if len(events) != 6 || len(rj.msgs) != 1 {
		t.Fatalf("%d events, rejects %v; want 6 and 1", len(events), rj.msgs)
	}
	if want := `events.jsonl:6: field "ms": expected int, got "slow"`; rj.msgs[0] != want {
		t.Errorf("reject %q, want %q", rj.msgs[0], want)
	}
	if got := reg.Len() - before; got != 2 {
		t.Errorf("%d types registered while reading, want 2 (view, buy)", got)
	}
	view, buy := reg.Lookup("acme", "events:view"), reg.Lookup("acme", "events:buy")
	if view == nil || buy == nil {
		t.Fatalf("types not registered: view %v, buy %v", view, buy)
	}
	kinds := func(s *event.Schema) string {
		var b []string
		for _, f := range s.Fields {
			b = append(b, f.Name+":"+f.Kind.String())
		}
		return strings.Join(b, ",")
	}
	if got := kinds(view); got != "type:string,user:string,page:string,ms:int,ref:string" {
		t.Errorf("view fields %s", got)
	}
	if got := kinds(buy); got != "type:string,user:string,item:string,amount:float,tags:string" {
		t.Errorf("buy fields %s", got)
	}
	if got := kinds(inst.Schema); got != "type:string,user:string" {
		t.Errorf("declared type evolved to %s", got)
	}

	wantSchema := []*event.Schema{view, buy, inst.Schema, view, buy, view}
	for i, e := range events {
		if e.Schema != wantSchema[i].ID {
			t.Errorf("event %d has schema %d, want %d (%s)", i, e.Schema, wantSchema[i].ID, wantSchema[i].Name)
		}
	}
	check := func(i int, s *event.Schema, name string, want event.Value) {
		t.Helper()
		if got := field(t, s, &events[i], name); !got.Equal(want) || got.Kind != want.Kind {
			t.Errorf("event %d field %s = %v, want %v", i, name, got, want)
		}
	}
	check(0, view, "page", event.StringValue("/home"))
	check(0, view, "ms", event.IntValue(1200))
	check(0, view, "ref", event.Value{})
	check(1, buy, "amount", event.FloatValue(19.99))
	check(1, buy, "tags", event.StringValue(`["a","b"]`))
	check(3, view, "ref", event.StringValue("/home"))
	check(4, buy, "amount", event.FloatValue(5))
	check(5, view, "ms", event.IntValue(7))
	check(5, view, "user", event.StringValue("u6"))

	// A second run over the same file with the same registry (a tenant
	// restarted in one process) finds every type and field known: it
	// registers nothing.
	v := reg.Snapshot().Version()
	inst2, _, _ := newTypedSourceIn(t, reg, typedLines, map[string]any{"type_field": "type", "extra_fields": "keep"})
	defer inst2.Source.Close()
	again, _ := readAll(t, inst2.Source, 100, 3)
	if len(again) != 6 || reg.Snapshot().Version() != v {
		t.Errorf("second run: %d events, registry version %d -> %d; want 6 and no change", len(again), v, reg.Snapshot().Version())
	}
	for i := range again {
		if again[i].Schema != events[i].Schema || len(again[i].Fields) != len(events[i].Fields) {
			t.Errorf("second run event %d: schema %d width %d, first run %d width %d",
				i, again[i].Schema, len(again[i].Fields), events[i].Schema, len(events[i].Fields))
		}
	}
}

// TestFileSourceTypeFieldWithoutExtras: with type_field alone, types differ
// by name only and undeclared keys are dropped.
func TestFileSourceTypeFieldWithoutExtras(t *testing.T) {
	inst, reg, _ := newTypedSource(t, typedLines, map[string]any{"type_field": "type"})
	defer inst.Source.Close()
	events, _ := readAll(t, inst.Source, 100, 3)
	if len(events) != 7 {
		t.Fatalf("%d events, want 7", len(events))
	}
	view := reg.Lookup("acme", "events:view")
	if view == nil || view.Width() != 2 || events[0].Schema != view.ID || len(events[0].Fields) != 2 {
		t.Fatalf("view type %v; event 0 %+v", view, events[0])
	}
}

// TestFileSourceExtraFieldsOnDeclaredType: extra_fields alone evolves the
// declared type itself, under its ID.
func TestFileSourceExtraFieldsOnDeclaredType(t *testing.T) {
	inst, reg, _ := newTypedSource(t, `{"user":"a","n":1}
{"user":"b","n":2,"s":"x"}
`, map[string]any{"extra_fields": "keep"})
	defer inst.Source.Close()
	events, _ := readAll(t, inst.Source, 100, 3)
	cur := reg.Schema(inst.Schema.ID)
	if len(events) != 2 || cur.Width() != 4 || events[1].Schema != inst.Schema.ID {
		t.Fatalf("%d events; declared type now %v", len(events), cur.Names())
	}
	if got := field(t, cur, &events[1], "s"); got.Str() != "x" {
		t.Errorf("s = %v", got)
	}
	if got := field(t, cur, &events[0], "n"); got.Int() != 1 {
		t.Errorf("n = %v", got)
	}
}

// TestFileSourceTypeLimits: a line that would register one type or one
// field too many is bad, and names the type or field.
func TestFileSourceTypeLimits(t *testing.T) {
	inst, reg, _ := newTypedSource(t, `{"type":"a","x":1}
{"type":"b"}
{"type":"c"}
{"type":"a","y":2}
{"type":"a","z":true}
{"type":""}
`, map[string]any{"type_field": "type", "extra_fields": "keep", "max_types": int64(2), "max_extra_fields": int64(2), "on_error": "dead_letter"})
	defer inst.Source.Close()
	events, side := readAll(t, inst.Source, 100, 3)
	if len(events) != 3 || len(side) != 3 {
		t.Fatalf("%d events, %d dead letters; want 3 and 3", len(events), len(side))
	}
	dl := inst.SideSchemas[0]
	wantErr := []string{
		`events.jsonl:3: type "c": the source already has max_types (2) types`,
		`events.jsonl:5: field "z": type "events:a" already has max_extra_fields (2) undeclared fields`,
		`events.jsonl:6: field "type": empty type name`,
	}
	for i, want := range wantErr {
		if got := field(t, dl, &side[i], "error").Str(); got != want {
			t.Errorf("dead letter %d: %q, want %q", i, got, want)
		}
	}
	if reg.Lookup("acme", "events:c") != nil {
		t.Error("type c registered past max_types")
	}
}

// TestFileSourceTypeFieldOptionErrors: type_field must name a declared
// string field.
func TestFileSourceTypeFieldOptionErrors(t *testing.T) {
	for opts, want := range map[string]map[string]any{
		`option "type_field": field "kind" is not in the schema`: {"type_field": "kind"},
		`option "type_field": field "n" is declared int; the type field must be of kind string`: {
			"type_field": "n", "schema": map[string]string{"n": "int"}},
		`option "extra_fields": `: {"extra_fields": "all"},
	} {
		o := map[string]any{"path": "events.jsonl", "schema": map[string]string{"user": "string"}}
		for k, v := range want {
			o[k] = v
		}
		ctx, _ := newCtx(t, "events", o)
		ctx.Validating = true
		_, err := fileSourceSpec().New(ctx)
		if err == nil || !strings.Contains(err.Error(), opts) {
			t.Errorf("options %v: error %v, want it to contain %q", want, err, opts)
		}
	}
}

// TestSinkWritesDiscoveredFields: a file sink given events of types
// registered at run time, interleaved and evolving, writes each event's own
// fields.
func TestSinkWritesDiscoveredFields(t *testing.T) {
	// The last line adds a field to the type of the line before it, in
	// the same batch.
	content := typedLines + `{"user":"u7","type":"view","page":"/z","ms":1,"lang":"en"}` + "\n"
	src, reg, _ := newTypedSource(t, content, map[string]any{"type_field": "type", "extra_fields": "keep"})
	defer src.Source.Close()
	ctx, _ := newCtx(t, "out", map[string]any{"path": "out.jsonl"})
	ctx.Registry = reg
	ctx.Inputs = []*event.Schema{src.Schema}
	sink := mustNew(t, fileSinkSpec(), ctx)
	var out component.Output
	for {
		out.Reset()
		res, err := src.Source.Read(&out, 2) // small batches: the types evolve between them
		if err != nil {
			t.Fatal(err)
		}
		if err := sink.Operator.Process(0, out.Events(), nil); err != nil {
			t.Fatal(err)
		}
		if res.Done {
			break
		}
	}
	if err := sink.Operator.Flush(nil); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(ctx.Dir, "out.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"view","user":"u1","page":"/home","ms":1200}
{"type":"buy","user":"u2","item":"sku-1","amount":19.99,"tags":"[\"a\",\"b\"]"}
{"type":null,"user":"u3"}
{"type":"view","user":"u1","page":"/docs","ms":40,"ref":"/home"}
{"type":"buy","user":"u4","item":"sku-2","amount":5,"tags":null}
{"type":"view","user":"u6","page":"/y","ms":7,"ref":null}
{"type":"view","user":"u7","page":"/z","ms":1,"ref":null,"lang":"en"}
`
	if string(data) != want {
		t.Errorf("sink wrote:\n%s\nwant:\n%s", data, want)
	}
}

// TestTypedDecodeAllocatesNothing: once a line's type and fields are
// known, decoding it and giving it its type allocates nothing.
func TestTypedDecodeAllocatesNothing(t *testing.T) {
	inst, _, _ := newTypedSource(t, "", map[string]any{"type_field": "type", "extra_fields": "keep"})
	defer inst.Source.Close()
	src := inst.Source.(*fileSource)
	line := []byte(`{"user":"u1","type":"view","page":"/home","ms":1200,"ref":"/a","ok":true}`)
	var e event.Event
	run := func() {
		if err := src.dec.decode(line, &e); err != nil {
			t.Fatal(err)
		}
		if err := src.types.apply(src.dec, &e); err != nil {
			t.Fatal(err)
		}
	}
	run() // registers the type and its fields
	if a := testing.AllocsPerRun(200, run); a != 0 {
		t.Errorf("%.1f allocations per line, want 0", a)
	}
	if len(e.Fields) != 6 || e.Fields[5].Kind != event.Bool {
		t.Errorf("fields %v", e.Fields)
	}
}
