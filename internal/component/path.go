package component

import (
	"strconv"
	"strings"
)

// Path names a value inside a component's options: the option, then, for
// each level of nesting, the key of an object, the name of a map entry or
// the index of a list element. It renders as `schema.ts`, `headers[2].name`
// or `labels["a.b"]`. The zero Path names nothing. Paths are values: the
// methods that extend one return a new Path and never change the old one.
type Path struct {
	steps []step
}

type step struct {
	key   string
	index int // a list index when key is "" and isIndex is set
	isIdx bool
}

// At returns the path of option, then of each key under it.
func At(option string, keys ...string) Path {
	p := Path{steps: make([]step, 0, 1+len(keys))}
	p.steps = append(p.steps, step{key: option})
	for _, k := range keys {
		p.steps = append(p.steps, step{key: k})
	}
	return p
}

// Key returns the path of key k (an object key or a map entry) under p.
func (p Path) Key(k string) Path { return p.with(step{key: k}) }

// Index returns the path of list element i under p.
func (p Path) Index(i int) Path { return p.with(step{index: i, isIdx: true}) }

// Join returns p followed by q's steps (q relative to p).
func (p Path) Join(q Path) Path {
	out := Path{steps: make([]step, 0, len(p.steps)+len(q.steps))}
	out.steps = append(append(out.steps, p.steps...), q.steps...)
	return out
}

func (p Path) with(s step) Path {
	out := Path{steps: make([]step, len(p.steps), len(p.steps)+1)}
	copy(out.steps, p.steps)
	out.steps = append(out.steps, s)
	return out
}

// Len is the number of steps.
func (p Path) Len() int { return len(p.steps) }

// IsZero reports whether p names nothing.
func (p Path) IsZero() bool { return len(p.steps) == 0 }

// Prefix returns the path of p's first n steps.
func (p Path) Prefix(n int) Path {
	n = min(max(n, 0), len(p.steps))
	return Path{steps: p.steps[:n:n]}
}

// Option returns the name of the option p starts at, or "".
func (p Path) Option() string {
	if len(p.steps) == 0 || p.steps[0].isIdx {
		return ""
	}
	return p.steps[0].key
}

// String renders the path: keys joined by dots, list indexes in brackets,
// and a key that is empty or holds a dot, bracket, quote or space quoted in
// brackets.
func (p Path) String() string {
	var b strings.Builder
	for i, s := range p.steps {
		switch {
		case s.isIdx:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		case s.key == "" || strings.ContainsAny(s.key, `.[]"' `):
			b.WriteString("[" + strconv.Quote(s.key) + "]")
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.key)
		}
	}
	return b.String()
}
