package connect

import (
	"fmt"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// bindSchema registers s and returns the registered schema with the slot,
// in it, of each of s's fields. The slots are s's own unless the tenant
// already had a type of that name with other fields, in which case the
// registry returns that type extended and the fields may sit elsewhere. A
// field registered earlier with another kind is an error. With no registry
// (some validation paths) s itself is returned, unregistered.
func bindSchema(reg component.Registry, s *event.Schema) (*event.Schema, []int, error) {
	slots := make([]int, len(s.Fields))
	if reg == nil {
		for i := range slots {
			slots[i] = i
		}
		return s, slots, nil
	}
	got, err := reg.Register(s)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot register schema %q: %w", s.Name, err)
	}
	for i, f := range s.Fields {
		slot, ok := got.Slot(f.Name)
		if !ok {
			return nil, nil, fmt.Errorf("BUG: registered schema %q lacks field %q", s.Name, f.Name)
		}
		if k := got.Fields[slot].Kind; k != f.Kind {
			return nil, nil, fmt.Errorf("schema %q: field %q is already registered as %s, not %s", s.Name, f.Name, k, f.Kind)
		}
		slots[i] = slot
	}
	return got, slots, nil
}

// fieldsOf sizes e.Fields to width, reusing its backing array when large
// enough, and returns it. Slots keep whatever the array held before: callers
// set every slot, or clear the slice first.
func fieldsOf(e *event.Event, width int) []event.Value {
	if cap(e.Fields) < width {
		e.Fields = make([]event.Value, width)
	} else {
		e.Fields = e.Fields[:width]
	}
	return e.Fields
}

// schemaCache finds the schema of the events a sink receives: first among
// the input schemas the sink was built with, then in the registry (types
// registered while the pipeline runs, and evolved versions of known ones).
// Not safe for concurrent use.
type schemaCache struct {
	inputs []*event.Schema
	reg    component.Registry
}

// get returns the schema with the given ID, preferring one with at least
// width fields: a type evolved at run time keeps its ID, so an event wider
// than the schema the sink was built with is of a newer version.
func (c *schemaCache) get(id uint32, width int) (*event.Schema, error) {
	for _, in := range c.inputs {
		if in != nil && in.ID == id && len(in.Fields) >= width {
			return in, nil
		}
	}
	if c.reg != nil {
		if s := c.reg.Schema(id); s != nil {
			return s, nil
		}
	}
	for _, in := range c.inputs {
		if in != nil && in.ID == id {
			return in, nil
		}
	}
	return nil, fmt.Errorf("event has unknown schema id %d", id)
}
