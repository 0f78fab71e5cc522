package expr

import (
	"github.com/expr-lang/expr/ast"
	"github.com/greenwave/greenwave/internal/event"
)

// binary compiles a binary operator. Operators the native compiler does not
// know ("**", "^", "..") make the whole program fall back.
func (c *compiler) binary(n *ast.BinaryNode) (*node, error) {
	if n.Operator == "in" {
		return c.in(n)
	}
	ops, ok, err := c.compileAll(n.Left, n.Right)
	if err != nil || !ok {
		return nil, err
	}
	l, r := ops[0], ops[1]
	switch n.Operator {
	case "+", "-", "*", "/", "%":
		return c.arith(n, l, r)
	case "==", "!=", "<", "<=", ">", ">=":
		return c.compare(n, l, r)
	case "and", "&&", "or", "||":
		return c.logic(n, l, r)
	case "??":
		return c.coalesce(n, l, r)
	case "contains", "startsWith", "endsWith":
		return c.stringTest(n, l, r)
	case "matches":
		return c.matches(n, l, r)
	}
	return nil, nil
}

// unary compiles not/! (bool), - and + (numbers).
func (c *compiler) unary(n *ast.UnaryNode) (*node, error) {
	x, err := c.compile(n.Node)
	if err != nil || x == nil {
		return nil, err
	}
	pos := n.Location().From
	switch n.Operator {
	case "not", "!":
		if x.kind != event.Bool {
			return nil, c.errAt(n, "operator %q not defined on %s", n.Operator, x.describe())
		}
		if p := combine(predNot, x.pred, nil); p != nil {
			return &node{kind: event.Bool, pos: pos, b: p.fn(), pred: p}, nil
		}
		b := x.b
		return fold(&node{kind: event.Bool, pos: pos, b: func(e *event.Event) (bool, bool) {
			v, ok := b(e)
			return !v, ok
		}}, x), nil
	case "-", "+":
		if !isNumber(x.kind) {
			return nil, c.errAt(n, "operator %q not defined on %s", n.Operator, x.describe())
		}
		if n.Operator == "+" {
			return x, nil
		}
		r := &node{kind: x.kind, pos: pos}
		if x.kind == event.Int {
			r.i = negate(x.i)
		} else {
			r.f = negate(x.f)
		}
		return fold(r, x), nil
	}
	return nil, nil
}

func negate[T number](x fn[T]) fn[T] {
	return func(e *event.Event) (T, bool) {
		v, ok := x(e)
		return -v, ok
	}
}

// conditional compiles `c ? a : b` and `if c { a } else { b }`. A null
// condition selects the else branch, as a null filter condition drops the
// event.
func (c *compiler) conditional(n *ast.ConditionalNode) (*node, error) {
	ops, ok, err := c.compileAll(n.Cond, n.Exp1, n.Exp2)
	if err != nil || !ok {
		return nil, err
	}
	cond, a, b := ops[0], ops[1], ops[2]
	if cond.kind != event.Bool {
		return nil, c.errAt(n.Cond, "condition must be bool, got %s", cond.describe())
	}
	kind, ok := unify(a.kind, b.kind)
	if !ok {
		return nil, c.errAt(n.Exp2, "branches of a conditional must have one kind, got %s and %s", a.describe(), b.describe())
	}
	if cond.konst {
		if v, valid := cond.b(nil); v && valid {
			return a.as(kind), nil
		}
		return b.as(kind), nil
	}
	if kind == event.Null {
		return constant(event.Null, event.Value{}, n.Location().From), nil
	}
	a, b = a.as(kind), b.as(kind)
	r := &node{kind: kind, pos: n.Location().From}
	switch kind {
	case event.Bool:
		r.b = choose(cond.b, a.b, b.b)
	case event.Int, event.Time:
		r.i = choose(cond.b, a.i, b.i)
	case event.Float:
		r.f = choose(cond.b, a.f, b.f)
	case event.String:
		r.s = choose(cond.b, a.s, b.s)
	}
	return r, nil
}

func choose[T any](cond fn[bool], a, b fn[T]) fn[T] {
	return func(e *event.Event) (T, bool) {
		if v, ok := cond(e); v && ok {
			return a(e)
		}
		return b(e)
	}
}

// unify returns the kind two alternatives (ternary branches, ?? operands)
// share: the same kind, Float for Int and Float, the other kind when one is
// nil.
func unify(a, b event.Kind) (event.Kind, bool) {
	switch {
	case a == b:
		return a, true
	case a == event.Null:
		return b, true
	case b == event.Null:
		return a, true
	case isNumber(a) && isNumber(b):
		return event.Float, true
	}
	return 0, false
}
