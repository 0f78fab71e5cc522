package connect

import (
	"bytes"
	"errors"
	"fmt"
)

// Request bodies: JSON lines, or (application/json) a JSON array of
// records or a single record. The splitters find where each record starts
// and ends without parsing it; each record is then decoded on its own, so a
// bad record costs only itself and is reported with its number.

// forEachLine calls fn with each non-blank line of body and its number
// (counted from 1, blank lines included), until fn returns false. A final
// line without a newline counts.
func forEachLine(body []byte, fn func(line int64, rec []byte) bool) {
	var n int64
	for len(body) > 0 {
		n++
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		if isBlank(line) {
			continue
		}
		if !fn(n, line) {
			return
		}
	}
}

// forEachJSON calls fn with each element of a top-level JSON array in body
// (numbered from 1), or with body itself, numbered 1, when it is not an
// array, until fn returns false. It reports an error for a body that is
// empty or whose array is not closed, holds an empty element, or is
// followed by anything but white space; it never parses the elements.
func forEachJSON(body []byte, fn func(n int64, rec []byte) bool) error {
	i := skipSpace(body, 0)
	if i == len(body) {
		return errors.New("empty body: want a JSON object or an array of objects")
	}
	if body[i] != '[' {
		fn(1, bytes.TrimRight(body[i:], " \t\r\n"))
		return nil
	}
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == ']' {
		return trailing(body, i+1)
	}
	var n int64
	for {
		start := i
		depth := 0
	scan:
		for ; i < len(body); i++ {
			switch body[i] {
			case '"':
				end := stringEnd(body, i)
				if end < 0 {
					return fmt.Errorf("element %d: unterminated string", n+1)
				}
				i = end
			case '[', '{':
				depth++
			case ']', '}':
				if depth == 0 {
					break scan
				}
				depth--
			case ',':
				if depth == 0 {
					break scan
				}
			}
		}
		if i == len(body) {
			return errors.New("the JSON array is not closed")
		}
		elem := bytes.TrimRight(body[start:i], " \t\r\n")
		n++
		if len(elem) == 0 {
			return fmt.Errorf("element %d is empty", n)
		}
		if body[i] == '}' {
			return fmt.Errorf("element %d: unexpected '}'", n)
		}
		if !fn(n, elem) {
			return nil
		}
		if body[i] == ']' {
			return trailing(body, i+1)
		}
		i = skipSpace(body, i+1)
	}
}

// stringEnd returns the index of the quote that closes the JSON string
// opening at b[i], or -1.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return -1
}

func trailing(b []byte, i int) error {
	if j := skipSpace(b, i); j != len(b) {
		return fmt.Errorf("unexpected data after the JSON array at byte %d", j)
	}
	return nil
}
