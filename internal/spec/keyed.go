package spec

import (
	"slices"

	"github.com/goccy/go-yaml/ast"

	"github.com/greenwave/greenwave/internal/component"
)

// keyed parses `key` and `parallelism`.
func (l *loader) keyed(c *Component, e entry) {
	desc := c.Desc()
	parallelSource := c.Spec != nil && c.Kind == component.KindSource && c.Spec.Parallel
	if c.Spec != nil && !c.Spec.Keyed && !(parallelSource && e.key == "parallelism") {
		l.errorf(e.keyPos, desc, "%q is only for keyed types; type %q is not keyed", e.key, c.Type)
		return
	}
	pos := l.pos(e.value)
	v := l.resolve(e.value)
	if v == nil {
		return
	}
	if e.key == "parallelism" {
		n, ok := intValue(v)
		if !ok {
			l.errorf(pos, desc, `"parallelism" must be an int, got %s`, l.describe(v))
			return
		}
		if n < 1 || n > MaxParallelism {
			l.errorf(pos, desc, `"parallelism" must be between 1 and %d, got %d`, MaxParallelism, n)
			return
		}
		c.Parallelism = int(n)
		return
	}
	c.KeyPos = pos
	fields, ok := l.stringList(desc, `"key": `, v)
	if !ok {
		l.errorf(pos, desc, `"key" must be a field name or a list of field names, got %s`, l.describe(v))
		return
	}
	if len(fields) == 0 {
		l.errorf(pos, desc, `"key" is empty; leave it out to keep the key set upstream`)
		return
	}
	if slices.Contains(fields, "") {
		l.errorf(pos, desc, `"key" holds an empty field name`)
		return
	}
	c.Key = fields
}

// stringList converts a scalar (a list of one) or a list of scalars. It
// reports a bad list entry itself, at the entry and with prefix before the
// message, and then returns ok with the entry left out; it returns false,
// reporting nothing, when v is neither a scalar nor a list.
func (l *loader) stringList(desc, prefix string, v ast.Node) ([]string, bool) {
	if s, ok := l.text(v); ok {
		return []string{s}, true
	}
	seq, ok := v.(*ast.SequenceNode)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(seq.Values))
	for _, item := range seq.Values {
		r := l.resolve(item)
		if r == nil {
			continue
		}
		s, ok := l.text(r)
		if !ok {
			l.errorf(l.pos(item), desc, "%slist entries must be strings, got %s", prefix, l.describe(r))
			continue
		}
		out = append(out, s)
	}
	return out, true
}
