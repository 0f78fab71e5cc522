package expr

import (
	"github.com/expr-lang/expr/ast"
	"github.com/greenwave/greenwave/internal/event"
)

// smallSet is the size up to which `in` scans a slice rather than hashing:
// a scan of a few values beats a map lookup.
const smallSet = 8

// in compiles `x in [a, b, ...]` over an array literal of constants, which
// becomes a set built once. It is true when x == some element under the
// semantics of ==, so it is never null: a null x is in the set only if the
// set holds nil. An array with non-constant elements falls back to
// expr-lang.
func (c *compiler) in(n *ast.BinaryNode) (*node, error) {
	l, err := c.compile(n.Left)
	if err != nil {
		return nil, err
	}
	arr, isArray := n.Right.(*ast.ArrayNode)
	if !isArray {
		r, err := c.compile(n.Right)
		if err != nil || l == nil || r == nil {
			return nil, err
		}
		return nil, c.errAt(n.Right, "operator \"in\" needs an array literal on the right, got %s", r.describe())
	}
	elems, ok, err := c.compileAll(arr.Nodes...)
	if err != nil || !ok || l == nil {
		return nil, err
	}
	for _, el := range elems {
		if !el.konst {
			return nil, nil
		}
	}
	pos := n.Location().From
	kind := l.kind
	hasNil := false
	for i, el := range elems {
		if el.kind == event.Null || el.val.IsNull() {
			hasNil = true
			continue
		}
		if l.kind == event.Null {
			continue
		}
		k, ok := comparedAs(l.kind, el.kind)
		if !ok {
			return nil, c.errAt(arr.Nodes[i], "cannot compare %s with %s", l.describe(), el.describe())
		}
		if k == event.Float {
			kind = event.Float
		}
	}
	if l.kind == event.Null {
		return constant(event.Bool, event.BoolValue(hasNil), pos), nil
	}
	res := &node{kind: event.Bool, pos: pos}
	if p := membership(kind, l, elems, hasNil); p != nil {
		res.b, res.pred = p.fn(), p
		return res, nil
	}
	switch kind {
	case event.Bool:
		res.b = member(l.b, setOf(elems, event.Value.Bool), hasNil)
	case event.Int, event.Time:
		res.b = member(l.i, setOf(elems, event.Value.Int), hasNil)
	case event.Float:
		res.b = member(l.floats(), setOf(elems, event.Value.Float), hasNil)
	case event.String:
		res.b = member(l.s, setOf(elems, event.Value.Str), hasNil)
	}
	return fold(res, l), nil
}

// setOf converts the non-null constants of elems.
func setOf[T any](elems []*node, conv func(event.Value) T) []T {
	out := make([]T, 0, len(elems))
	for _, el := range elems {
		if !el.val.IsNull() {
			out = append(out, conv(el.val))
		}
	}
	return out
}

// member returns a function telling whether x is one of values (or null
// when hasNil).
func member[T comparable](x fn[T], values []T, hasNil bool) fn[bool] {
	if len(values) <= smallSet {
		return func(e *event.Event) (bool, bool) {
			v, ok := x(e)
			if !ok {
				return hasNil, true
			}
			for _, w := range values {
				if v == w {
					return true, true
				}
			}
			return false, true
		}
	}
	set := make(map[T]struct{}, len(values))
	for _, v := range values {
		set[v] = struct{}{}
	}
	return func(e *event.Event) (bool, bool) {
		v, ok := x(e)
		if !ok {
			return hasNil, true
		}
		_, in := set[v]
		return in, true
	}
}
