package expr

import (
	"math"

	"github.com/greenwave/greenwave/internal/event"
)

// The field readers trust the schema's kind but convert a value of another
// numeric kind rather than misread it; a null or missing value is null.
// They are plain functions, small enough to be inlined where a predicate or
// a field's closure reads a slot.

func readInt(e *event.Event, slot int) (int64, bool) {
	if uint(slot) >= uint(len(e.Fields)) {
		return 0, false
	}
	v := &e.Fields[slot]
	switch v.Kind {
	case event.Int, event.Time:
		return int64(v.N), true
	case event.Null, event.String:
		return 0, false
	}
	return v.Int(), true
}

func readFloat(e *event.Event, slot int) (float64, bool) {
	if uint(slot) >= uint(len(e.Fields)) {
		return 0, false
	}
	v := &e.Fields[slot]
	switch v.Kind {
	case event.Null, event.String:
		return 0, false
	}
	return v.Float(), true
}

func readString(e *event.Event, slot int) (string, bool) {
	if uint(slot) >= uint(len(e.Fields)) {
		return "", false
	}
	v := &e.Fields[slot]
	if v.Kind != event.String {
		return "", false
	}
	return v.S, true
}

func readBool(e *event.Event, slot int) (bool, bool) {
	if uint(slot) >= uint(len(e.Fields)) {
		return false, false
	}
	v := &e.Fields[slot]
	if v.Kind == event.Null {
		return false, false
	}
	return v.Bool(), true
}

// operand describes a node whose value is one field of the input, read as
// the field's kind, and for an int field optionally reduced modulo a
// non-zero constant (`status % 100`) and then converted to float (when an
// int is compared with a float). Predicates read operands inline instead of
// calling the node's function. A node has an operand only when its
// function computes exactly what the operand describes.
type operand struct {
	slot int
	kind event.Kind // the field's kind; Int and Time read as int64
	// mod is the divisor of `field % mod`, or 0. When pow2 is set, |mod|
	// is a power of two and mask is |mod|-1.
	mod     int64
	mask    int64
	pow2    bool
	asFloat bool
}

// fieldOperand returns the operand of a plain read of a field of kind k, or
// nil for kinds operands do not cover (Bool).
func fieldOperand(slot int, k event.Kind) *operand {
	switch k {
	case event.Int, event.Time, event.Float, event.String:
		return &operand{slot: slot, kind: k}
	}
	return nil
}

// moduloOperand returns the operand of `x % m` for an operand x, or nil
// when that is not an operand: x is not a plain int field, or m is 0 (the
// result is always null).
func moduloOperand(x *operand, m int64) *operand {
	if x == nil || x.kind != event.Int || x.mod != 0 || x.asFloat || m == 0 {
		return nil
	}
	o := &operand{slot: x.slot, kind: event.Int, mod: m}
	if abs := m; abs != math.MinInt64 {
		if abs < 0 {
			abs = -abs
		}
		if abs&(abs-1) == 0 {
			o.pow2, o.mask = true, abs-1
		}
	}
	return o
}

// floatOperand returns o read as a float: itself for a float field, the
// int converted otherwise.
func (o *operand) floatOperand() *operand {
	if o == nil || o.kind == event.Float {
		return o
	}
	if o.kind != event.Int {
		return nil
	}
	c := *o
	c.asFloat = true
	return &c
}

// int evaluates an int operand (not asFloat).
func (o *operand) int(e *event.Event) (int64, bool) {
	a, ok := readInt(e, o.slot)
	if o.mod != 0 && ok {
		a = o.reduce(a)
	}
	return a, ok
}

// reduce returns a % o.mod, with Go's truncated division: the result has
// the sign of a.
func (o *operand) reduce(a int64) int64 {
	if o.pow2 {
		r := a & o.mask
		if a < 0 && r != 0 {
			r -= o.mask + 1
		}
		return r
	}
	return a % o.mod
}

// float evaluates a float operand (a float field, or asFloat).
func (o *operand) float(e *event.Event) (float64, bool) {
	if o.asFloat {
		a, ok := o.int(e)
		return float64(a), ok
	}
	return readFloat(e, o.slot)
}

// valid reports whether the operand is not null on e.
func (o *operand) valid(e *event.Event) bool {
	switch {
	case o.kind == event.String:
		_, ok := readString(e, o.slot)
		return ok
	case o.kind == event.Float:
		_, ok := readFloat(e, o.slot)
		return ok
	}
	_, ok := readInt(e, o.slot)
	return ok
}
