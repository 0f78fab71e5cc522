package spec

// maxFlowDepth bounds the nesting of flow collections ([...] and {...}) in
// a pipeline file. The YAML parser's time grows with the square of the
// nesting (a 100,000-deep line takes over a minute); no pipeline needs a
// tenth of this.
const maxFlowDepth = 1000

// flowDepthError returns the position of the first flow collection that
// opens deeper than maxFlowDepth, and false when there is none. It scans
// the text as YAML's flow syntax reads it, skipping quoted scalars and
// comments; brackets inside plain scalars are counted too, which can only
// make a pathological file look deeper, never a deep one shallower.
func flowDepthError(file string, data []byte) (Pos, bool) {
	depth, line, col := 0, 1, 0
	var quote byte // the open quote, or 0
	comment := false
	prev := byte('\n')
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == '\n' {
			line, col, comment, prev = line+1, 0, false, c
			if quote == 0 {
				continue
			}
		}
		// Columns count runes: a continuation byte adds none.
		if c&0xC0 != 0x80 {
			col++
		}
		switch {
		case comment:
		case quote == '"':
			if c == '\\' {
				i++
				col++
			} else if c == '"' {
				quote = 0
			}
		case quote == '\'':
			if c == '\'' {
				if i+1 < len(data) && data[i+1] == '\'' {
					i++
					col++
				} else {
					quote = 0
				}
			}
		case c == '#' && (prev == ' ' || prev == '\t' || prev == '\n'):
			comment = true
		case c == '"' || c == '\'':
			quote = c
		case c == '[' || c == '{':
			depth++
			if depth > maxFlowDepth {
				return Pos{File: file, Line: line, Col: col}, true
			}
		case c == ']' || c == '}':
			depth = max(depth-1, 0)
		}
		prev = c
	}
	return Pos{}, false
}
