package spec

import (
	"slices"

	"github.com/goccy/go-yaml/ast"

	"github.com/greenwave/greenwave/internal/component"
)

var bufferKeys = []string{"capacity", "when_full"}

// buffer parses `buffer: {capacity, when_full}`. Absent keys keep their
// defaults (DefaultBufferCapacity, WhenFullBlock).
func (l *loader) buffer(c *Component, e entry) {
	desc := c.Desc()
	c.Buffer.Pos = l.pos(e.value)
	if c.Kind == component.KindSource {
		l.errorf(e.keyPos, desc, `sources have no input buffer; set "buffer" on the components that read from this one`)
		return
	}
	var ents []entry
	switch v := l.resolve(e.value).(type) {
	case nil, *ast.NullNode:
		return
	case *ast.MappingNode:
		ents = l.entries(v, desc)
	default:
		l.errorf(c.Buffer.Pos, desc, `"buffer" must be a mapping with "capacity" and "when_full", got %s`, l.describe(v))
		return
	}
	for _, be := range ents {
		pos := l.pos(be.value)
		v := l.resolve(be.value)
		if v == nil {
			continue
		}
		switch be.key {
		case "capacity":
			n, ok := l.capacity(desc, pos, v)
			if ok {
				c.Buffer.Capacity = n
			}
		case "when_full":
			s, ok := l.text(v)
			if !ok {
				l.errorf(pos, desc, "buffer when_full must be one of %s, got %s", quoteList(whenFullPolicies), l.describe(v))
				continue
			}
			if !slices.Contains(whenFullPolicies, s) {
				l.errorf(pos, desc, "buffer when_full %q is not one of %s%s", s, quoteList(whenFullPolicies), didYouMean(s, whenFullPolicies))
				continue
			}
			c.Buffer.WhenFull = s
		default:
			l.errorf(be.keyPos, desc, "unknown buffer key %q%s", be.key, hintOrList(be.key, bufferKeys, "buffer keys"))
		}
	}
}

// capacity converts a buffer capacity: an int, or a size-like string such
// as "64Ki" or "1M" (a count of events, not bytes).
func (l *loader) capacity(desc string, pos Pos, v ast.Node) (int, bool) {
	var n int64
	switch t := v.(type) {
	case *ast.IntegerNode:
		i, ok := intValue(t)
		if !ok {
			l.errorf(pos, desc, "buffer capacity must be between 1 and %d, got %s", MaxBufferCapacity, l.describe(v))
			return 0, false
		}
		n = i
	case *ast.StringNode:
		i, err := ParseSize(t.Value)
		if err != nil {
			l.errorf(pos, desc, "buffer capacity: %v", err)
			return 0, false
		}
		n = i
	default:
		l.errorf(pos, desc, "buffer capacity must be an int, got %s", l.describe(v))
		return 0, false
	}
	if n < 1 || n > MaxBufferCapacity {
		l.errorf(pos, desc, "buffer capacity must be between 1 and %d, got %d", MaxBufferCapacity, n)
		return 0, false
	}
	return int(n), true
}
