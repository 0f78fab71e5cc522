package expr

import (
	"github.com/expr-lang/expr/ast"
	"github.com/greenwave/greenwave/internal/event"
)

type number interface{ int64 | float64 }

// arith compiles + - * / %. The kinds follow expr-lang: int op int is int,
// except "/" which always yields a float; a float operand makes the result a
// float; "%" takes ints only; "+" concatenates strings. Time arithmetic
// counts in nanoseconds: time - time is an int, time ± int is a time.
// Integer overflow wraps; x % 0 is null; x / 0 follows IEEE 754 (±Inf, NaN).
func (c *compiler) arith(n *ast.BinaryNode, l, r *node) (*node, error) {
	op := n.Operator
	res := &node{pos: n.Location().From}
	lk, rk := l.kind, r.kind
	switch {
	case op == "+" && lk == event.String && rk == event.String:
		res.kind = event.String
		res.s = concat(l.s, r.s)
	case op == "%" && lk == event.Int && rk == event.Int:
		res.kind = event.Int
		res.i = modulo(l.i, r.i)
		if r.konst && !r.val.IsNull() {
			if o := moduloOperand(l.op, int64(r.val.N)); o != nil {
				res.op = o
				res.i = o.int
			}
		}
	case op == "/" && isNumber(lk) && isNumber(rk):
		res.kind = event.Float
		res.f = arithOf("/", l.floats(), r.floats())
	case op != "/" && op != "%" && lk == event.Int && rk == event.Int:
		res.kind = event.Int
		res.i = arithOf(op, l.i, r.i)
	case op != "/" && op != "%" && isNumber(lk) && isNumber(rk):
		res.kind = event.Float
		res.f = arithOf(op, l.floats(), r.floats())
	case op == "-" && lk == event.Time && rk == event.Time:
		res.kind = event.Int
		res.i = arithOf(op, l.i, r.i)
	case (op == "+" || op == "-") && lk == event.Time && rk == event.Int,
		op == "+" && lk == event.Int && rk == event.Time:
		res.kind = event.Time
		res.i = arithOf(op, l.i, r.i)
	default:
		return nil, c.errAt(n, "operator %q not defined on %s and %s", op, l.describe(), r.describe())
	}
	return fold(res, l, r), nil
}

// arithOf returns the function applying op to two operands of one type; a
// null operand makes the result null.
func arithOf[T number](op string, l, r fn[T]) fn[T] {
	switch op {
	case "+":
		return func(e *event.Event) (T, bool) {
			a, ok := l(e)
			b, ok2 := r(e)
			return a + b, ok && ok2
		}
	case "-":
		return func(e *event.Event) (T, bool) {
			a, ok := l(e)
			b, ok2 := r(e)
			return a - b, ok && ok2
		}
	case "*":
		return func(e *event.Event) (T, bool) {
			a, ok := l(e)
			b, ok2 := r(e)
			return a * b, ok && ok2
		}
	case "/":
		// Only instantiated for float64: int / int is a float.
		return func(e *event.Event) (T, bool) {
			a, ok := l(e)
			b, ok2 := r(e)
			if !ok || !ok2 {
				return 0, false
			}
			return a / b, true
		}
	}
	panic("BUG: arithmetic operator " + op)
}

func modulo(l, r fn[int64]) fn[int64] {
	return func(e *event.Event) (int64, bool) {
		a, ok := l(e)
		b, ok2 := r(e)
		if !ok || !ok2 || b == 0 {
			return 0, false
		}
		return a % b, true
	}
}

func concat(l, r fn[string]) fn[string] {
	return func(e *event.Event) (string, bool) {
		a, ok := l(e)
		b, ok2 := r(e)
		if !ok || !ok2 {
			return "", false
		}
		return a + b, true
	}
}
