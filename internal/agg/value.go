package agg

import (
	"math"

	"github.com/greenwave/greenwave/internal/event"
)

// field is the input field a state reads: its slot and kind.
type field struct {
	slot int
	kind event.Kind
}

func (f field) fieldSlot() int { return f.slot }

// coerce converts v to kind, the kind of its field. Numeric kinds (int,
// float, time, bool) convert into each other; a string where a number
// belongs, or a number where a string belongs, becomes null. NaN becomes
// null: every aggregate but count() skips it. A field of kind Null (untyped)
// takes any value as it is.
func coerce(v event.Value, kind event.Kind) event.Value {
	if v.Kind == kind || kind == event.Null {
		if v.Kind == event.Float && v.N&nanMask == nanMask && v.N&fracMask != 0 {
			return event.Value{}
		}
		return v
	}
	switch {
	case v.Kind == event.Null || v.Kind == event.String || kind == event.String:
		return event.Value{}
	}
	switch kind {
	case event.Int:
		return event.IntValue(v.Int())
	case event.Time:
		return event.TimeValue(v.Int())
	case event.Bool:
		return event.BoolValue(v.Bool())
	case event.Float:
		f := v.Float()
		if math.IsNaN(f) {
			return event.Value{}
		}
		return event.FloatValue(f)
	}
	return event.Value{}
}

// The bits of a float64 that are all set in NaN and ±Inf, and the fraction
// bits that tell NaN from Inf.
const (
	nanMask  = 0x7ff0000000000000
	fracMask = 0x000fffffffffffff
)

// prep is coerce with the common case inlined: a non-null, non-float value
// of the field's own kind is returned as it is.
func prep(v event.Value, kind event.Kind) event.Value {
	if v.Kind == kind && kind != event.Float && kind != event.Null {
		return v
	}
	return coerce(v, kind)
}
