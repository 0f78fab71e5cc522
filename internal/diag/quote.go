package diag

import (
	"strconv"
	"unicode/utf8"
)

// MaxQuoted is the most bytes of a value Quote reproduces.
const MaxQuoted = 64

// Quote quotes s for a message, as strconv.Quote does, but a value longer
// than MaxQuoted bytes is cut to its first MaxQuoted bytes (at a rune
// boundary), followed by "…" and its total length:
//
//	"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["… (200000 bytes)
func Quote(s string) string {
	if len(s) <= MaxQuoted {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:cut(s, MaxQuoted)]) + "… (" + strconv.Itoa(len(s)) + " bytes)"
}

// Cap returns s when it has at most limit bytes, and otherwise its first
// limit bytes (at a rune boundary) followed by "…" and its total length.
// It is for free-form text that may hold input, such as a JSON parser's
// error message.
func Cap(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	return s[:cut(s, limit)] + "… (" + strconv.Itoa(len(s)) + " bytes)"
}

// cut returns the largest n <= limit that ends s[:n] at a rune boundary.
func cut(s string, limit int) int {
	n := limit
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}
