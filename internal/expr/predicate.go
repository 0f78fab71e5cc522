package expr

import (
	"strings"

	"github.com/greenwave/greenwave/internal/event"
)

// predicate is a bool expression of a shape that conditions use most,
// described as data at compile time: a comparison of an operand with a
// constant or with another operand (`status >= 500`, `value % 4 != 0`,
// `i < status`, `host == "cdn"`), membership of an operand in a small set
// of constants, a null test (`x == nil`), or not, and, or of predicates.
// Each leaf compiles to one function that reads its fields inline, where
// the generic tree calls a function value per operator and per operand:
// `value % 4 != 0` is one call instead of four, `status >= 500 and host ==
// "cdn"` three instead of six. A predicate yields exactly what the generic
// functions it stands for yield, null rules included.
type predicate struct {
	op predOp
	// want holds the relations for which a comparison is true; eq is set
	// for == and !=, under which null compares as a value.
	want rel
	eq   bool
	// l is the left operand; r the right one unless rconst, when the right
	// side is the constant i, f or s (by the comparison's kind).
	l, r   operand
	rconst bool
	i      int64
	f      float64
	s      string
	// The set of `in` (one slice, by kind), and whether it holds nil.
	ints   []int64
	floats []float64
	strs   []string
	hasNil bool
	// neg: `x != nil` rather than `x == nil`.
	neg bool
	// a and b are the operands of not (a only), and, or.
	a, b *predicate
	// eval evaluates the predicate; see fn.
	eval fn[bool]
	// batch, when set, evaluates the predicate over a batch of events as
	// Program.Bool does (null is false) into dst[:len(evs)], with no call
	// per event. Only comparisons of an int operand with a constant have
	// one.
	batch func(evs []event.Event, dst []bool)
}

type predOp uint8

const (
	predInt      predOp = iota // compare ints (and times)
	predFloat                  // compare floats
	predString                 // compare strings
	predInInt                  // int in a set
	predInFloat                // float in a set
	predInString               // string in a set
	predNull                   // x == nil, x != nil
	predNot
	predAnd
	predOr
)

// rel is a set of relations between two compared values.
type rel uint8

const (
	relLT rel = 1 << iota
	relEQ
	relGT
	relUN // unordered: NaN
)

// relOf returns the relations for which comparison operator op is true.
func relOf(op string) rel {
	switch op {
	case "<":
		return relLT
	case "<=":
		return relLT | relEQ
	case ">":
		return relGT
	case ">=":
		return relGT | relEQ
	case "==":
		return relEQ
	case "!=":
		return relLT | relGT | relUN
	}
	panic("BUG: comparison operator " + op)
}

// comparison returns the predicate of `l op r` compared as kind, or nil
// when that is not a predicate's shape: l must be an operand, r an operand
// or a non-null constant.
func comparison(op string, kind event.Kind, l, r *node) *predicate {
	if l.op == nil {
		return nil
	}
	p := &predicate{want: relOf(op), eq: op == "==" || op == "!=", l: *l.op}
	switch {
	case r.konst && !r.val.IsNull():
		p.rconst = true
	case r.op != nil:
		p.r = *r.op
	default:
		return nil
	}
	switch kind {
	case event.Int, event.Time:
		p.op, p.i = predInt, int64(r.val.N)
		if p.rconst {
			p.batch = p.intBatch()
		}
	case event.Float:
		p.op, p.f = predFloat, r.val.Float()
	case event.String:
		p.op, p.s = predString, r.val.S
	default:
		return nil
	}
	return p
}

// membership returns the predicate of `l in set` (set being the non-null
// constants of elems converted to kind), or nil when l is not an operand
// or the set is too large to scan.
func membership(kind event.Kind, l *node, elems []*node, hasNil bool) *predicate {
	o := l.op
	if kind == event.Float {
		o = o.floatOperand()
	}
	if o == nil {
		return nil
	}
	p := &predicate{l: *o, hasNil: hasNil}
	switch kind {
	case event.Int, event.Time:
		p.op, p.ints = predInInt, setOf(elems, event.Value.Int)
	case event.Float:
		p.op, p.floats = predInFloat, setOf(elems, event.Value.Float)
	case event.String:
		p.op, p.strs = predInString, setOf(elems, event.Value.Str)
	default:
		return nil
	}
	if len(p.ints)+len(p.floats)+len(p.strs) > smallSet {
		return nil
	}
	return p
}

// nullTest returns the predicate of `x == nil` (or `x != nil` when neg),
// or nil when x is not an operand.
func nullTest(x *node, neg bool) *predicate {
	if x.op == nil {
		return nil
	}
	return &predicate{op: predNull, l: *x.op, neg: neg}
}

// combine returns the predicate applying op (predNot, predAnd, predOr) to
// a (and b), or nil when an operand is not a predicate.
func combine(op predOp, a, b *predicate) *predicate {
	if a == nil || (b == nil && op != predNot) {
		return nil
	}
	return &predicate{op: op, a: a, b: b}
}

// fn returns the function evaluating p, built on first use. A leaf's
// function reads its operands inline and calls nothing; not, and, or call
// their operands' functions.
func (p *predicate) fn() fn[bool] {
	if p.eval == nil {
		p.eval = p.build()
	}
	return p.eval
}

