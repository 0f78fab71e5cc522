package spec

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/greenwave/greenwave/internal/component"
)

var allKinds = []component.Kind{component.KindSource, component.KindTransform, component.KindSink}

// component parses one `name: {type: ..., ...}` entry of a section. It
// reports every problem it finds and returns the component even then, with
// what could be parsed (Spec nil when the type is missing or unknown).
func (l *loader) component(kind component.Kind, e entry) *Component {
	c := &Component{
		Name:        e.key,
		Kind:        kind,
		Pos:         e.keyPos,
		TypePos:     e.keyPos,
		Parallelism: 1,
		Buffer:      Buffer{Capacity: DefaultBufferCapacity, WhenFull: WhenFullBlock, Pos: e.keyPos},
		valuePos:    map[string]Pos{},
	}
	desc := c.Desc()
	if why := checkName(c.Name); why != "" {
		l.errorf(c.Pos, desc, "invalid name %q: %s", c.Name, why)
	}
	values := map[string]any{}
	defer func() { c.Options = component.NewOptions(values) }()

	var ents []entry
	switch v := l.resolve(e.value).(type) {
	case nil:
		return c
	case *ast.NullNode:
	case *ast.MappingNode:
		ents = l.entries(v, desc)
	default:
		l.errorf(l.pos(e.value), desc, `expected a mapping with "type" and options, got %s`, l.describe(v))
		return c
	}
	for _, ent := range ents {
		c.valuePos[ent.key] = l.pos(ent.value)
	}

	// The type comes first, whatever its place in the file: the other keys
	// are checked against its spec.
	hasType, hasInputs := false, false
	for _, ent := range ents {
		if ent.key == "type" {
			hasType = true
			l.componentType(c, ent)
		}
	}
	if !hasType {
		l.errorf(c.Pos, desc, `missing "type"`)
	}
	for _, ent := range ents {
		switch ent.key {
		case "type":
		case "inputs":
			hasInputs = true
			l.inputs(c, ent)
		case "buffer":
			l.buffer(c, ent)
		case "event_time":
			l.eventTime(c, ent)
		case "key", "parallelism":
			if c.Spec != nil && !c.Spec.Keyed {
				if _, own := c.Spec.Option(ent.key); own {
					// A non-keyed type may declare an option of that name
					// (key_by's `key`); it is then the type's option.
					l.option(c, ent, values)
					continue
				}
			}
			l.keyed(c, ent)
		default:
			l.option(c, ent, values)
		}
	}
	if kind != component.KindSource && !hasInputs {
		l.errorf(c.Pos, desc, `missing "inputs"; a %s needs at least one input`, kind)
	}
	if c.Spec != nil {
		for i := range c.Spec.Options {
			o := &c.Spec.Options[i]
			if _, given := c.valuePos[o.Name]; given {
				continue // converted, or reported as invalid
			}
			if o.Required {
				l.errorf(c.Pos, desc, "missing required option %q", o.Name)
			} else if o.Default != nil {
				values[o.Name] = cloneDefault(o.Default)
			}
		}
	}
	return c
}

// cloneDefault copies list and map defaults so that no two components (and
// not the Spec) share one.
func cloneDefault(v any) any {
	switch d := v.(type) {
	case []string:
		return slices.Clone(d)
	case map[string]string:
		return maps.Clone(d)
	}
	return v
}

func (l *loader) componentType(c *Component, e entry) {
	desc := c.Desc()
	c.TypePos = l.pos(e.value)
	v := l.resolve(e.value)
	if v == nil {
		return
	}
	t, ok := l.text(v)
	if !ok {
		l.errorf(c.TypePos, desc, `"type" must be a string, got %s`, l.describe(v))
		return
	}
	if t == "" {
		l.errorf(c.TypePos, desc, `"type" is empty`)
		return
	}
	c.Type = t
	if s, ok := l.cat.Lookup(c.Kind, t); ok {
		c.Spec = s
		return
	}
	l.errorf(c.TypePos, desc, "%s", l.unknownType(c.Kind, t))
}

// unknownType explains why t is not a type of kind: it belongs to another
// kind, or it is close to a known type, or here are the known types.
func (l *loader) unknownType(kind component.Kind, t string) string {
	types := l.cat.Types(kind)
	for _, other := range allKinds {
		if other == kind {
			continue
		}
		if _, ok := l.cat.Lookup(other, t); ok {
			return fmt.Sprintf("%q is a %s type, not a %s%s", t, other, kind, didYouMean(t, types))
		}
	}
	if hint := didYouMean(t, types); hint != "" {
		return fmt.Sprintf("unknown %s type %q%s", kind, t, hint)
	}
	if len(types) == 0 {
		return fmt.Sprintf("unknown %s type %q (no %s types are available)", kind, t, kind)
	}
	return fmt.Sprintf("unknown %s type %q (%s types: %s)", kind, t, kind, strings.Join(types, ", "))
}
