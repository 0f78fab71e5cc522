package spec

import (
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/greenwave/greenwave/internal/component"
)

// EventTime configures how a source's watermarks follow its event times.
type EventTime struct {
	// MaxOutOfOrderness bounds how far behind the latest event time seen an
	// event may arrive: the watermark is the latest time minus this bound.
	MaxOutOfOrderness time.Duration
	// IdleTimeout marks the source idle after this long (wall time)
	// without events, so that its silence does not hold back downstream
	// watermarks; 0 never marks it idle.
	IdleTimeout time.Duration
	// Pos is the position of the `event_time:` value, or of the component.
	Pos Pos
}

var eventTimeKeys = []string{"max_out_of_orderness", "idle_timeout"}

// eventTime parses a source's `event_time: {max_out_of_orderness, idle_timeout}`.
func (l *loader) eventTime(c *Component, e entry) {
	desc := c.Desc()
	c.EventTime.Pos = l.pos(e.value)
	if c.Kind != component.KindSource {
		l.errorf(e.keyPos, desc, `"event_time" is only for sources; it sets how their watermarks follow event time`)
		return
	}
	var ents []entry
	switch v := l.resolve(e.value).(type) {
	case nil, *ast.NullNode:
		return
	case *ast.MappingNode:
		ents = l.entries(v, desc)
	default:
		l.errorf(c.EventTime.Pos, desc, `"event_time" must be a mapping with "max_out_of_orderness" and "idle_timeout", got %s`, l.describe(v))
		return
	}
	for _, te := range ents {
		pos := l.pos(te.value)
		v := l.resolve(te.value)
		if v == nil {
			continue
		}
		var dst *time.Duration
		switch te.key {
		case "max_out_of_orderness":
			dst = &c.EventTime.MaxOutOfOrderness
		case "idle_timeout":
			dst = &c.EventTime.IdleTimeout
		default:
			l.errorf(te.keyPos, desc, "unknown event_time key %q%s", te.key, hintOrList(te.key, eventTimeKeys, "event_time keys"))
			continue
		}
		s, ok := l.text(v)
		if !ok {
			l.errorf(pos, desc, "event_time %s must be a duration such as \"5s\", got %s", te.key, l.describe(v))
			continue
		}
		d, err := ParseDuration(s)
		if err != nil {
			l.errorf(pos, desc, "event_time %s: %v", te.key, err)
			continue
		}
		if d < 0 {
			l.errorf(pos, desc, "event_time %s must not be negative, got %q", te.key, s)
			continue
		}
		*dst = d
	}
}
