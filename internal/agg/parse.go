package agg

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/greenwave/greenwave/internal/event"
)

// The grammar of an aggregate's text:
//
//	sum     = product { ("+" | "-") product }
//	product = unary { ("*" | "/") unary }
//	unary   = "-" unary | primary
//	primary = number | call | "(" sum ")"
//	call    = function "(" [ arg { "," arg } ] ")"
//	arg     = field | ["-"] number
//	field   = identifier | quoted string
//
// It is small enough for recursive descent with one token of lookahead.

// parser parses one aggregate's text.
type parser struct {
	name, text string
	in         *event.Schema
	lex        lexer
	tok        token
	calls      []Call
}

func (p *parser) advance() { p.tok = p.lex.next() }

// peek returns the token after the current one without consuming it.
func (p *parser) peek() token {
	l := p.lex
	return l.next()
}

func (p *parser) errAt(off int, format string, args ...any) *Error {
	return errorAt(column(p.text, off), fmt.Sprintf(format, args...))
}

func (p *parser) isOp(op string) bool { return p.tok.kind == tokOp && p.tok.text == op }

// describe names a token in messages.
func describe(t token) string {
	if t.kind == tokEOF {
		return "the end"
	}
	return strconv.Quote(t.text)
}

// badToken returns the error for a token the lexer could not read.
func (p *parser) badToken(t token) *Error {
	switch {
	case strings.HasPrefix(t.text, `"`):
		return p.errAt(t.off, "unterminated or malformed quoted field name %s", t.text)
	case isDigit(t.text[0]) || t.text[0] == '.':
		return p.errAt(t.off, "malformed number %q", t.text)
	}
	return p.errAt(t.off, "unexpected character %q", t.text)
}

func (p *parser) parse() (*Spec, error) {
	p.advance()
	if p.tok.kind == tokEOF {
		return nil, p.errAt(0, "empty aggregate (write a function call such as count() or sum(field))")
	}
	root, err := p.parseSum()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		if p.tok.kind == tokBad {
			return nil, p.badToken(p.tok)
		}
		return nil, p.errAt(p.tok.off, "unexpected %s after a complete aggregate (expected an operator + - * / or the end)", describe(p.tok))
	}
	s := &Spec{Name: p.name, Text: p.text, Calls: p.calls}
	if root.op == opCall {
		s.Kind = p.calls[root.call].Kind
		return s, nil
	}
	if len(p.calls) == 0 {
		return nil, p.errAt(0, "no aggregate function in %q (arithmetic combines calls such as sum(a) / count())", p.text)
	}
	if err := p.check(root); err != nil {
		return nil, err
	}
	s.Kind = root.kind
	s.expr = root
	return s, nil
}

func (p *parser) parseSum() (*node, *Error) {
	l, err := p.parseProduct()
	if err != nil {
		return nil, err
	}
	for p.isOp("+") || p.isOp("-") {
		op := opAdd
		if p.tok.text == "-" {
			op = opSub
		}
		off := p.tok.off
		p.advance()
		r, err := p.parseProduct()
		if err != nil {
			return nil, err
		}
		l = &node{op: op, l: l, r: r, off: off}
	}
	return l, nil
}

func (p *parser) parseProduct() (*node, *Error) {
	l, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.isOp("*") || p.isOp("/") {
		op := opMul
		if p.tok.text == "/" {
			op = opDiv
		}
		off := p.tok.off
		p.advance()
		r, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		l = &node{op: op, l: l, r: r, off: off}
	}
	return l, nil
}

func (p *parser) parseUnary() (*node, *Error) {
	if p.isOp("-") {
		off := p.tok.off
		p.advance()
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &node{op: opNeg, l: x, off: off}, nil
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() (*node, *Error) {
	t := p.tok
	switch t.kind {
	case tokNumber:
		v, err := p.number(t)
		if err != nil {
			return nil, err
		}
		p.advance()
		return &node{op: opNum, num: v, kind: v.Kind, off: t.off}, nil
	case tokIdent:
		if next := p.peek(); next.kind == tokOp && next.text == "(" {
			return p.parseCall()
		}
		return nil, p.bareName(t)
	case tokString:
		return nil, p.bareName(t)
	case tokOp:
		if t.text == "(" {
			p.advance()
			x, err := p.parseSum()
			if err != nil {
				return nil, err
			}
			if !p.isOp(")") {
				if p.tok.kind == tokBad {
					return nil, p.badToken(p.tok)
				}
				return nil, p.errAt(p.tok.off, "expected \")\" to close the \"(\" at column %d, got %s", column(p.text, t.off), describe(p.tok))
			}
			p.advance()
			return x, nil
		}
	case tokBad:
		return nil, p.badToken(t)
	}
	return nil, p.errAt(t.off, "expected a function call, a number or \"(\", got %s", describe(t))
}

// bareName reports a name used where a call or number belongs.
func (p *parser) bareName(t token) *Error {
	if f, ok := lookupFunc(t.text); ok && t.kind == tokIdent {
		return p.errAt(t.off, "%s needs parentheses: %s", t.text, funcs[f].usage)
	}
	if _, ok := p.in.Slot(t.text); ok {
		return p.errAt(t.off, "field %q is not an aggregate (wrap it in a function such as sum(%s) or last(%s))", t.text, t.text, t.text)
	}
	return p.errAt(t.off, "expected a function call, a number or \"(\", got %s", describe(t))
}

// number converts a number token: an int when written without a fraction
// or exponent, else a float.
func (p *parser) number(t token) (event.Value, *Error) {
	if !strings.ContainsAny(t.text, ".eE") {
		i, err := strconv.ParseInt(t.text, 10, 64)
		if err == nil {
			return event.IntValue(i), nil
		}
	}
	f, err := strconv.ParseFloat(t.text, 64)
	if err != nil || math.IsInf(f, 0) {
		return event.Value{}, p.errAt(t.off, "number %q is out of range", t.text)
	}
	return event.FloatValue(f), nil
}

// check computes the kind of every node of an arithmetic expression and
// reports calls whose results are not numbers.
func (p *parser) check(n *node) *Error {
	switch n.op {
	case opNum:
		return nil
	case opCall:
		c := &p.calls[n.call]
		if c.Kind != event.Int && c.Kind != event.Float {
			return errorAt(c.Col, fmt.Sprintf("arithmetic needs numbers, but %s gives %s", callText(c), article(c.Kind)))
		}
		return nil
	case opNeg:
		if err := p.check(n.l); err != nil {
			return err
		}
		n.kind = n.l.kind
		return nil
	}
	if err := p.check(n.l); err != nil {
		return err
	}
	if err := p.check(n.r); err != nil {
		return err
	}
	n.kind = event.Float
	if n.op != opDiv && n.l.kind == event.Int && n.r.kind == event.Int {
		n.kind = event.Int
	}
	return nil
}
