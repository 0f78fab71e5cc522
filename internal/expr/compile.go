package expr

import (
	"time"

	"github.com/expr-lang/expr/ast"
	"github.com/greenwave/greenwave/internal/event"
)

// compiler turns an expr-lang AST into a node tree. compile returns a nil
// node (and no error) for syntax the native compiler does not support; the
// caller then falls back to expr-lang's VM. Operands are compiled before that
// decision propagates, so errors in supported parts (an unknown field) are
// still reported with our messages.
type compiler struct {
	src    string
	schema *event.Schema
	now    func() time.Time
	// generic: compile every node to generic functions, with no operands
	// (and so no predicates).
	generic bool
}

func (c *compiler) errAt(n ast.Node, format string, args ...any) *Error {
	return errorAt(c.src, n.Location().From, format, args...)
}

func (c *compiler) compile(n ast.Node) (*node, error) {
	pos := n.Location().From
	switch n := n.(type) {
	case *ast.NilNode:
		return constant(event.Null, event.Value{}, pos), nil
	case *ast.BoolNode:
		return constant(event.Bool, event.BoolValue(n.Value), pos), nil
	case *ast.IntegerNode:
		return constant(event.Int, event.IntValue(int64(n.Value)), pos), nil
	case *ast.FloatNode:
		return constant(event.Float, event.FloatValue(n.Value), pos), nil
	case *ast.StringNode:
		return constant(event.String, event.StringValue(n.Value), pos), nil
	case *ast.IdentifierNode:
		return c.identifier(n, n.Value)
	case *ast.MemberNode:
		// $env["name"] and $env.name reach fields whose names are not
		// identifiers ("user-agent").
		if id, ok := n.Node.(*ast.IdentifierNode); ok && id.Value == "$env" && !n.Method {
			if name, ok := n.Property.(*ast.StringNode); ok {
				return c.identifier(n, name.Value)
			}
		}
		return nil, nil
	case *ast.UnaryNode:
		return c.unary(n)
	case *ast.BinaryNode:
		return c.binary(n)
	case *ast.ConditionalNode:
		return c.conditional(n)
	case *ast.BuiltinNode:
		return c.builtin(n)
	}
	return nil, nil
}

// compileAll compiles operands in order. It returns ok=false when one of them
// is not supported natively.
func (c *compiler) compileAll(ns ...ast.Node) ([]*node, bool, error) {
	out := make([]*node, len(ns))
	ok := true
	for i, n := range ns {
		r, err := c.compile(n)
		if err != nil {
			return nil, false, err
		}
		if r == nil {
			ok = false
		}
		out[i] = r
	}
	return out, ok, nil
}

// identifier resolves a field reference to its slot.
func (c *compiler) identifier(at ast.Node, name string) (*node, error) {
	slot, ok := c.schema.Slot(name)
	if !ok {
		return nil, c.errAt(at, "%s", UnknownField(name, c.schema.Names()))
	}
	f := c.schema.Fields[slot]
	n := &node{kind: f.Kind, pos: at.Location().From, field: name}
	if !c.generic {
		n.op = fieldOperand(slot, f.Kind)
	}
	switch f.Kind {
	case event.Bool:
		n.b = fieldBool(slot)
	case event.Int, event.Time:
		n.i = fieldInt(slot)
	case event.Float:
		n.f = fieldFloat(slot)
	case event.String:
		n.s = fieldString(slot)
	default:
		return nil, c.errAt(at, "field %q has no kind", name)
	}
	return n, nil
}

// The field functions read a slot with the readers of operand.go. The
// functions building them are kept out of line: inlined into identifier,
// their closures would not get the readers inlined.

//go:noinline
func fieldBool(slot int) fn[bool] {
	return func(e *event.Event) (bool, bool) { return readBool(e, slot) }
}

//go:noinline
func fieldInt(slot int) fn[int64] {
	return func(e *event.Event) (int64, bool) { return readInt(e, slot) }
}

//go:noinline
func fieldFloat(slot int) fn[float64] {
	return func(e *event.Event) (float64, bool) { return readFloat(e, slot) }
}

//go:noinline
func fieldString(slot int) fn[string] {
	return func(e *event.Event) (string, bool) { return readString(e, slot) }
}
