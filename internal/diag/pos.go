package diag

import "strconv"

// Pos is a position in a pipeline file, or in a text inside one.
//
// Line and Col start at 1; Col counts runes. A Pos with a File is a place
// in that file (Line 0: the file as a whole). A Pos without a File but
// with a Line is relative to a text that the reporter did not place (an
// expression compiled on its own): a loader that knows where the text
// starts moves it to the file (see Diagnostic).
type Pos struct {
	File      string
	Line, Col int
}

// String returns "file:line:col", "file:line", or just the file when Line
// is 0. A relative position renders as "line:col".
func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	s := strconv.Itoa(p.Line)
	if p.File != "" {
		s = p.File + ":" + s
	}
	if p.Col > 0 {
		s += ":" + strconv.Itoa(p.Col)
	}
	return s
}

// IsValid reports whether p names a line.
func (p Pos) IsValid() bool { return p.Line > 0 }

// IsRelative reports whether p is a place in a text rather than in a file.
func (p Pos) IsRelative() bool { return p.File == "" && p.Line > 0 }

// Before orders positions by file, then line, then column.
func (p Pos) Before(q Pos) bool {
	if p.File != q.File {
		return p.File < q.File
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Col < q.Col
}
