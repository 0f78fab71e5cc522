package spec

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/greenwave/greenwave/internal/component"
)

// option checks one of the component's own options against its Spec and
// stores the converted value in values. Options of a component whose type
// is missing or unknown cannot be checked and are skipped (the type is
// reported instead).
func (l *loader) option(c *Component, e entry, values map[string]any) {
	if c.Spec == nil {
		return
	}
	o, ok := c.Spec.Option(e.key)
	if !ok {
		l.errorf(e.keyPos, c.Desc(), "unknown option %q%s", e.key, l.optionHint(c, e.key))
		return
	}
	if v, ok := l.convert(c.Desc(), o, e.value); ok {
		values[o.Name] = v
	}
}

// optionHint suggests the closest option or common key, or lists the
// options of the type when none is close.
func (l *loader) optionHint(c *Component, name string) string {
	var names []string
	for _, o := range c.Spec.Options {
		names = append(names, o.Name)
	}
	cands := append([]string{"type"}, names...)
	if c.Kind != component.KindSource {
		cands = append(cands, "inputs", "buffer")
	} else {
		cands = append(cands, "event_time")
	}
	if c.Spec.Keyed {
		cands = append(cands, "key", "parallelism")
	} else if c.Kind == component.KindSource && c.Spec.Parallel {
		cands = append(cands, "parallelism")
	}
	if hint := didYouMean(name, cands); hint != "" {
		return hint
	}
	if len(names) == 0 {
		return fmt.Sprintf("; type %q has no options", c.Type)
	}
	return fmt.Sprintf(" (options of %q: %s)", c.Type, strings.Join(names, ", "))
}

// convert checks n against o and converts it to the Go type o.Type names.
// It reports problems itself, prefixed with the option name, and returns
// false after any.
func (l *loader) convert(desc string, o *component.Option, n ast.Node) (any, bool) {
	pos := l.pos(n)
	fail := func(format string, args ...any) (any, bool) {
		l.errorf(pos, desc, "option %q: %s", o.Name, fmt.Sprintf(format, args...))
		return nil, false
	}
	v := l.resolve(n)
	if v == nil {
		return nil, false
	}
	got := l.describe(v)
	switch o.Type {
	case component.String:
		s, ok := l.text(v)
		if !ok {
			return fail("expected a string, got %s", got)
		}
		return s, true

	case component.Expr:
		s, ok := l.text(v)
		if !ok {
			return fail("expected an expression, got %s", got)
		}
		if strings.TrimSpace(s) == "" {
			return fail("expression is empty")
		}
		return s, true

	case component.Enum:
		s, ok := l.text(v)
		if !ok {
			return fail("expected one of %s, got %s", quoteList(o.Enum), got)
		}
		if !slices.Contains(o.Enum, s) {
			return fail("%q is not one of %s%s", s, quoteList(o.Enum), didYouMean(s, o.Enum))
		}
		return s, true

	case component.Int:
		i, ok := intValue(v)
		if !ok {
			if s, isStr := v.(*ast.StringNode); isStr && isInteger(s.Value) {
				return fail("%s is out of range for an int", s.Value)
			}
			return fail("expected an int, got %s", got)
		}
		if o.HasMin && float64(i) < o.Min {
			return fail("must be at least %s, got %d", formatFloat(o.Min), i)
		}
		return i, true

	case component.Float:
		f, ok := floatValue(v)
		if !ok {
			return fail("expected a number, got %s", got)
		}
		if o.HasMin && f < o.Min {
			return fail("must be at least %s, got %s", formatFloat(o.Min), formatFloat(f))
		}
		return f, true

	case component.Bool:
		b, ok := v.(*ast.BoolNode)
		if !ok {
			return fail("expected true or false, got %s", got)
		}
		return b.Value, true

	case component.Duration:
		var d time.Duration
		switch t := v.(type) {
		case *ast.StringNode:
			var err error
			if d, err = ParseDuration(t.Value); err != nil {
				return fail("%v", err)
			}
		case *ast.IntegerNode:
			if i, ok := intValue(t); !ok || i != 0 {
				return fail(`expected a duration such as "250ms" or "5s", got %s (a number needs a unit)`, got)
			}
		default:
			return fail(`expected a duration such as "250ms" or "5s", got %s`, got)
		}
		// Min is in the Go value's unit: nanoseconds.
		if o.HasMin && float64(d) < o.Min {
			return fail("must be at least %v, got %v", time.Duration(o.Min), d)
		}
		return d, true

	case component.Size:
		var size int64
		switch t := v.(type) {
		case *ast.StringNode, *ast.FloatNode:
			s, _ := l.text(t)
			var err error
			if size, err = ParseSize(s); err != nil {
				return fail("%v", err)
			}
		case *ast.IntegerNode:
			i, ok := intValue(t)
			if !ok {
				return fail("size %s is too large", got)
			}
			if i < 0 {
				return fail("size %d is negative", i)
			}
			size = i
		default:
			return fail(`expected a size such as "64KiB" or "1MB", got %s`, got)
		}
		// Min is in the Go value's unit: bytes.
		if o.HasMin && float64(size) < o.Min {
			return fail("must be at least %s bytes, got %d", formatFloat(o.Min), size)
		}
		return size, true

	case component.StringList:
		list, ok := l.stringList(desc, fmt.Sprintf("option %q: ", o.Name), v)
		if !ok {
			return fail("expected a string or a list of strings, got %s", got)
		}
		return list, true

	case component.StringMap:
		m, ok := v.(*ast.MappingNode)
		if !ok {
			return fail("expected a mapping of names to strings, got %s", got)
		}
		out := map[string]string{}
		for _, e := range l.entries(m, desc) {
			ev := l.resolve(e.value)
			if ev == nil {
				continue
			}
			s, ok := l.text(ev)
			if !ok {
				l.errorf(l.pos(e.value), desc, "option %q: value of %q must be a string, got %s", o.Name, e.key, l.describe(ev))
				continue
			}
			out[e.key] = s
		}
		return out, true

	case component.Any:
		return l.anyValue(desc, o.Name, v)
	}
	panic(fmt.Sprintf("BUG: option %q has unknown type %v", o.Name, o.Type))
}

