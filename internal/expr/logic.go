package expr

import (
	"github.com/expr-lang/expr/ast"
	"github.com/greenwave/greenwave/internal/event"
)

// logic compiles and/&& and or/|| with short-circuit evaluation and
// three-valued (Kleene) logic: false and null is false, true or null is
// true, and the other combinations with a null are null.
func (c *compiler) logic(n *ast.BinaryNode, l, r *node) (*node, error) {
	if l.kind != event.Bool || r.kind != event.Bool {
		return nil, c.errAt(n, "operator %q not defined on %s and %s", n.Operator, l.describe(), r.describe())
	}
	res := &node{kind: event.Bool, pos: n.Location().From}
	and := n.Operator == "and" || n.Operator == "&&"
	op := predOr
	if and {
		op = predAnd
	}
	if p := combine(op, l.pred, r.pred); p != nil {
		res.b, res.pred = p.fn(), p
		return res, nil
	}
	a, b := l.b, r.b
	if and {
		res.b = func(e *event.Event) (bool, bool) {
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
	} else {
		res.b = func(e *event.Event) (bool, bool) {
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
	return fold(res, l, r), nil
}

// coalesce compiles `a ?? b`: a when it is not null, else b. The operands
// must share a kind (ints and floats mix as float; either may be nil).
func (c *compiler) coalesce(n *ast.BinaryNode, l, r *node) (*node, error) {
	kind, ok := unify(l.kind, r.kind)
	if !ok {
		return nil, c.errAt(n, "operator \"??\" needs operands of one kind, got %s and %s", l.describe(), r.describe())
	}
	pos := n.Location().From
	switch {
	case kind == event.Null:
		return constant(event.Null, event.Value{}, pos), nil
	case l.kind == event.Null:
		return r.as(kind), nil
	case l.konst && !l.val.IsNull():
		return l.as(kind), nil
	case r.kind == event.Null:
		return l.as(kind), nil
	}
	l, r = l.as(kind), r.as(kind)
	res := &node{kind: kind, pos: pos}
	switch kind {
	case event.Bool:
		res.b = orElse(l.b, r.b)
	case event.Int, event.Time:
		res.i = orElse(l.i, r.i)
	case event.Float:
		res.f = orElse(l.f, r.f)
	case event.String:
		res.s = orElse(l.s, r.s)
	}
	return fold(res, l, r), nil
}

func orElse[T any](a, b fn[T]) fn[T] {
	return func(e *event.Event) (T, bool) {
		if v, ok := a(e); ok {
			return v, true
		}
		return b(e)
	}
}
