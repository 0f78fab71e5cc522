package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// Render writes the replica as an aligned text table: one line per row,
// sorted by key (numbers by value, strings in byte order, element by
// element), columns in the order of the first row's fields plus any
// others as they appear, each as wide as its widest value. maxRows > 0
// shows at most that many rows and says how many more there are.
func Render(w io.Writer, r *Replica, maxRows int) error {
	type line struct {
		key  []any
		vals map[string]string
	}
	var cols []string
	seen := map[string]bool{}
	lines := make([]line, 0, len(r.Rows))
	for k, raw := range r.Rows {
		names, vals := fields(raw)
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				cols = append(cols, n)
			}
		}
		var key []any
		dec := json.NewDecoder(strings.NewReader(k))
		dec.UseNumber()
		_ = dec.Decode(&key)
		lines = append(lines, line{key: key, vals: vals})
	}
	sort.Slice(lines, func(i, j int) bool { return lessKey(lines[i].key, lines[j].key) })
	shown := lines
	if maxRows > 0 && len(shown) > maxRows {
		shown = shown[:maxRows]
	}
	width := make([]int, len(cols))
	for i, c := range cols {
		width[i] = utf8.RuneCountInString(c)
		for _, l := range shown {
			width[i] = max(width[i], utf8.RuneCountInString(l.vals[c]))
		}
	}
	var b bytes.Buffer
	cell := func(i int, s string) {
		if i > 0 {
			b.WriteString("  ")
		}
		b.WriteString(s)
		if i < len(cols)-1 {
			b.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(s)))
		}
	}
	for i, c := range cols {
		cell(i, c)
	}
	b.WriteByte('\n')
	for _, l := range shown {
		start := b.Len()
		for i, c := range cols {
			cell(i, l.vals[c])
		}
		trimmed := bytes.TrimRight(b.Bytes()[start:], " ")
		b.Truncate(start + len(trimmed))
		b.WriteByte('\n')
	}
	if len(shown) < len(lines) {
		fmt.Fprintf(&b, "... %d more rows\n", len(lines)-len(shown))
	}
	_, err := w.Write(b.Bytes())
	return err
}

// fields decodes a row object's fields in their order, each value as
// text (strings unquoted, null empty, the rest as JSON).
func fields(raw []byte) ([]string, map[string]string) {
	var names []string
	vals := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, vals
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			break
		}
		name, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			break
		}
		names = append(names, name)
		vals[name] = text(v)
	}
	return names, vals
}

func text(v json.RawMessage) string {
	switch {
	case string(v) == "null":
		return ""
	case len(v) > 0 && v[0] == '"':
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	return string(v)
}

// lessKey orders keys element by element: numbers by value before
// strings, strings in byte order.
func lessKey(a, b []any) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := compare(a[i], b[i]); c != 0 {
			return c < 0
		}
	}
	return len(a) < len(b)
}

func compare(a, b any) int {
	an, aNum := a.(json.Number)
	bn, bNum := b.(json.Number)
	switch {
	case aNum && bNum:
		af, _ := an.Float64()
		bf, _ := bn.Float64()
		switch {
		case af < bf:
			return -1
		case af > bf:
			return 1
		}
		return 0
	case aNum:
		return -1
	case bNum:
		return 1
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}
