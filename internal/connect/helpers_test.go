package connect

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// testRegistry is a minimal component.Registry: schemas by tenant and name,
// extended on re-registration, IDs from 1.
type testRegistry struct {
	mu     sync.Mutex
	byName map[string]*event.Schema
	byID   []*event.Schema
}

func newTestRegistry() *testRegistry {
	return &testRegistry{byName: map[string]*event.Schema{}}
}

func (r *testRegistry) Register(s *event.Schema) (*event.Schema, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := s.Tenant + "/" + s.Name
	if old, ok := r.byName[key]; ok {
		for _, f := range s.Fields {
			if slot, ok := old.Slot(f.Name); ok && old.Fields[slot].Kind != f.Kind {
				return nil, fmt.Errorf("field %q changes kind", f.Name)
			}
		}
		ext, err := old.Extend(s.Fields...)
		if err != nil {
			return nil, err
		}
		if ext.Width() == old.Width() {
			return old, nil
		}
		return r.add(key, ext), nil
	}
	c, err := event.NewSchema(s.Tenant, s.Name, s.Fields...)
	if err != nil {
		return nil, err
	}
	return r.add(key, c), nil
}

func (r *testRegistry) add(key string, s *event.Schema) *event.Schema {
	r.byID = append(r.byID, s)
	s.ID = uint32(len(r.byID))
	r.byName[key] = s
	return s
}

func (r *testRegistry) Schema(id uint32) *event.Schema {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id == 0 || int(id) > len(r.byID) {
		return nil
	}
	return r.byID[id-1]
}

// fakeClock is a manually advanced clock.
type fakeClock struct{ t time.Time }

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// rejects collects the errors a source passes to Context.Reject.
type rejects struct{ msgs []string }

func (r *rejects) add(err error) { r.msgs = append(r.msgs, err.Error()) }

// newCtx returns a context for component name with the given options, a
// fresh registry and a fake clock.
func newCtx(t testing.TB, name string, opts map[string]any) (*component.Context, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	return &component.Context{
		Tenant:      "acme",
		Name:        name,
		Dir:         t.TempDir(),
		Options:     component.NewOptions(opts),
		Registry:    newTestRegistry(),
		Now:         clk.now,
		Parallelism: 1,
	}, clk
}

// mustNew builds an instance of spec or fails the test.
func mustNew(t testing.TB, spec *component.Spec, ctx *component.Context) *component.Instance {
	t.Helper()
	inst, err := spec.New(ctx)
	if err != nil {
		t.Fatalf("%s: New: %v", spec.Type, err)
	}
	return inst
}

// readAll reads src in batches of limit until Done (or until maxReads
// calls), and returns clones of the events and of side output 0's events.
func readAll(t *testing.T, src component.Source, limit, maxReads int) (main, side []event.Event) {
	t.Helper()
	var out component.Output
	for range maxReads {
		out.Reset()
		res, err := src.Read(&out, limit)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		for _, e := range out.Events() {
			main = append(main, e.Clone())
		}
		if len(out.Sides()) > 0 {
			for _, e := range out.Side(0).Events() {
				side = append(side, e.Clone())
			}
		}
		if res.Done {
			return main, side
		}
	}
	t.Fatalf("source not done after %d reads", maxReads)
	return nil, nil
}

// field returns the named field of e under schema s.
func field(t *testing.T, s *event.Schema, e *event.Event, name string) event.Value {
	t.Helper()
	slot, ok := s.Slot(name)
	if !ok {
		t.Fatalf("schema %q has no field %q", s.Name, name)
	}
	return e.Get(slot)
}

// figureValues reads f's figures by name, with the label values after a
// "|" ("http_source_responses_total|202"), failing t on an invalid one.
func figureValues(t *testing.T, figs []component.Figure) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, f := range figs {
		if err := component.CheckFigure(f); err != nil {
			t.Error(err)
		}
		k := f.Name
		for _, l := range f.Labels {
			k += "|" + l.Value
		}
		if _, dup := out[k]; dup {
			t.Errorf("figure %s twice", k)
		}
		out[k] = f.Value
	}
	return out
}

// wantFigures fails t for each figure of want that got lacks or differs.
func wantFigures(t *testing.T, got, want map[string]float64) {
	t.Helper()
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("figure %s = %v (present %v), want %v", k, g, ok, v)
		}
	}
}
