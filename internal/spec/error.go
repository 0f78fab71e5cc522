package spec

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a pipeline file. Its text is
//
//	file:12:5: transform "sessions": unknown input "evnts" (did you mean "events"?)
//
// where the component part is left out when Component is "".
type Error struct {
	Pos Pos
	// Component describes the component the problem belongs to, as
	// Component.Desc renders it (`transform "sessions"`), or is "" for a
	// problem of the file as a whole.
	Component string
	// Msg is the lowercase message, with the offending values quoted.
	Msg string
}

// Errorf returns an Error at pos about component (a Component.Desc, or "").
func Errorf(pos Pos, component string, format string, args ...any) *Error {
	return &Error{Pos: pos, Component: component, Msg: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	var b strings.Builder
	if s := e.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if e.Component != "" {
		b.WriteString(e.Component)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one or more pipeline files. Parse, Load
// and LoadDir return it sorted by position (file, line, column; problems at
// the same position keep the order in which they were found).
type Errors []*Error

// Error returns one error per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the individual errors, for errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Err returns es as an error, or nil when it is empty (so that a caller
// never gets a non-nil error holding no problem).
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Sort orders es by position, keeping the order of problems at the same
// position.
func (es Errors) Sort() {
	sort.SliceStable(es, func(i, j int) bool { return es[i].Pos.before(es[j].Pos) })
}
