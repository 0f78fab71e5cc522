package expr

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/greenwave/greenwave/internal/event"
)

// nativeBuiltins are the expr-lang builtins the native compiler implements;
// a call to any other builtin falls back to expr-lang.
var nativeBuiltins = map[string]bool{
	"len": true, "lower": true, "upper": true, "trim": true, "trimPrefix": true, "trimSuffix": true,
	"hasPrefix": true, "hasSuffix": true, "indexOf": true, "lastIndexOf": true,
	"abs": true, "ceil": true, "floor": true, "round": true, "min": true, "max": true,
	"int": true, "float": true, "string": true, "now": true, "duration": true,
}

// builtin compiles a call of a builtin function. Every builtin yields null
// when an argument is null.
func (c *compiler) builtin(n *ast.BuiltinNode) (*node, error) {
	if !nativeBuiltins[n.Name] {
		return nil, nil
	}
	args, ok, err := c.compileAll(n.Arguments...)
	if err != nil || !ok {
		return nil, err
	}
	res, err := c.call(n, args)
	if err != nil || res == nil {
		return res, err
	}
	res.pos = n.Location().From
	if n.Name == "now" {
		return res, nil
	}
	folded := fold(res, args...)
	if folded.konst && folded.val.IsNull() && len(args) == 1 && !args[0].val.IsNull() {
		// A constant argument that does not convert: say so now rather
		// than yield null for every event.
		if n.Name == "duration" {
			return nil, c.errAt(n.Arguments[0], "invalid duration %s", literal(args[0].val))
		}
		return nil, c.errAt(n.Arguments[0], "cannot convert %s to %s", args[0].describe(), n.Name)
	}
	return folded, nil
}

// call type-checks the arguments and builds the function's node (without
// its position).
func (c *compiler) call(n *ast.BuiltinNode, args []*node) (*node, error) {
	name := n.Name
	switch name {
	case "now":
		if err := c.arity(n, args, 0, 0); err != nil {
			return nil, err
		}
		now := c.now
		return &node{kind: event.Time, i: func(*event.Event) (int64, bool) { return now().UnixNano(), true }}, nil
	case "len", "lower", "upper", "duration":
		if err := c.args(n, args, 1, 1, event.String); err != nil {
			return nil, err
		}
		switch name {
		case "len":
			return &node{kind: event.Int, i: apply(args[0].s, runeCount)}, nil
		case "lower":
			return &node{kind: event.String, s: apply(args[0].s, strings.ToLower)}, nil
		case "upper":
			return &node{kind: event.String, s: apply(args[0].s, strings.ToUpper)}, nil
		default:
			return &node{kind: event.Int, i: parseWith(args[0].s, func(s string) (int64, error) {
				d, err := time.ParseDuration(s)
				return int64(d), err
			})}, nil
		}
	case "trim", "trimPrefix", "trimSuffix":
		if err := c.args(n, args, 1, 2, event.String); err != nil {
			return nil, err
		}
		if len(args) == 1 {
			switch name {
			case "trim":
				return &node{kind: event.String, s: apply(args[0].s, strings.TrimSpace)}, nil
			case "trimPrefix":
				return &node{kind: event.String, s: apply(args[0].s, func(s string) string { return strings.TrimPrefix(s, " ") })}, nil
			}
			return &node{kind: event.String, s: apply(args[0].s, func(s string) string { return strings.TrimSuffix(s, " ") })}, nil
		}
		f := strings.Trim
		switch name {
		case "trimPrefix":
			f = strings.TrimPrefix
		case "trimSuffix":
			f = strings.TrimSuffix
		}
		return &node{kind: event.String, s: apply2(args[0].s, args[1].s, f)}, nil
	case "hasPrefix", "hasSuffix":
		if err := c.args(n, args, 2, 2, event.String); err != nil {
			return nil, err
		}
		test := strings.HasPrefix
		if name == "hasSuffix" {
			test = strings.HasSuffix
		}
		return &node{kind: event.Bool, b: stringPredicate(args[0].s, args[1].s, test)}, nil
	case "indexOf", "lastIndexOf":
		if err := c.args(n, args, 2, 2, event.String); err != nil {
			return nil, err
		}
		index := strings.Index
		if name == "lastIndexOf" {
			index = strings.LastIndex
		}
		return &node{kind: event.Int, i: apply2(args[0].s, args[1].s, func(s, sub string) int64 { return int64(index(s, sub)) })}, nil
	case "abs", "ceil", "floor", "round":
		if err := c.args(n, args, 1, 1, event.Int, event.Float); err != nil {
			return nil, err
		}
		x := args[0]
		switch {
		case name == "abs" && x.kind == event.Int:
			return &node{kind: event.Int, i: apply(x.i, func(v int64) int64 { return max(v, -v) })}, nil
		case name == "abs":
			return &node{kind: event.Float, f: apply(x.f, math.Abs)}, nil
		}
		round := math.Ceil
		switch name {
		case "floor":
			round = math.Floor
		case "round":
			round = math.Round
		}
		return &node{kind: event.Float, f: apply(x.floats(), round)}, nil
	case "min", "max":
		if err := c.args(n, args, 1, -1, event.Int, event.Float); err != nil {
			return nil, err
		}
		return extreme(name == "min", args), nil
	case "int", "float", "string":
		if err := c.arity(n, args, 1, 1); err != nil {
			return nil, err
		}
		return c.convert(n, args[0])
	}
	panic("BUG: builtin " + name + " listed as native but not compiled")
}

