package agg

import (
	"unicode/utf8"

	"github.com/greenwave/greenwave/internal/diag"
)

// Error is a problem in the text of one aggregate: greenwave's diagnostic
// type, positioned relative to the text (no File, Line 1, Col the 1-based
// rune column). A pipeline loader that knows where the text starts in its
// file moves it there (spec.Component.Diagnose).
type Error = diag.Diagnostic

// errorAt returns an *Error at rune column col of the text.
func errorAt(col int, msg string) *Error {
	return &Error{Pos: diag.Pos{Line: 1, Col: col}, Msg: msg}
}

// column converts a byte offset into text to a 1-based rune column.
func column(text string, off int) int {
	off = min(max(off, 0), len(text))
	return utf8.RuneCountInString(text[:off]) + 1
}
