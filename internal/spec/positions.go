package spec

import (
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/greenwave/greenwave/internal/component"
)

// positions records where the values of a component (or of a file's
// top-level keys) are in the file, by component.Path: every option, nested
// key, map entry and list element the loader converted. Later stages (the
// compiler, the claims check) use it to report a problem at the exact
// value, without reading the file again.
type positions struct {
	value map[string]Pos     // path -> where the value starts
	key   map[string]Pos     // path -> where its key is (objects, maps)
	text  map[string]textPos // path -> where a scalar's text starts
}

// textPos places the text of a scalar value, so that a position inside
// the text (an expression's column) can be moved to the file.
type textPos struct {
	// start is where the text's first character is: after the opening
	// quote of a quoted scalar, at the indentation of a block scalar's
	// first line.
	start Pos
	// lines is set when line k of the text is line start.Line+k-1 of the
	// file, starting at start.Col (a literal block scalar, "|"); otherwise
	// only the first line can be placed.
	lines bool
}

func newPositions() positions {
	return positions{value: map[string]Pos{}, key: map[string]Pos{}, text: map[string]textPos{}}
}

// Path returns the position of the value at p, or of the closest enclosing
// value that has one; ok is false when not even p's option was given.
func (ps positions) Path(p component.Path) (Pos, bool) {
	for n := p.Len(); n > 0; n-- {
		if pos, ok := ps.value[p.Prefix(n).String()]; ok {
			return pos, true
		}
	}
	return Pos{}, false
}

// Text returns the file position of line:col (1-based, col in runes) of
// the text at p, and false when the text cannot be placed: p is not a
// scalar, or line is beyond the first of a text whose lines do not map to
// the file's.
func (ps positions) Text(p component.Path, line, col int) (Pos, bool) {
	t, ok := ps.text[p.String()]
	if !ok || line < 1 || col < 1 || (line > 1 && !t.lines) {
		return Pos{}, false
	}
	return Pos{File: t.start.File, Line: t.start.Line + line - 1, Col: t.start.Col + col - 1}, true
}

// recordValue notes where the value at p is, and, for a scalar written in
// place (not through an alias), where its text starts.
func (l *loader) recordValue(ps positions, p component.Path, n ast.Node) {
	key := p.String()
	ps.value[key] = l.pos(n)
	if t, ok := l.textStart(n); ok {
		ps.text[key] = t
	}
}

// textStart places the text of a string scalar.
func (l *loader) textStart(n ast.Node) (textPos, bool) {
	if a, ok := n.(*ast.AnchorNode); ok {
		n = a.Value
	}
	switch v := n.(type) {
	case *ast.StringNode:
		tk := v.GetToken()
		if tk == nil || tk.Position == nil {
			return textPos{}, false
		}
		start := tokenPos(l.file, tk)
		if tk.Type == token.SingleQuoteType || tk.Type == token.DoubleQuoteType {
			start.Col++
		}
		return textPos{start: start}, true
	case *ast.LiteralNode:
		if v.Value == nil || v.Start == nil {
			return textPos{}, false
		}
		tk := v.Value.GetToken()
		if tk == nil || v.Start.Position == nil {
			return textPos{}, false
		}
		// The text starts on the line after the indicator ("|", ">-"),
		// at the block's indentation: that of its first line that is not
		// blank, in the content token's Origin (the lines as written).
		indent := 0
		for _, line := range strings.Split(tk.Origin, "\n") {
			if strings.TrimSpace(line) != "" {
				indent = len(line) - len(strings.TrimLeft(line, " "))
				break
			}
		}
		start := Pos{File: l.file, Line: v.Start.Position.Line + 1, Col: indent + 1}
		return textPos{start: start, lines: strings.HasPrefix(v.Start.Value, "|")}, true
	}
	return textPos{}, false
}
