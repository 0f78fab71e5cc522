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

// schemaCache finds the schema of the events a sink receives. Consecutive
// events almost always share a schema, so it keeps the last one and looks
// up only when the ID changes (a schema extended by the registry gets a new
// ID). Lookups try the input schemas the sink was built with, then the
// registry. Not safe for concurrent use.
type schemaCache struct {
	inputs []*event.Schema
	reg    component.Registry
	id     uint32
	cur    *event.Schema
}

// get returns the schema with the given ID, and whether it differs from the
// one the previous call returned.
func (c *schemaCache) get(id uint32) (s *event.Schema, changed bool, err error) {
	if c.cur != nil && c.id == id {
		return c.cur, false, nil
	}
	for _, in := range c.inputs {
		if in != nil && in.ID == id {
			s = in
			break
		}
	}
	if s == nil && c.reg != nil {
		s = c.reg.Schema(id)
	}
	if s == nil {
		return nil, false, fmt.Errorf("event has unknown schema id %d", id)
	}
	c.id, c.cur = id, s
	return s, true, nil
}
