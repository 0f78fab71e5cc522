package spec

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/diag"
)

// scope is where converted values belong: a component's options, or a
// file's top-level keys. It says how problems are labelled and where
// positions are recorded.
type scope struct {
	// desc is the Component.Desc of the component, or "".
	desc string
	// option is set for a component's keys, whose problems read
	// `option "buffer.capacity": ...`; top-level keys read
	// `"limits.memory": ...`.
	option bool
	pos    positions
}

func (s *scope) label(p component.Path) string {
	if s.option {
		return "option " + quotePath(p)
	}
	return quotePath(p)
}

// quotePath quotes a path for a message, capped as any quoted input is.
func quotePath(p component.Path) string { return diag.Quote(p.String()) }

// convert checks the value node n of option o, at path p, converts it to
// the Go type o.Type names and records its position (and those of the
// values nested in it). It reports every problem itself and returns false
// after any; a nested value with a problem is left out and the rest kept.
func (l *loader) convert(s *scope, o *component.Option, p component.Path, n ast.Node) (any, bool) {
	l.recordValue(s.pos, p, n)
	pos := l.pos(n)
	fail := func(format string, args ...any) (any, bool) {
		l.errorf(pos, s.desc, "%s: %s", s.label(p), fmt.Sprintf(format, args...))
		return nil, false
	}
	v := l.resolve(n)
	if v == nil {
		return nil, false
	}
	got := l.describe(v)
	checked := func(x any) (any, bool) {
		if err := o.Check(x); err != nil {
			return fail("%v", err)
		}
		return x, true
	}
	switch o.Type {
	case component.String:
		str, ok := l.text(v)
		if !ok {
			return fail("expected a string, got %s", got)
		}
		return str, true

	case component.Expr:
		str, ok := l.text(v)
		if !ok {
			return fail("expected an expression, got %s", got)
		}
		if strings.TrimSpace(str) == "" {
			return fail("expression is empty")
		}
		return str, true

	case component.Enum:
		str, ok := l.text(v)
		if !ok {
			return fail("expected one of %s, got %s", diag.QuoteList(o.Enum), got)
		}
		return checked(str)

	case component.Int:
		i, k := intValue(v)
		switch k {
		case outOfRange:
			return fail("%s is out of range for an int", l.number(v))
		case notNumber:
			return fail("expected an int, got %s", got)
		}
		return checked(i)

	case component.Count:
		i, err := l.countValue(v, got)
		if err != nil {
			return fail("%v", err)
		}
		return checked(i)

	case component.Float:
		f, k := floatValue(v)
		switch k {
		case outOfRange:
			return fail("%s is out of range for a number", l.number(v))
		case notNumber:
			return fail("expected a number, got %s", got)
		}
		return checked(f)

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
			if i, k := intValue(t); k != isNumber || i != 0 {
				return fail(`expected a duration such as "250ms" or "5s", got %s (a number needs a unit)`, got)
			}
		default:
			return fail(`expected a duration such as "250ms" or "5s", got %s`, got)
		}
		return checked(d)

	case component.Size:
		size, err := l.size(v, got)
		if err != nil {
			return fail("%v", err)
		}
		return checked(size)

	case component.StringList:
		list, ok := l.stringList(s, p, v)
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
		for _, e := range l.entries(m, s.desc) {
			ep := p.Key(e.key)
			s.pos.key[ep.String()] = e.keyPos
			l.recordValue(s.pos, ep, e.value)
			ev := l.resolve(e.value)
			if ev == nil {
				continue
			}
			str, ok := l.text(ev)
			if !ok {
				l.errorf(l.pos(e.value), s.desc, "%s: expected a string, got %s", s.label(ep), l.describe(ev))
				continue
			}
			out[e.key] = str
		}
		return out, true

	case component.Object:
		return l.object(s, o.Options, p, n, v)

	case component.List:
		seq, ok := v.(*ast.SequenceNode)
		if !ok {
			return fail("expected a list, got %s", got)
		}
		out := make([]any, 0, len(seq.Values))
		all := true
		for i, item := range seq.Values {
			x, ok := l.convert(s, elem(o), p.Index(i), item)
			if !ok {
				all = false
				continue
			}
			out = append(out, x)
		}
		return out, all

	case component.Map:
		m, ok := v.(*ast.MappingNode)
		if !ok {
			return fail("expected a mapping of names to %ss, got %s", elem(o).TypeName(), got)
		}
		var out []component.Entry
		all := true
		for _, e := range l.entries(m, s.desc) {
			ep := p.Key(e.key)
			s.pos.key[ep.String()] = e.keyPos
			x, ok := l.convert(s, elem(o), ep, e.value)
			if !ok {
				all = false
				continue
			}
			out = append(out, component.Entry{Key: e.key, Value: x})
		}
		return out, all

	case component.Any:
		return l.anyValue(s, p, v)
	}
	panic(fmt.Sprintf("BUG: option %q has unknown type %v", p, o.Type))
}

// number renders a node spelled as a number as written (capped).
func (l *loader) number(v ast.Node) string {
	s, _ := l.text(v)
	return diag.Cap(s, diag.MaxQuoted)
}

// elem returns the element declaration of a List or Map option.
func elem(o *component.Option) *component.Option {
	if o.Elem == nil {
		panic("BUG: list or map option " + o.Name + " declares no Elem")
	}
	return o.Elem
}

