package spec

import (
	"strconv"

	"github.com/goccy/go-yaml/token"
)

// Pos is a position in a pipeline file. Line and Col start at 1; a Pos with
// Line 0 names only the file (or nothing, when File is also empty).
type Pos struct {
	File      string
	Line, Col int
}

// String returns "file:line:col", or just the file when Line is 0.
func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	s := p.File + ":" + strconv.Itoa(p.Line)
	if p.Col > 0 {
		s += ":" + strconv.Itoa(p.Col)
	}
	return s
}

// IsValid reports whether p names a line.
func (p Pos) IsValid() bool { return p.Line > 0 }

// before orders positions by file, then line, then column.
func (p Pos) before(q Pos) bool {
	if p.File != q.File {
		return p.File < q.File
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Col < q.Col
}

func tokenPos(file string, tk *token.Token) Pos {
	if tk == nil || tk.Position == nil {
		return Pos{File: file, Line: 1, Col: 1}
	}
	return Pos{File: file, Line: tk.Position.Line, Col: tk.Position.Column}
}
