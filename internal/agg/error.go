package agg

import (
	"fmt"
	"unicode/utf8"
)

// Error is a problem in the text of one aggregate, located inside the text.
// A pipeline loader that knows where the text starts in its file reports it
// at that line, column+Column()-1.
type Error struct {
	// Name is the aggregate's name (its output field).
	Name string
	// Col is the 1-based column in the text, counted in runes.
	Col int
	Msg string
}

// Error returns the message prefixed with the aggregate's name:
//
//	aggregate "p95": percentile: unknown field "startup" (did you mean "startup_ms"?)
func (e *Error) Error() string { return fmt.Sprintf("aggregate %q: %s", e.Name, e.Msg) }

// Column returns the 1-based column of the problem in the aggregate's text.
func (e *Error) Column() int { return e.Col }

// column converts a byte offset into text to a 1-based rune column.
func column(text string, off int) int {
	off = min(max(off, 0), len(text))
	return utf8.RuneCountInString(text[:off]) + 1
}