// object converts an Object option's mapping (null: no keys given) into
// Options declared by decl, reporting unknown keys and missing required
// ones. n is the value as written, v resolved.
func (l *loader) object(s *scope, decl []component.Option, p component.Path, n, v ast.Node) (any, bool) {
	names := component.Names(decl)
	var ents []entry
	switch t := v.(type) {
	case *ast.NullNode:
	case *ast.MappingNode:
		ents = l.entries(t, s.desc)
	default:
		l.errorf(l.pos(n), s.desc, "%s: expected a mapping with %s, got %s", s.label(p), diag.QuoteList(names), l.describe(v))
		return nil, false
	}
	values := map[string]any{}
	suggested := map[string]bool{} // a misspelt key is not also missing
	all := true
	for _, e := range ents {
		kp := p.Key(e.key)
		s.pos.key[kp.String()] = e.keyPos
		d := findOption(decl, e.key)
		if d == nil {
			suggested[l.unknown(e.keyPos, s.desc, s.label(p)+": unknown key", e.key, names, "keys")] = true
			all = false
			continue
		}
		x, ok := l.convert(s, d, kp, e.value)
		if !ok {
			all = false
			continue
		}
		values[e.key] = x
	}
	for i := range decl {
		if _, given := values[decl[i].Name]; decl[i].Required && !given && !hasKey(ents, decl[i].Name) && !suggested[decl[i].Name] {
			l.errorf(l.pos(n), s.desc, "%s: missing required key %q", s.label(p), decl[i].Name)
			all = false
		}
	}
	return component.Declared(decl, values), all
}

func findOption(decl []component.Option, name string) *component.Option {
	for i := range decl {
		if decl[i].Name == name {
			return &decl[i]
		}
	}
	return nil
}

func hasKey(ents []entry, key string) bool {
	for _, e := range ents {
		if e.key == key {
			return true
		}
	}
	return false
}

// stringList converts a scalar (a list of one) or a list of scalars,
// recording each entry's position. It reports a bad entry itself, at the
// entry, and leaves it out; it returns false, reporting nothing, when v is
// neither a scalar nor a list.
func (l *loader) stringList(s *scope, p component.Path, v ast.Node) ([]string, bool) {
	if str, ok := l.text(v); ok {
		return []string{str}, true
	}
	seq, ok := v.(*ast.SequenceNode)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(seq.Values))
	for i, item := range seq.Values {
		ip := p.Index(i)
		l.recordValue(s.pos, ip, item)
		r := l.resolve(item)
		if r == nil {
			continue
		}
		str, ok := l.text(r)
		if !ok {
			l.errorf(l.pos(item), s.desc, "%s: list entries must be strings, got %s", s.label(p), l.describe(r))
			continue
		}
		out = append(out, str)
	}
	return out, true
}

// countValue converts a Count: an int, or a number with a size unit ("64Ki",
// "1M"), counting things rather than bytes.
func (l *loader) countValue(v ast.Node, got string) (int64, error) {
	if i, k := intValue(v); k == isNumber {
		return i, nil
	} else if k == outOfRange {
		return 0, fmt.Errorf("%s is out of range for an int", l.number(v))
	}
	if t, ok := v.(*ast.StringNode); ok {
		n, err := ParseSize(t.Value)
		if err != nil {
			return 0, fmt.Errorf("invalid count %s (expected e.g. 4096, \"64Ki\" or \"1M\")", got)
		}
		return n, nil
	}
	return 0, fmt.Errorf("expected an int, got %s", got)
}

// size converts a Size: a non-negative number of bytes, or a number with a
// unit ("64KiB", "1.5MB").
func (l *loader) size(v ast.Node, got string) (int64, error) {
	if i, k := intValue(v); k == isNumber {
		if i < 0 {
			return 0, fmt.Errorf("size %d is negative", i)
		}
		return i, nil
	} else if k == outOfRange {
		return 0, fmt.Errorf("size %s is too large", l.number(v))
	}
	switch t := v.(type) {
	case *ast.StringNode, *ast.FloatNode:
		str, _ := l.text(t)
		return ParseSize(str)
	}
	return 0, fmt.Errorf(`expected a size such as "64KiB" or "1MB", got %s`, got)
}

// anyValue converts a YAML subtree to map[string]any, []any, string, int64,
// float64, bool or nil.
func (l *loader) anyValue(s *scope, p component.Path, v ast.Node) (any, bool) {
	if !l.spend(1, v, s.desc) {
		return nil, false
	}
	switch t := v.(type) {
	case *ast.NullNode:
		return nil, true
	case *ast.BoolNode:
		return t.Value, true
	case *ast.IntegerNode:
		if i, k := intValue(t); k == isNumber {
			return i, true
		}
		l.errorf(l.pos(v), s.desc, "%s: integer %s is out of range", s.label(p), t.GetToken().Value)
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
			x, good := l.anyValue(s, p, r)
			ok = ok && good
			out = append(out, x)
		}
		return out, ok
	case *ast.MappingNode:
		out := map[string]any{}
		ok := true
		for _, e := range l.entries(t, s.desc) {
			r := l.resolve(e.value)
			if r == nil {
				ok = false
				continue
			}
			x, good := l.anyValue(s, p, r)
			ok = ok && good
			out[e.key] = x
		}
		return out, ok
	}
	if str, ok := l.text(v); ok {
		return str, true
	}
	l.errorf(l.pos(v), s.desc, "%s: unsupported value %s", s.label(p), l.describe(v))
	return nil, false
}
