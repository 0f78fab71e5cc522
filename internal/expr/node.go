package expr

import (
	"math"
	"strconv"
	"time"

	"github.com/greenwave/greenwave/internal/event"
)

// fn is a compiled sub-expression of one Go type. It returns the value and
// whether it is valid; false means null (a missing field, or an operation on
// a null operand).
type fn[T any] func(e *event.Event) (T, bool)

// node is a compiled sub-expression: its kind, and the one function that
// matches it (Int and Time share i, which holds unix nanoseconds for Time).
// A Null-kind node is the nil literal (or an expression that can only be
// nil); it has no function.
type node struct {
	kind event.Kind
	pos  int // rune offset in the source, for errors
	b    fn[bool]
	i    fn[int64]
	f    fn[float64]
	s    fn[string]
	// konst is set when the value is known at compile time; val holds it
	// (a Null val with a non-Null kind is a null of that kind).
	konst bool
	val   event.Value
	// field names the schema field the node reads, when it is a plain field
	// reference (for messages).
	field string
	// op is set when the node's value is an operand (a field, or an int
	// field modulo a constant) that predicates can read inline.
	op *operand
	// pred is set on a Bool node that is a predicate; b then evaluates it.
	pred *predicate
}

// constant returns a node of the given kind that always yields v (or null of
// that kind when v is Null).
func constant(kind event.Kind, v event.Value, pos int) *node {
	n := &node{kind: kind, pos: pos, konst: true, val: v}
	valid := !v.IsNull()
	switch kind {
	case event.Null:
	case event.Bool:
		b := v.Bool()
		n.b = func(*event.Event) (bool, bool) { return b, valid }
	case event.Int, event.Time:
		i := int64(v.N)
		n.i = func(*event.Event) (int64, bool) { return i, valid }
	case event.Float:
		f := v.Float()
		n.f = func(*event.Event) (float64, bool) { return f, valid }
	case event.String:
		s := v.S
		n.s = func(*event.Event) (string, bool) { return s, valid }
	default:
		panic("BUG: constant of kind " + kind.String())
	}
	return n
}

// emptyEvent is what constant folding evaluates against: a folded node reads
// no field, so any event would do.
var emptyEvent event.Event

// fold replaces n by a constant when all its operands are constants. Every
// operation except now() is deterministic, and now() is never constant, so a
// node whose operands are all constant can be evaluated once, here.
func fold(n *node, operands ...*node) *node {
	for _, o := range operands {
		if !o.konst {
			return n
		}
	}
	return constant(n.kind, n.value(&emptyEvent), n.pos)
}

// value evaluates n on e as an event.Value.
func (n *node) value(e *event.Event) event.Value {
	switch n.kind {
	case event.Bool:
		if v, ok := n.b(e); ok {
			return event.BoolValue(v)
		}
	case event.Int:
		if v, ok := n.i(e); ok {
			return event.IntValue(v)
		}
	case event.Time:
		if v, ok := n.i(e); ok {
			return event.TimeValue(v)
		}
	case event.Float:
		if v, ok := n.f(e); ok {
			return event.FloatValue(v)
		}
	case event.String:
		if v, ok := n.s(e); ok {
			return event.StringValue(v)
		}
	}
	return event.Value{}
}

// floats returns n's value as a float function; n must be Int, Float or
// Null.
func (n *node) floats() fn[float64] {
	switch n.kind {
	case event.Float:
		return n.f
	case event.Int:
		if n.konst {
			return constant(event.Float, floatOf(n.val), n.pos).f
		}
		i := n.i
		return func(e *event.Event) (float64, bool) {
			v, ok := i(e)
			return float64(v), ok
		}
	case event.Null:
		return null[float64]
	}
	panic("BUG: floats of a " + n.kind.String() + " node")
}

// floatOf converts an Int constant to a Float constant, keeping null.
func floatOf(v event.Value) event.Value {
	if v.IsNull() {
		return v
	}
	return event.FloatValue(v.Float())
}

// null is the function of a null of any kind.
func null[T any](*event.Event) (T, bool) {
	var zero T
	return zero, false
}

// as returns n converted to kind k, which must be n's kind, Float for an Int
// node, or any kind for a Null node (which then yields null of kind k).
func (n *node) as(k event.Kind) *node {
	switch {
	case n.kind == k:
		return n
	case n.kind == event.Null:
		return constant(k, event.Value{}, n.pos)
	case n.kind == event.Int && k == event.Float:
		c := &node{kind: event.Float, pos: n.pos, f: n.floats(), konst: n.konst, field: n.field, op: n.op.floatOperand()}
		if n.konst {
			c.val = floatOf(n.val)
		}
		return c
	}
	panic("BUG: cannot convert a " + n.kind.String() + " node to " + k.String())
}

// isNumber reports whether k is Int or Float.
func isNumber(k event.Kind) bool { return k == event.Int || k == event.Float }

// describe names n in messages: its kind, then its value when constant or
// its field name when it reads a field (`string "cdn"`, `int field
// "status"`, `float`).
func (n *node) describe() string {
	if n.kind == event.Null {
		return "nil"
	}
	k := n.kind.String()
	switch {
	case n.konst && !n.val.IsNull():
		return k + " " + literal(n.val)
	case n.field != "":
		return k + " field " + strconv.Quote(n.field)
	}
	return k
}

// literal formats a constant as it would be written in an expression.
func literal(v event.Value) string {
	switch v.Kind {
	case event.String:
		return strconv.Quote(v.S)
	case event.Float:
		f := v.Float()
		if f == math.Trunc(f) && math.Abs(f) < 1e15 {
			return strconv.FormatFloat(f, 'f', 1, 64)
		}
		return strconv.FormatFloat(f, 'g', -1, 64)
	case event.Time:
		return time.Unix(0, int64(v.N)).UTC().Format(time.RFC3339Nano)
	}
	return v.String()
}
