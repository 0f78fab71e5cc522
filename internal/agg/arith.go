package agg

import (
	"math"
	"strconv"
	"strings"

	"github.com/greenwave/greenwave/internal/event"
)

// opKind is the operation of an expression node.
type opKind uint8

const (
	opCall opKind = iota // the result of Spec.Calls[call]
	opNum                // the constant num
	opNeg
	opAdd
	opSub
	opMul
	opDiv
)

// node is a node of the arithmetic over an aggregate's calls. Its kind is
// Int or Float, fixed at parse time.
type node struct {
	op   opKind
	kind event.Kind
	call int
	num  event.Value
	l, r *node
	off  int // byte offset in the text
}

// eval computes the expression from the calls' results in vals (indexed
// like Spec.Calls). A null operand makes the result null, and so does a
// division by zero. Int arithmetic wraps at 64 bits. It does not allocate.
func (n *node) eval(vals []event.Value) event.Value {
	switch n.op {
	case opCall:
		return vals[n.call]
	case opNum:
		return n.num
	case opNeg:
		x := n.l.eval(vals)
		switch {
		case x.IsNull():
			return x
		case n.kind == event.Int:
			return event.IntValue(-x.Int())
		}
		return event.FloatValue(-x.Float())
	}
	a := n.l.eval(vals)
	if a.IsNull() {
		return a
	}
	b := n.r.eval(vals)
	if b.IsNull() {
		return b
	}
	if n.kind == event.Int {
		x, y := a.Int(), b.Int()
		switch n.op {
		case opAdd:
			return event.IntValue(x + y)
		case opSub:
			return event.IntValue(x - y)
		case opMul:
			return event.IntValue(x * y)
		}
		panic("BUG: agg: int arithmetic node with operation " + strconv.Itoa(int(n.op)))
	}
	x, y := a.Float(), b.Float()
	var r float64
	switch n.op {
	case opAdd:
		r = x + y
	case opSub:
		r = x - y
	case opMul:
		r = x * y
	case opDiv:
		if y == 0 {
			return event.Value{}
		}
		r = x / y
	}
	if math.IsNaN(r) {
		return event.Value{}
	}
	return event.FloatValue(r)
}

// precedence of a node's operation, for formatting.
func (n *node) precedence() int {
	switch n.op {
	case opAdd, opSub:
		return 1
	case opMul, opDiv:
		return 2
	case opNeg:
		return 3
	}
	return 4
}

var opText = [...]string{opAdd: " + ", opSub: " - ", opMul: " * ", opDiv: " / "}

// format appends the expression in canonical form. With full set, every
// operation is parenthesised, which shows the tree's shape.
func (n *node) format(b []byte, calls []Call, full bool) []byte {
	switch n.op {
	case opCall:
		return append(b, callText(&calls[n.call])...)
	case opNum:
		if n.num.Kind == event.Int {
			return n.num.AppendText(b)
		}
		// A float keeps a point or exponent, so it reads back as a float.
		start := len(b)
		b = strconv.AppendFloat(b, n.num.Float(), 'g', -1, 64)
		if !strings.ContainsAny(string(b[start:]), ".e") {
			b = append(b, ".0"...)
		}
		return b
	case opNeg:
		b = append(b, '-')
		return n.l.formatOperand(b, calls, full, n.precedence(), false)
	}
	if full {
		b = append(b, '(')
	}
	b = n.l.formatOperand(b, calls, full, n.precedence(), false)
	b = append(b, opText[n.op]...)
	b = n.r.formatOperand(b, calls, full, n.precedence(), true)
	if full {
		b = append(b, ')')
	}
	return b
}

// formatOperand formats n as an operand of an operation of precedence
// prec, in parentheses when it binds less tightly (or equally, on the right
// of a left-associative operation).
func (n *node) formatOperand(b []byte, calls []Call, full bool, prec int, right bool) []byte {
	p := n.precedence()
	if !full && (p < prec || (right && p == prec && p < 3)) {
		b = append(b, '(')
		b = n.format(b, calls, full)
		return append(b, ')')
	}
	return n.format(b, calls, full)
}

// String returns the aggregate in canonical form: "name = text" with
// spacing normalised and only the parentheses precedence needs.
func (s *Spec) String() string {
	return s.Name + " = " + s.canonical(false)
}

// canonical formats the aggregate's text; full parenthesises every
// operation.
func (s *Spec) canonical(full bool) string {
	if s.expr == nil {
		return callText(&s.Calls[0])
	}
	return string(s.expr.format(nil, s.Calls, full))
}