func (p *predicate) build() fn[bool] {
	switch p.op {
	case predInt:
		return p.cmpInt()
	case predFloat:
		return p.cmpFloat()
	case predString:
		return p.cmpString()
	case predInInt:
		return p.inInt()
	case predInFloat:
		return p.inFloat()
	case predInString:
		return p.inString()
	case predNull:
		l, neg := p.l, p.neg
		return func(e *event.Event) (bool, bool) { return l.valid(e) == neg, true }
	case predNot:
		a := p.a.fn()
		return func(e *event.Event) (bool, bool) {
			v, ok := a(e)
			return !v, ok
		}
	case predAnd:
		a, b := p.a.fn(), p.b.fn()
		return func(e *event.Event) (bool, bool) {
			// Three-valued: false and null is false.
			x, ok := a(e)
			if ok && !x {
				return false, true
			}
			y, ok2 := b(e)
			if ok2 && !y {
				return false, true
			}
			return true, ok && ok2
		}
	case predOr:
		a, b := p.a.fn(), p.b.fn()
		return func(e *event.Event) (bool, bool) {
			// Three-valued: true or null is true.
			x, ok := a(e)
			if ok && x {
				return true, true
			}
			y, ok2 := b(e)
			if ok2 && y {
				return true, true
			}
			return false, ok && ok2
		}
	}
	panic("BUG: predicate op")
}

// null is the outcome of a comparison with a null operand (ok or ok2
// false): null under the ordering operators; under == and != null equals
// null and nothing else.
func (p *predicate) null(ok, ok2 bool) (bool, bool) {
	if !p.eq {
		return false, false
	}
	r := relLT
	if ok == ok2 {
		r = relEQ
	}
	return p.want&r != 0, true
}

// The comparisons read their operands inline (readInt and readFloat are
// inlined; operand's methods are too large to be), and compute the
// relation without branching on the values, so that a filter whose outcome
// varies from event to event does not pay for mispredicted branches here.
// The functions building them are kept out of line: inlined into build,
// their closures would belong to a function too large for the compiler to
// inline the readers into them.

//go:noinline
func (p *predicate) cmpInt() fn[bool] {
	return func(e *event.Event) (bool, bool) {
		a, ok := readInt(e, p.l.slot)
		if p.l.mod != 0 && ok {
			a = p.l.reduce(a)
		}
		b, ok2 := p.i, true
		if !p.rconst {
			b, ok2 = readInt(e, p.r.slot)
			if p.r.mod != 0 && ok2 {
				b = p.r.reduce(b)
			}
		}
		if !ok || !ok2 {
			return p.null(ok, ok2)
		}
		r := when(a < b, relLT) | when(a == b, relEQ) | when(a > b, relGT)
		return p.want&r != 0, true
	}
}

// intBatch returns the batch evaluation of an int comparison with a
// constant.
//
//go:noinline
func (p *predicate) intBatch() func([]event.Event, []bool) {
	l, c, want := p.l, p.i, p.want
	// A null operand compares as unequal under == and != and is null (so
	// false) under the ordering operators.
	var null rel
	if p.eq {
		null = relLT
	}
	return func(evs []event.Event, dst []bool) {
		dst = dst[:len(evs)]
		for i := range evs {
			a, ok := readInt(&evs[i], l.slot)
			if l.mod != 0 && ok {
				a = l.reduce(a)
			}
			r := when(a < c, relLT) | when(a == c, relEQ) | when(a > c, relGT)
			if !ok {
				r = null
			}
			dst[i] = want&r != 0
		}
	}
}

// when returns r if b, else 0, without a branch on data: the compiler
// turns the bool into 0 or 1 with a SETcc.
func when(b bool, r rel) rel {
	return rel(b2u(b)) * r
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

//go:noinline
func (p *predicate) cmpFloat() fn[bool] {
	return func(e *event.Event) (bool, bool) {
		var a float64
		var ok bool
		if p.l.asFloat {
			var x int64
			x, ok = readInt(e, p.l.slot)
			if p.l.mod != 0 && ok {
				x = p.l.reduce(x)
			}
			a = float64(x)
		} else {
			a, ok = readFloat(e, p.l.slot)
		}
		b, ok2 := p.f, true
		if !p.rconst {
			b, ok2 = p.r.float(e)
		}
		if !ok || !ok2 {
			return p.null(ok, ok2)
		}
		r := when(a < b, relLT) | when(a == b, relEQ) | when(a > b, relGT)
		if r == 0 {
			r = relUN // a NaN: rare, so the branch is predicted
		}
		return p.want&r != 0, true
	}
}

//go:noinline
func (p *predicate) cmpString() fn[bool] {
	return func(e *event.Event) (bool, bool) {
		a, ok := readString(e, p.l.slot)
		b, ok2 := p.s, true
		if !p.rconst {
			b, ok2 = readString(e, p.r.slot)
		}
		if !ok || !ok2 {
			return p.null(ok, ok2)
		}
		if p.eq {
			return (a == b) == (p.want&relEQ != 0), true
		}
		r := relEQ
		switch strings.Compare(a, b) {
		case -1:
			r = relLT
		case 1:
			r = relGT
		}
		return p.want&r != 0, true
	}
}

//go:noinline
func (p *predicate) inInt() fn[bool] {
	return func(e *event.Event) (bool, bool) {
		a, ok := readInt(e, p.l.slot)
		if p.l.mod != 0 && ok {
			a = p.l.reduce(a)
		}
		if !ok {
			return p.hasNil, true
		}
		for _, w := range p.ints {
			if a == w {
				return true, true
			}
		}
		return false, true
	}
}

//go:noinline
func (p *predicate) inFloat() fn[bool] {
	return func(e *event.Event) (bool, bool) {
		a, ok := p.l.float(e)
		if !ok {
			return p.hasNil, true
		}
		for _, w := range p.floats {
			if a == w {
				return true, true
			}
		}
		return false, true
	}
}

//go:noinline
func (p *predicate) inString() fn[bool] {
	return func(e *event.Event) (bool, bool) {
		a, ok := readString(e, p.l.slot)
		if !ok {
			return p.hasNil, true
		}
		for _, w := range p.strs {
			if a == w {
				return true, true
			}
		}
		return false, true
	}
}
