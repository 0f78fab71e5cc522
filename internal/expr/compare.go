package expr

import (
	"cmp"

	"github.com/expr-lang/expr/ast"
	"github.com/greenwave/greenwave/internal/event"
)

// compare compiles == != < <= > >=. Numbers compare across int and float;
// strings, bools (== and != only) and times compare with their own kind.
//
// Null semantics: == and != never yield null: null == null is true and null
// == x is false for any non-null x (so `x == nil` tests for a missing
// field). The ordering operators yield null when an operand is null.
func (c *compiler) compare(n *ast.BinaryNode, l, r *node) (*node, error) {
	op := n.Operator
	pos := n.Location().From
	eq := op == "==" || op == "!="
	neg := op == "!="
	if l.kind == event.Null || r.kind == event.Null {
		if !eq {
			return nil, c.errAt(n, "cannot compare %s with %s using %q", l.describe(), r.describe(), op)
		}
		x := l
		if x.kind == event.Null {
			x = r
		}
		if x.kind == event.Null {
			return constant(event.Bool, event.BoolValue(!neg), pos), nil
		}
		if p := nullTest(x, neg); p != nil {
			return &node{kind: event.Bool, pos: pos, b: p.fn(), pred: p}, nil
		}
		return fold(&node{kind: event.Bool, pos: pos, b: isNull(x, neg)}, x), nil
	}
	kind, ok := comparedAs(l.kind, r.kind)
	if !ok {
		return nil, c.errAt(n, "cannot compare %s with %s", l.describe(), r.describe())
	}
	if kind == event.Bool && !eq {
		return nil, c.errAt(n, "operator %q not defined on %s and %s", op, l.describe(), r.describe())
	}
	if l.konst && !r.konst {
		l, r, op = r, l, mirror(op)
	}
	l, r = l.as(kind), r.as(kind)
	res := &node{kind: event.Bool, pos: pos}
	if p := comparison(op, kind, l, r); p != nil {
		res.b, res.pred = p.fn(), p
		return res, nil
	}
	switch kind {
	case event.Int, event.Time:
		res.b = compareOf(op, l.i, r.i, constOf[int64](r))
	case event.Float:
		res.b = compareOf(op, l.f, r.f, constOf[float64](r))
	case event.String:
		res.b = compareOf(op, l.s, r.s, constOf[string](r))
	case event.Bool:
		res.b = equalOf(neg, l.b, r.b, constOf[bool](r))
	}
	return fold(res, l, r), nil
}

// comparedAs returns the kind two operands are compared as.
func comparedAs(a, b event.Kind) (event.Kind, bool) {
	switch {
	case a == b:
		return a, true
	case isNumber(a) && isNumber(b):
		return event.Float, true
	}
	return 0, false
}

// mirror returns the operator that gives the same result with its operands
// swapped.
func mirror(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}

// constOf returns a pointer to the value of a non-null constant node, or nil.
func constOf[T any](n *node) *T {
	if !n.konst || n.val.IsNull() {
		return nil
	}
	v, _ := get[T](n)(nil)
	return &v
}

// get returns n's function of Go type T.
func get[T any](n *node) fn[T] {
	var f any
	switch any(*new(T)).(type) {
	case bool:
		f = n.b
	case int64:
		f = n.i
	case float64:
		f = n.f
	case string:
		f = n.s
	}
	return f.(fn[T])
}

// isNull returns a function telling whether x is null (or, negated, not
// null).
func isNull(x *node, neg bool) fn[bool] {
	var valid fn[bool]
	switch x.kind {
	case event.Bool:
		valid = validity(x.b)
	case event.Int, event.Time:
		valid = validity(x.i)
	case event.Float:
		valid = validity(x.f)
	case event.String:
		valid = validity(x.s)
	}
	return func(e *event.Event) (bool, bool) {
		ok, _ := valid(e)
		return ok == neg, true
	}
}

func validity[T any](f fn[T]) fn[bool] {
	return func(e *event.Event) (bool, bool) {
		_, ok := f(e)
		return ok, true
	}
}

// equalOf compiles == (neg false) or != (neg true), with the null semantics
// described at compare. rc is the right operand's value when it is a
// non-null constant.
func equalOf[T comparable](neg bool, l, r fn[T], rc *T) fn[bool] {
	if rc != nil {
		c := *rc
		return func(e *event.Event) (bool, bool) {
			a, ok := l(e)
			if !ok {
				return neg, true
			}
			return (a == c) != neg, true
		}
	}
	return func(e *event.Event) (bool, bool) {
		a, ok := l(e)
		b, ok2 := r(e)
		if !ok || !ok2 {
			return (ok == ok2) != neg, true
		}
		return (a == b) != neg, true
	}
}

// compareOf compiles any comparison of two ordered operands. rc is the right
// operand's value when it is a non-null constant.
func compareOf[T cmp.Ordered](op string, l, r fn[T], rc *T) fn[bool] {
	if op == "==" || op == "!=" {
		return equalOf(op == "!=", l, r, rc)
	}
	if rc != nil {
		c := *rc
		switch op {
		case "<":
			return func(e *event.Event) (bool, bool) { a, ok := l(e); return a < c, ok }
		case "<=":
			return func(e *event.Event) (bool, bool) { a, ok := l(e); return a <= c, ok }
		case ">":
			return func(e *event.Event) (bool, bool) { a, ok := l(e); return a > c, ok }
		case ">=":
			return func(e *event.Event) (bool, bool) { a, ok := l(e); return a >= c, ok }
		}
	}
	switch op {
	case "<":
		return func(e *event.Event) (bool, bool) { a, ok := l(e); b, ok2 := r(e); return a < b, ok && ok2 }
	case "<=":
		return func(e *event.Event) (bool, bool) { a, ok := l(e); b, ok2 := r(e); return a <= b, ok && ok2 }
	case ">":
		return func(e *event.Event) (bool, bool) { a, ok := l(e); b, ok2 := r(e); return a > b, ok && ok2 }
	case ">=":
		return func(e *event.Event) (bool, bool) { a, ok := l(e); b, ok2 := r(e); return a >= b, ok && ok2 }
	}
	panic("BUG: comparison operator " + op)
}
