package expr

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/expr-lang/expr/file"
)

// Error is a compile error in an expression, located inside the expression
// text. Line and Col are 1-based; Col counts runes (not bytes) from the start
// of Line. A pipeline loader that knows where a one-line expression starts in
// its file reports the error at that line, column+Col-1.
type Error struct {
	Line int
	Col  int
	Msg  string
}

// Error returns Msg for an error on the expression's first line (the loader
// adds the position), and prefixes the line and column otherwise.
func (e *Error) Error() string {
	if e.Line > 1 {
		return fmt.Sprintf("line %d, column %d of the expression: %s", e.Line, e.Col, e.Msg)
	}
	return e.Msg
}

// Column returns Col for an error on the expression's first line and 0
// otherwise, where a column alone cannot place it in the file.
func (e *Error) Column() int {
	if e.Line > 1 {
		return 0
	}
	return e.Col
}

// errorAt returns an *Error at rune offset off of src.
func errorAt(src string, off int, format string, args ...any) *Error {
	line, col := position(src, off)
	return &Error{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
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
		return &Error{Line: line, Col: fe.Column + 1, Msg: fe.Message}
	}
	return &Error{Line: 1, Col: 1, Msg: err.Error()}
}
