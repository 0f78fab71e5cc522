package spec

import (
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/diag"
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
		pos:         newPositions(),
	}
	desc := c.Desc()
	s := &scope{desc: desc, option: true, pos: c.pos}
	if why := checkName(c.Name); why != "" {
		l.errorf(c.Pos, desc, "invalid name %s: %s", diag.Quote(c.Name), why)
	}
	values := map[string]any{}
	suggested := map[string]bool{} // a misspelt option is not also missing
	defer func() {
		var decl []component.Option
		if c.Spec != nil {
			decl = c.Spec.Options
		}
		c.Options = component.Declared(decl, values)
	}()

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
		p := component.At(ent.key).String()
		c.pos.key[p] = ent.keyPos
		c.pos.value[p] = l.pos(ent.value)
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
			l.inputs(c, s, ent)
		case "buffer":
			l.buffer(c, s, ent)
		case "event_time":
			l.eventTime(c, s, ent)
		case "key", "parallelism":
			if c.Spec != nil && !c.Spec.Keyed {
				if _, own := c.Spec.Option(ent.key); own {
					// A non-keyed type may declare an option of that name
					// (key_by's `key`); it is then the type's option.
					l.option(c, s, ent, values)
					continue
				}
			}
			l.keyed(c, s, ent)
		default:
			if sug := l.option(c, s, ent, values); sug != "" {
				suggested[sug] = true
			}
		}
	}
	if kind != component.KindSource && !hasInputs {
		l.errorf(c.Pos, desc, `missing "inputs"; a %s needs at least one input`, kind)
	}
	if c.Spec != nil {
		for i := range c.Spec.Options {
			o := &c.Spec.Options[i]
			if o.Required && !hasKey(ents, o.Name) && !suggested[o.Name] {
				l.errorf(c.Pos, desc, "missing required option %q", o.Name)
			}
		}
	}
	return c
}

// option checks one of the component's own options against its Spec and
// stores the converted value in values. Options of a component whose type
// is missing or unknown cannot be checked and are skipped (the type is
// reported instead). For an unknown option it returns the suggested one.
func (l *loader) option(c *Component, s *scope, e entry, values map[string]any) string {
	if c.Spec == nil {
		return ""
	}
	o, ok := c.Spec.Option(e.key)
	if !ok {
		d := Errorf(e.keyPos, c.Desc(), "unknown option %s", diag.Quote(e.key))
		if d.Suggestion = diag.Suggest(e.key, optionCandidates(c)); d.Suggestion == "" {
			d.Msg += optionList(c)
		}
		l.errs = append(l.errs, d)
		return d.Suggestion
	}
	if v, ok := l.convert(s, o, component.At(o.Name), e.value); ok {
		values[o.Name] = v
	}
	return ""
}

// optionCandidates lists what a key of the component may be: its type's
// options and the common keys that apply to it.
func optionCandidates(c *Component) []string {
	cands := append([]string{"type"}, component.Names(c.Spec.Options)...)
	if c.Kind != component.KindSource {
		cands = append(cands, "inputs", "buffer")
	} else {
		cands = append(cands, "event_time")
	}
	if c.Spec.Keyed {
		cands = append(cands, "key", "parallelism")
	} else if c.Kind == component.KindSource && (c.Spec.Parallel || c.Spec.Inner) {
		cands = append(cands, "parallelism")
	}
	return cands
}

// optionList lists the options of the component's type, for an unknown
// option nothing is close to.
func optionList(c *Component) string {
	names := component.Names(c.Spec.Options)
	if len(names) == 0 {
		return fmt.Sprintf("; type %q has no options", c.Type)
	}
	return fmt.Sprintf(" (options of %q: %s)", c.Type, strings.Join(names, ", "))
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
	q := diag.Quote(t)
	for _, other := range allKinds {
		if other == kind {
			continue
		}
		if _, ok := l.cat.Lookup(other, t); ok {
			return fmt.Sprintf("%s is a %s type, not a %s%s", q, other, kind, diag.DidYouMean(t, types))
		}
	}
	if hint := diag.DidYouMean(t, types); hint != "" {
		return fmt.Sprintf("unknown %s type %s%s", kind, q, hint)
	}
	if len(types) == 0 {
		return fmt.Sprintf("unknown %s type %s (no %s types are available)", kind, q, kind)
	}
	return fmt.Sprintf("unknown %s type %s (%s types: %s)", kind, q, kind, strings.Join(types, ", "))
}
