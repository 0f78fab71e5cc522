package ops

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// testRegistry is a minimal component.Registry: types by (tenant, name),
// evolved append-only, a kind conflict is an error.
type testRegistry struct {
	mu     sync.Mutex
	byID   []*event.Schema
	byName map[string]*event.Schema
}

func newTestRegistry() *testRegistry {
	return &testRegistry{byName: map[string]*event.Schema{}}
}

func (r *testRegistry) Register(s *event.Schema) (*event.Schema, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := s.Tenant + "/" + s.Name
	old, ok := r.byName[key]
	if !ok {
		c, err := event.NewSchema(s.Tenant, s.Name, s.Fields...)
		if err != nil {
			return nil, err
		}
		c.ID = uint32(len(r.byID) + 1)
		r.byID = append(r.byID, c)
		r.byName[key] = c
		return c, nil
	}
	for _, f := range s.Fields {
		if i, ok := old.Slot(f.Name); ok && old.Fields[i].Kind != f.Kind {
			return nil, fmt.Errorf("field %q is %s, already registered as %s", f.Name, f.Kind, old.Fields[i].Kind)
		}
	}
	ext, err := old.Extend(s.Fields...)
	if err != nil {
		return nil, err
	}
	ext.ID = old.ID
	r.byID[old.ID-1] = ext
	r.byName[key] = ext
	return ext, nil
}

func (r *testRegistry) Schema(id uint32) *event.Schema {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id == 0 || int(id) > len(r.byID) {
		return nil
	}
	return r.byID[id-1]
}

// logs is the input schema of most tests; it is registered with ID 1 in
// every registry newCtx makes.
var logs = event.MustSchema("acme", "logs",
	event.Field{Name: "host", Kind: event.String},
	event.Field{Name: "status", Kind: event.Int},
	event.Field{Name: "bytes", Kind: event.Int},
	event.Field{Name: "latency", Kind: event.Float},
	event.Field{Name: "ok", Kind: event.Bool},
	event.Field{Name: "ts", Kind: event.Time},
	event.Field{Name: "path", Kind: event.String},
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// newCtx returns the context of component name over one input of schema
// logs (registered), with the given options.
func newCtx(t testing.TB, name string, opts map[string]any) *component.Context {
	t.Helper()
	reg := newTestRegistry()
	in, err := reg.Register(logs)
	if err != nil {
		t.Fatal(err)
	}
	return &component.Context{
		Tenant:      "acme",
		Name:        name,
		Options:     component.NewOptions(opts),
		Inputs:      []*event.Schema{in},
		Parallelism: 1,
		Registry:    reg,
		Now:         func() time.Time { return t0 },
	}
}

func build(t testing.TB, spec *component.Spec, ctx *component.Context) *component.Instance {
	t.Helper()
	inst, err := spec.New(ctx)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return inst
}

// logEvent builds an event of schema logs; trailing fields may be left out.
func logEvent(host string, status int64, rest ...event.Value) event.Event {
	f := []event.Value{event.StringValue(host), event.IntValue(status)}
	return event.Event{Schema: 1, Time: status, Created: 1000 + status, Fields: append(f, rest...)}
}

// clone deep-copies a batch, so that a test can feed the same input twice.
func clone(batch []event.Event) []event.Event {
	out := make([]event.Event, len(batch))
	for i := range batch {
		out[i] = batch[i].Clone()
	}
	return out
}

// runProcess feeds batches through Process (then Flush) and returns the
// output of each call, the last one being Flush's.
func runProcess(t testing.TB, op component.Operator, batches [][]event.Event) [][]event.Event {
	t.Helper()
	var outs [][]event.Event
	var out component.Output
	for _, b := range batches {
		out.Reset()
		if err := op.Process(0, clone(b), &out); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, clone(out.Events()))
	}
	out.Reset()
	if err := op.Flush(&out); err != nil {
		t.Fatal(err)
	}
	return append(outs, clone(out.Events()))
}

// runApply feeds batches through InPlace.Apply, with an empty Flush output
// at the end to line up with runProcess.
func runApply(t testing.TB, op component.Operator, batches [][]event.Event) [][]event.Event {
	t.Helper()
	ip, ok := op.(component.InPlace)
	if !ok {
		t.Fatalf("%T does not implement component.InPlace", op)
	}
	var outs [][]event.Event
	for _, b := range batches {
		kept, err := ip.Apply(clone(b))
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, clone(kept))
	}
	return append(outs, nil)
}

// format renders batches of events for comparison and failure messages:
// one line per event with its header and fields.
func format(batches [][]event.Event) string {
	var b strings.Builder
	for i, batch := range batches {
		fmt.Fprintf(&b, "batch %d:\n", i)
		for _, e := range batch {
			fmt.Fprintf(&b, "  schema=%d key=%x time=%d created=%d [", e.Schema, e.Key, e.Time, e.Created)
			for j, v := range e.Fields {
				if j > 0 {
					b.WriteString(" ")
				}
				fmt.Fprintf(&b, "%s:%s", v.Kind, v)
			}
			b.WriteString("]\n")
		}
	}
	return b.String()
}

// expectBatches compares outputs with the expected batches (the last one
// being Flush's output).
func expectBatches(t *testing.T, what string, got, want [][]event.Event) {
	t.Helper()
	if g, w := format(got), format(want); g != w {
		t.Fatalf("%s:\ngot\n%swant\n%s", what, g, w)
	}
}

var (
	str   = event.StringValue
	i64   = event.IntValue
	f64   = event.FloatValue
	boolV = event.BoolValue
	tm    = event.TimeValue
	nullV = event.Value{}
)
