package expr

import (
	"regexp"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/greenwave/greenwave/internal/event"
)

// stringTest compiles contains, startsWith and endsWith; both operands are
// strings and a null operand makes the result null.
func (c *compiler) stringTest(n *ast.BinaryNode, l, r *node) (*node, error) {
	if l.kind != event.String || r.kind != event.String {
		return nil, c.errAt(n, "operator %q not defined on %s and %s", n.Operator, l.describe(), r.describe())
	}
	var test func(s, sub string) bool
	switch n.Operator {
	case "contains":
		test = strings.Contains
	case "startsWith":
		test = strings.HasPrefix
	case "endsWith":
		test = strings.HasSuffix
	}
	res := &node{kind: event.Bool, pos: n.Location().From, b: stringPredicate(l.s, r.s, test)}
	return fold(res, l, r), nil
}

func stringPredicate(l, r fn[string], test func(s, sub string) bool) fn[bool] {
	return func(e *event.Event) (bool, bool) {
		a, ok := l(e)
		b, ok2 := r(e)
		if !ok || !ok2 {
			return false, false
		}
		return test(a, b), true
	}
}

// matches compiles `s matches "re"`. The pattern must be a constant so that
// it is compiled once, here (Go RE2 syntax).
func (c *compiler) matches(n *ast.BinaryNode, l, r *node) (*node, error) {
	if l.kind != event.String || r.kind != event.String {
		return nil, c.errAt(n, "operator \"matches\" not defined on %s and %s", l.describe(), r.describe())
	}
	if !r.konst || r.val.IsNull() {
		return nil, c.errAt(n.Right, "the pattern of \"matches\" must be a constant string, got %s", r.describe())
	}
	re, err := regexp.Compile(r.val.S)
	if err != nil {
		return nil, c.errAt(n.Right, "invalid regular expression %q: %v", r.val.S, err)
	}
	s := l.s
	res := &node{kind: event.Bool, pos: n.Location().From, b: func(e *event.Event) (bool, bool) {
		v, ok := s(e)
		if !ok {
			return false, false
		}
		return re.MatchString(v), true
	}}
	return fold(res, l), nil
}
