package spec

import (
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/diag"
)

// inputs parses `inputs:`: a list of references (or one, as a string),
// each "name" or "name.output". The references are resolved against the
// other components later, by link.
func (l *loader) inputs(c *Component, s *scope, e entry) {
	desc := c.Desc()
	if c.Kind == component.KindSource {
		l.errorf(e.keyPos, desc, `sources take no "inputs"`)
		return
	}
	var items []ast.Node
	switch v := l.resolve(e.value).(type) {
	case nil:
		return
	case *ast.NullNode:
	case *ast.SequenceNode:
		items = v.Values
	case *ast.MappingNode:
		l.errorf(l.pos(e.value), desc, `"inputs" must be a list of component names, got a mapping`)
		return
	default:
		items = []ast.Node{e.value}
	}
	if len(items) == 0 {
		l.errorf(l.pos(e.value), desc, `"inputs" is empty; a %s needs at least one input`, c.Kind)
		return
	}
	seen := map[string]bool{}
	for i, item := range items {
		l.recordValue(s.pos, component.At("inputs").Index(i), item)
		pos := l.pos(item)
		v := l.resolve(item)
		if v == nil {
			continue
		}
		ref, ok := l.text(v)
		if !ok {
			l.errorf(pos, desc, "each input must be a component name, got %s", l.describe(v))
			continue
		}
		in, why := parseRef(ref)
		if why != "" {
			l.errorf(pos, desc, "invalid input %s: %s", diag.Quote(ref), why)
			continue
		}
		if seen[ref] {
			l.errorf(pos, desc, "input %s is listed twice", diag.Quote(ref))
			continue
		}
		seen[ref] = true
		in.Pos = pos
		c.Inputs = append(c.Inputs, in)
	}
}

// parseRef splits an input reference, "name" or "name.output", at its first
// dot.
func parseRef(ref string) (Input, string) {
	if ref == "" {
		return Input{}, "the name is empty"
	}
	name, out, dotted := strings.Cut(ref, ".")
	if dotted && (name == "" || out == "") {
		return Input{}, `expected "<name>" or "<name>.<side output>"`
	}
	return Input{Component: name, Output: out}, ""
}
