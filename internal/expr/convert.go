package expr

import (
	"strconv"
	"time"

	"github.com/expr-lang/expr/ast"
	"github.com/greenwave/greenwave/internal/event"
)

// convert compiles int(), float() and string().
func (c *compiler) convert(n *ast.BuiltinNode, x *node) (*node, error) {
	switch {
	case n.Name == "int" && x.kind == event.Int, n.Name == "float" && x.kind == event.Float,
		n.Name == "string" && x.kind == event.String:
		return &node{kind: x.kind, b: x.b, i: x.i, f: x.f, s: x.s}, nil
	case n.Name == "int" && x.kind == event.Time:
		// Unix nanoseconds (expr-lang itself has no int(time)).
		return &node{kind: event.Int, i: x.i}, nil
	case n.Name == "int" && x.kind == event.Float:
		return &node{kind: event.Int, i: apply(x.f, func(f float64) int64 { return int64(f) })}, nil
	case n.Name == "int" && x.kind == event.String:
		return &node{kind: event.Int, i: parseWith(x.s, func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) })}, nil
	case n.Name == "float" && x.kind == event.Int:
		return &node{kind: event.Float, f: x.floats()}, nil
	case n.Name == "float" && x.kind == event.String:
		return &node{kind: event.Float, f: parseWith(x.s, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) })}, nil
	case n.Name == "string" && x.kind == event.Int:
		return &node{kind: event.String, s: apply(x.i, func(v int64) string { return strconv.FormatInt(v, 10) })}, nil
	case n.Name == "string" && x.kind == event.Float:
		return &node{kind: event.String, s: apply(x.f, func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) })}, nil
	case n.Name == "string" && x.kind == event.Bool:
		return &node{kind: event.String, s: apply(x.b, strconv.FormatBool)}, nil
	case n.Name == "string" && x.kind == event.Time:
		return &node{kind: event.String, s: apply(x.i, func(v int64) string {
			return time.Unix(0, v).UTC().Format(time.RFC3339Nano)
		})}, nil
	}
	return nil, c.errAt(n.Arguments[0], "cannot convert %s to %s", x.describe(), n.Name)
}