// arity checks the number of arguments; max < 0 means no upper bound.
func (c *compiler) arity(n *ast.BuiltinNode, args []*node, lo, hi int) error {
	if len(args) >= lo && (hi < 0 || len(args) <= hi) {
		return nil
	}
	var want string
	switch {
	case hi < 0:
		want = "at least " + plural(lo, "argument")
	case lo == hi:
		want = plural(lo, "argument")
	default:
		want = strconv.Itoa(lo) + " or " + plural(hi, "argument")
	}
	return c.errAt(n, "function %s takes %s, got %d", n.Name, want, len(args))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// args checks the number of arguments and that each has one of kinds.
func (c *compiler) args(n *ast.BuiltinNode, args []*node, lo, hi int, kinds ...event.Kind) error {
	if err := c.arity(n, args, lo, hi); err != nil {
		return err
	}
	for i, a := range args {
		ok := false
		for _, k := range kinds {
			ok = ok || a.kind == k
		}
		if !ok {
			names := make([]string, len(kinds))
			for j, k := range kinds {
				names[j] = k.String()
			}
			return c.errAt(n.Arguments[i], "function %s expects %s, got %s", n.Name, strings.Join(names, " or "), a.describe())
		}
	}
	return nil
}

func runeCount(s string) int64 { return int64(utf8.RuneCountInString(s)) }

// apply lifts a plain function to a null-propagating one.
func apply[A, R any](x fn[A], f func(A) R) fn[R] {
	return func(e *event.Event) (R, bool) {
		v, ok := x(e)
		if !ok {
			var zero R
			return zero, false
		}
		return f(v), true
	}
}

func apply2[A, B, R any](x fn[A], y fn[B], f func(A, B) R) fn[R] {
	return func(e *event.Event) (R, bool) {
		a, ok := x(e)
		b, ok2 := y(e)
		if !ok || !ok2 {
			var zero R
			return zero, false
		}
		return f(a, b), true
	}
}

// parseWith lifts a parser; a value that does not parse is null.
func parseWith[R any](x fn[string], parse func(string) (R, error)) fn[R] {
	return func(e *event.Event) (R, bool) {
		s, ok := x(e)
		if !ok {
			var zero R
			return zero, false
		}
		v, err := parse(s)
		return v, err == nil
	}
}

// extreme compiles min (least) or max over numeric arguments: an int when
// all are ints, else a float.
func extreme(least bool, args []*node) *node {
	kind := event.Int
	for _, a := range args {
		if a.kind == event.Float {
			kind = event.Float
		}
	}
	if kind == event.Int {
		f := args[0].i
		for _, a := range args[1:] {
			f = pick(least, f, a.i)
		}
		return &node{kind: kind, i: f}
	}
	f := args[0].floats()
	for _, a := range args[1:] {
		f = pick(least, f, a.floats())
	}
	return &node{kind: kind, f: f}
}

func pick[T number](least bool, l, r fn[T]) fn[T] {
	return func(e *event.Event) (T, bool) {
		a, ok := l(e)
		b, ok2 := r(e)
		if least {
			return min(a, b), ok && ok2
		}
		return max(a, b), ok && ok2
	}
}