// intValue converts an integer, or a float with no fractional part, that
// fits in an int64.
func intValue(v ast.Node) (int64, bool) {
	switch t := v.(type) {
	case *ast.IntegerNode:
		switch i := t.Value.(type) {
		case int64:
			return i, true
		case uint64:
			if i <= math.MaxInt64 {
				return int64(i), true
			}
		}
	case *ast.FloatNode:
		if t.Value == math.Trunc(t.Value) && math.Abs(t.Value) < 1<<63 {
			return int64(t.Value), true
		}
	}
	return 0, false
}

// isInteger reports whether s is an optionally signed run of digits (an
// integer the YAML parser left as a string because it is too large).
func isInteger(s string) bool {
	s = strings.TrimLeft(s, "+-")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// floatValue converts a finite number.
func floatValue(v ast.Node) (float64, bool) {
	switch t := v.(type) {
	case *ast.IntegerNode:
		switch i := t.Value.(type) {
		case int64:
			return float64(i), true
		case uint64:
			return float64(i), true
		}
	case *ast.FloatNode:
		return t.Value, true
	}
	return 0, false
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// anyValue converts a YAML subtree to map[string]any, []any, string, int64,
// float64, bool or nil.
func (l *loader) anyValue(desc, name string, v ast.Node) (any, bool) {
	if !l.spend(1, v, desc) {
		return nil, false
	}
	switch t := v.(type) {
	case *ast.NullNode:
		return nil, true
	case *ast.BoolNode:
		return t.Value, true
	case *ast.IntegerNode:
		if i, ok := intValue(t); ok {
			return i, true
		}
		l.errorf(l.pos(v), desc, "option %q: integer %s is out of range", name, t.GetToken().Value)
		return nil, false
	case *ast.FloatNode:
		return t.Value, true
	case *ast.InfinityNode:
		return t.Value, true
	case *ast.NanNode:
		return math.NaN(), true
	case *ast.SequenceNode:
		out := make([]any, 0, len(t.Values))
		ok := true
		for _, item := range t.Values {
			r := l.resolve(item)
			if r == nil {
				ok = false
				continue
			}
			x, good := l.anyValue(desc, name, r)
			ok = ok && good
			out = append(out, x)
		}
		return out, ok
	case *ast.MappingNode:
		out := map[string]any{}
		ok := true
		for _, e := range l.entries(t, desc) {
			r := l.resolve(e.value)
			if r == nil {
				ok = false
				continue
			}
			x, good := l.anyValue(desc, name, r)
			ok = ok && good
			out[e.key] = x
		}
		return out, ok
	}
	if s, ok := l.text(v); ok {
		return s, true
	}
	l.errorf(l.pos(v), desc, "option %q: unsupported value %s", name, l.describe(v))
	return nil, false
}
