package diag

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// MaxMessage bounds the length of a rendered message: anything beyond it is
// cut (at a rune boundary) and marked with "…" and the full length. Messages
// quote user input through Quote, which keeps them far below this; the cap
// is the last guard against a message that quotes input some other way.
const MaxMessage = 1024

// Diagnostic is one problem. Its text is
//
//	file:12:5: transform "sessions": unknown input "evnts" (did you mean "events"?)
//
// with the position left out when it is unknown and the component part
// left out when Component is "". A relative position (no File) renders only
// the message when it is on the text's first line, whose column the caller
// adds to where the text starts, and "line 2, column 3: message" otherwise.
type Diagnostic struct {
	// Pos is where the problem is; its fields are promoted, so d.Line and
	// d.Col read naturally.
	Pos
	// Component describes the component the problem belongs to
	// (`transform "sessions"`), or is "" for a problem of the file as a
	// whole or of a text on its own.
	Component string
	// Msg is the lowercase message, the offending values quoted.
	Msg string
	// Suggestion is the valid name closest to the bad one, or "". It
	// renders as ` (did you mean "x"?)` after Msg.
	Suggestion string
}

// Errorf returns a Diagnostic at pos about component (or "").
func Errorf(pos Pos, component string, format string, args ...any) *Diagnostic {
	return &Diagnostic{Pos: pos, Component: component, Msg: fmt.Sprintf(format, args...)}
}

// Message returns Msg followed by the suggestion, if any, capped at
// MaxMessage.
func (d *Diagnostic) Message() string {
	m := d.Msg
	if d.Suggestion != "" {
		m += " (did you mean " + strconv.Quote(d.Suggestion) + "?)"
	}
	return Cap(m, MaxMessage)
}

func (d *Diagnostic) Error() string {
	var b strings.Builder
	switch {
	case d.Pos.IsRelative():
		if d.Line > 1 {
			fmt.Fprintf(&b, "line %d, column %d: ", d.Line, d.Col)
		}
	case d.Pos.File != "":
		b.WriteString(d.Pos.String())
		b.WriteString(": ")
	}
	if d.Component != "" {
		b.WriteString(d.Component)
		b.WriteString(": ")
	}
	b.WriteString(d.Message())
	return b.String()
}

// String returns Error's text (and hides the promoted Pos.String, which
// would print only the position).
func (d *Diagnostic) String() string { return d.Error() }

// List is every problem found in one or more pipeline files.
type List []*Diagnostic

// Error returns one problem per line.
func (l List) Error() string {
	lines := make([]string, len(l))
	for i, d := range l {
		lines[i] = d.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the individual problems, for errors.Is and errors.As.
func (l List) Unwrap() []error {
	out := make([]error, len(l))
	for i, d := range l {
		out[i] = d
	}
	return out
}

// Err returns l as an error, or nil when it is empty, so that a caller
// never gets a non-nil error holding no problem.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Sort orders l by position, keeping the order of problems at the same
// position.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool { return l[i].Pos.Before(l[j].Pos) })
}

// Dedupe drops repeated problems (the same message about the same
// component at the same place, as when an anchor with a mistake is merged
// into several components), keeping the first, and returns the shortened
// list.
func (l List) Dedupe() List {
	seen := make(map[Diagnostic]bool, len(l))
	out := l[:0]
	for _, d := range l {
		if seen[*d] {
			continue
		}
		seen[*d] = true
		out = append(out, d)
	}
	return out
}
