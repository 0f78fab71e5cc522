package expr

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/expr-lang/expr/file"

	"github.com/greenwave/greenwave/internal/diag"
)

// Error is a compile error in an expression: greenwave's diagnostic type,
// positioned relative to the expression text (no File; Line and Col are
// 1-based, Col counting runes from the start of Line). A pipeline loader
// that knows where the expression's text starts in its file moves it there
// (spec.Component.Diagnose); on its own its text is the message, prefixed
// with the line and column after the first line.
type Error = diag.Diagnostic

// errorAt returns an *Error at rune offset off of src.
func errorAt(src string, off int, format string, args ...any) *Error {
	line, col := position(src, off)
	return at(line, col, fmt.Sprintf(format, args...))
}

// at returns an *Error at line:col of the expression.
func at(line, col int, msg string) *Error {
	return &Error{Pos: diag.Pos{Line: line, Col: col}, Msg: msg}
}

// position converts a 0-based rune offset into a 1-based line and column.
func position(src string, off int) (line, col int) {
	line, col = 1, 1
	for i := 0; i < len(src) && off > 0; off-- {
		r, size := utf8.DecodeRuneInString(src[i:])
		i += size
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// fromLibrary converts an error of the expr-lang parser or checker. Those
// carry a 0-based column and a message; anything else is kept as the message
// at the start of the expression.
func fromLibrary(err error) *Error {
	var fe *file.Error
	if errors.As(err, &fe) {
		line := fe.Line
		if line < 1 {
			line = 1
		}
		return at(line, fe.Column+1, fe.Message)
	}
	return at(1, 1, err.Error())
}
