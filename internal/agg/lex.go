package agg

import (
	"strconv"
	"unicode/utf8"
)

// tokKind is the kind of a token of aggregate text.
type tokKind uint8

const (
	tokEOF tokKind = iota
	tokIdent
	tokString // a double-quoted field name, for names that are not identifiers
	tokNumber
	tokOp // one of ( ) , + - * /
	tokBad
)

// token is one token; off is its byte offset in the text.
type token struct {
	kind tokKind
	off  int
	text string // the token as written (for tokString: unquoted)
}

// lexer splits aggregate text into tokens.
type lexer struct {
	src string
	pos int
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// next returns the next token. A tokBad token holds the offending text; the
// parser turns it into an error.
func (l *lexer) next() token {
	for l.pos < len(l.src) && (l.src[l.pos] == ' ' || l.src[l.pos] == '\t' || l.src[l.pos] == '\n' || l.src[l.pos] == '\r') {
		l.pos++
	}
	start := l.pos
	if start == len(l.src) {
		return token{kind: tokEOF, off: start}
	}
	c := l.src[start]
	switch {
	case isIdentStart(c):
		l.pos++
		for l.pos < len(l.src) && (isIdentStart(l.src[l.pos]) || isDigit(l.src[l.pos])) {
			l.pos++
		}
		return token{kind: tokIdent, off: start, text: l.src[start:l.pos]}
	case isDigit(c) || (c == '.' && start+1 < len(l.src) && isDigit(l.src[start+1])):
		return l.number(start)
	case c == '"':
		return l.quoted(start)
	case c == '(' || c == ')' || c == ',' || c == '+' || c == '-' || c == '*' || c == '/':
		l.pos++
		return token{kind: tokOp, off: start, text: l.src[start:l.pos]}
	}
	_, size := utf8.DecodeRuneInString(l.src[start:])
	l.pos += size
	return token{kind: tokBad, off: start, text: l.src[start:l.pos]}
}

// number scans digits, an optional fraction and an optional exponent.
func (l *lexer) number(start int) token {
	digits := func() {
		for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
			l.pos++
		}
	}
	digits()
	if l.pos < len(l.src) && l.src[l.pos] == '.' {
		l.pos++
		digits()
	}
	if l.pos < len(l.src) && (l.src[l.pos] == 'e' || l.src[l.pos] == 'E') {
		p := l.pos + 1
		if p < len(l.src) && (l.src[p] == '+' || l.src[p] == '-') {
			p++
		}
		if p < len(l.src) && isDigit(l.src[p]) {
			l.pos = p
			digits()
		}
	}
	// A number running into letters ("5ms") is one bad token.
	if l.pos < len(l.src) && isIdentStart(l.src[l.pos]) {
		for l.pos < len(l.src) && (isIdentStart(l.src[l.pos]) || isDigit(l.src[l.pos])) {
			l.pos++
		}
		return token{kind: tokBad, off: start, text: l.src[start:l.pos]}
	}
	return token{kind: tokNumber, off: start, text: l.src[start:l.pos]}
}

// quoted scans a double-quoted field name with Go escapes.
func (l *lexer) quoted(start int) token {
	l.pos++
	for l.pos < len(l.src) {
		switch l.src[l.pos] {
		case '\\':
			l.pos += 2
			continue
		case '"':
			l.pos++
			name, err := strconv.Unquote(l.src[start:l.pos])
			if err != nil {
				return token{kind: tokBad, off: start, text: l.src[start:l.pos]}
			}
			return token{kind: tokString, off: start, text: name}
		}
		l.pos++
	}
	l.pos = len(l.src)
	return token{kind: tokBad, off: start, text: l.src[start:]}
}
