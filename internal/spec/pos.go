package spec

import "github.com/goccy/go-yaml/token"

func tokenPos(file string, tk *token.Token) Pos {
	if tk == nil || tk.Position == nil {
		return Pos{File: file, Line: 1, Col: 1}
	}
	return Pos{File: file, Line: tk.Position.Line, Col: tk.Position.Column}
}
