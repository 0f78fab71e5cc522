package ops

import (
	"errors"
	"fmt"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/expr"
)

// Specs returns the spec of every built-in transform.
func Specs() []*component.Spec {
	return []*component.Spec{FilterSpec(), MapSpec(), KeyBySpec(), CountSpec(), AggregateSpec(), WindowSpec(), OverSpec(), JoinSpec()}
}

// input returns the schema of a transform's single input.
func input(ctx *component.Context) (*event.Schema, error) {
	if len(ctx.Inputs) != 1 {
		return nil, fmt.Errorf("needs exactly 1 input, got %d", len(ctx.Inputs))
	}
	if ctx.Inputs[0] == nil {
		return nil, errors.New("the schema of its input is unknown")
	}
	return ctx.Inputs[0], nil
}

// clock returns the context's clock, or the wall clock.
func clock(ctx *component.Context) func() time.Time {
	if ctx.Now != nil {
		return ctx.Now
	}
	return time.Now
}

// resolve returns the slots of names in s; an unknown name is an error
// about its element of the list option, naming the closest field.
func resolve(option string, s *event.Schema, names []string) ([]int, error) {
	slots := make([]int, len(names))
	seen := make(map[string]bool, len(names))
	for i, name := range names {
		at := component.At(option).Index(i)
		slot, ok := s.Slot(name)
		if !ok {
			return nil, component.PathErr(at, "%s", expr.UnknownField(name, s.Names()))
		}
		if seen[name] {
			return nil, component.PathErr(at, "field %q is listed twice", name)
		}
		seen[name] = true
		slots[i] = slot
	}
	return slots, nil
}

// register registers the output schema of a transform (named after the
// component, in its tenant) and returns it with the slot each of fields got
// in it. The registered schema may hold more fields than asked for (from
// earlier versions of the pipeline) and in another order, so slots are looked
// up by name.
func register(ctx *component.Context, fields []event.Field) (*event.Schema, []int, error) {
	if ctx.Registry == nil {
		panic("BUG: transform " + ctx.Name + " built without a registry")
	}
	s, err := event.NewSchema(ctx.Tenant, ctx.Name, fields...)
	if err != nil {
		return nil, nil, err
	}
	reg, err := ctx.Registry.Register(s)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot register the output schema %q: %w", ctx.Name, err)
	}
	slots := make([]int, len(fields))
	for i, f := range fields {
		slot, ok := reg.Slot(f.Name)
		if !ok || reg.Fields[slot].Kind != f.Kind {
			panic(fmt.Sprintf("BUG: registry returned schema %q without field %q of kind %s", ctx.Name, f.Name, f.Kind))
		}
		slots[i] = slot
	}
	return reg, slots, nil
}

// resize returns f with length n, reusing its array when large enough; the
// values in f[keep:n] are set to null and f[:keep] is preserved.
func resize(f []event.Value, n, keep int) []event.Value {
	keep = min(keep, len(f), n)
	if cap(f) < n {
		g := make([]event.Value, n)
		copy(g, f[:keep])
		return g
	}
	f = f[:n]
	clear(f[keep:])
	return f
}
