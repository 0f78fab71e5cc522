package spec

import (
	"slices"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/diag"
)

// keyed parses `key` and `parallelism`.
func (l *loader) keyed(c *Component, s *scope, e entry) {
	desc := c.Desc()
	parallelSource := c.Spec != nil && c.Kind == component.KindSource && (c.Spec.Parallel || c.Spec.Inner)
	if c.Spec != nil && !c.Spec.Keyed && !(parallelSource && e.key == "parallelism") {
		l.errorf(e.keyPos, desc, "%q is only for keyed types; type %s is not keyed", e.key, diag.Quote(c.Type))
		return
	}
	p := component.At(e.key)
	if e.key == "parallelism" {
		if v, ok := l.convert(s, common("parallelism"), p, e.value); ok {
			c.Parallelism = int(v.(int64))
		}
		return
	}
	l.recordValue(s.pos, p, e.value)
	pos := l.pos(e.value)
	c.KeyPos = pos
	v := l.resolve(e.value)
	if v == nil {
		return
	}
	fields, ok := l.stringList(s, p, v)
	if !ok {
		l.errorf(pos, desc, `option "key": expected a field name or a list of field names, got %s`, l.describe(v))
		return
	}
	if len(fields) == 0 {
		l.errorf(pos, desc, `option "key": is empty; leave it out to keep the key set upstream`)
		return
	}
	if slices.Contains(fields, "") {
		l.errorf(pos, desc, `option "key": holds an empty field name`)
		return
	}
	c.Key = fields
}
