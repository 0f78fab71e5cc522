package agg

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/expr"
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
	return &Error{Name: p.name, Col: column(p.text, off), Msg: fmt.Sprintf(format, args...)}
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

// arg is one argument of a call as written.
type arg struct {
	tok   token
	num   event.Value // set for numbers
	isNum bool
}

// text returns the argument as written, for messages.
func (a arg) text() string {
	if a.tok.kind == tokString {
		return strconv.Quote(a.tok.text)
	}
	return a.tok.text
}

// parseCall parses a call; the current token is the function name and the
// next is "(".
func (p *parser) parseCall() (*node, *Error) {
	nameTok := p.tok
	f, ok := lookupFunc(nameTok.text)
	if !ok {
		msg := fmt.Sprintf("unknown function %q", nameTok.text)
		if s := expr.Suggest(nameTok.text, funcNames()); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		} else {
			msg += " (functions: " + strings.Join(funcNames(), ", ") + ")"
		}
		return nil, &Error{Name: p.name, Col: column(p.text, nameTok.off), Msg: msg}
	}
	p.advance() // the name
	p.advance() // "("
	var args []arg
	if p.isOp(")") {
		p.advance()
	} else {
		for {
			a, err := p.parseArg(f)
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if p.isOp(",") {
				p.advance()
				continue
			}
			if p.isOp(")") {
				p.advance()
				break
			}
			if p.tok.kind == tokBad {
				return nil, p.badToken(p.tok)
			}
			return nil, p.errAt(p.tok.off, "%s: expected \",\" or \")\" after argument %d, got %s", f, len(args), describe(p.tok))
		}
	}
	c, err := p.resolve(f, nameTok, args)
	if err != nil {
		return nil, err
	}
	p.calls = append(p.calls, c)
	return &node{op: opCall, call: len(p.calls) - 1, kind: c.Kind, off: nameTok.off}, nil
}

// parseArg parses one argument of f: a field name or a (signed) number.
func (p *parser) parseArg(f Func) (arg, *Error) {
	t := p.tok
	switch t.kind {
	case tokIdent:
		if next := p.peek(); next.kind == tokOp && next.text == "(" {
			return arg{}, p.errAt(t.off, "%s: arguments are field names or numbers; calls such as %s(...) cannot be nested", f, t.text)
		}
		p.advance()
		return arg{tok: t}, nil
	case tokString:
		p.advance()
		return arg{tok: t}, nil
	case tokNumber:
		v, err := p.number(t)
		if err != nil {
			return arg{}, err
		}
		p.advance()
		return arg{tok: t, num: v, isNum: true}, nil
	case tokOp:
		if t.text == "-" {
			if next := p.peek(); next.kind == tokNumber {
				p.advance()
				v, err := p.number(p.tok)
				if err != nil {
					return arg{}, err
				}
				p.advance()
				if v.Kind == event.Int {
					v = event.IntValue(-v.Int())
				} else {
					v = event.FloatValue(-v.Float())
				}
				return arg{tok: token{kind: tokNumber, off: t.off, text: "-" + next.text}, num: v, isNum: true}, nil
			}
		}
	case tokBad:
		return arg{}, p.badToken(t)
	}
	return arg{}, p.errAt(t.off, "%s: expected a field name, got %s", f, describe(t))
}

// resolve checks a call's arguments against f's signature and the schema.
func (p *parser) resolve(f Func, name token, args []arg) (Call, *Error) {
	info := &funcs[f]
	c := Call{Func: f, Slot: -1, Col: column(p.text, name.off)}
	want := 1
	if info.param != "" {
		want = 2
	}
	if len(args) != want && !(info.fieldOptional && len(args) == 0) {
		plural := "s"
		if len(args) == 1 {
			plural = ""
		}
		return c, p.errAt(name.off, "%s: got %d argument%s, want %s", f, len(args), plural, info.usage)
	}
	if len(args) == 0 { // count()
		c.Kind = resultKind(f, event.Null)
		return c, nil
	}
	fa := args[0]
	if fa.isNum {
		return c, p.errAt(fa.tok.off, "%s: the first argument must be a field name, got %s", f, fa.tok.text)
	}
	slot, ok := p.in.Slot(fa.tok.text)
	if !ok {
		return c, p.errAt(fa.tok.off, "%s: %s", f, unknownField(fa.tok.text, p.in.Names()))
	}
	kind := p.in.Fields[slot].Kind
	if !info.fieldKinds.has(kind) {
		return c, p.errAt(fa.tok.off, "%s: field %q is %s, want %s field", f, fa.tok.text, article(kind), info.kindsText)
	}
	c.Field, c.Slot, c.FieldKind, c.Kind = fa.tok.text, slot, kind, resultKind(f, kind)
	switch f {
	case Percentile:
		q := args[1]
		if !q.isNum {
			return c, p.errAt(q.tok.off, "percentile: the quantile must be a number from 0 to 1, got %s", q.text())
		}
		c.Q = q.num.Float()
		if c.Q < 0 || c.Q > 1 {
			return c, p.errAt(q.tok.off, "percentile: quantile %s is out of range; it must be from 0 to 1 (write 0.95 for the 95th percentile)", q.tok.text)
		}
	case TopK:
		k := args[1]
		if !k.isNum || k.num.Kind != event.Int || k.num.Int() < 1 || k.num.Int() > MaxK {
			return c, p.errAt(k.tok.off, "top_k: k must be a whole number from 1 to %d, got %s", MaxK, k.text())
		}
		c.K = int(k.num.Int())
	}
	return c, nil
}

// article returns the kind's name with its indefinite article.
func article(k event.Kind) string {
	if k == event.Int {
		return "an int"
	}
	return "a " + k.String()
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
			return &Error{Name: p.name, Col: c.Col, Msg: fmt.Sprintf("arithmetic needs numbers, but %s gives %s", callText(c), article(c.Kind))}
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

// callText formats a call canonically, for messages.
func callText(c *Call) string {
	var b strings.Builder
	b.WriteString(c.Func.String())
	b.WriteByte('(')
	if c.Field != "" && !isIdent(c.Field) {
		b.WriteString(strconv.Quote(c.Field))
	} else {
		b.WriteString(c.Field)
	}
	switch c.Func {
	case Percentile:
		b.WriteString(", ")
		b.WriteString(strconv.FormatFloat(c.Q, 'g', -1, 64))
	case TopK:
		b.WriteString(", ")
		b.WriteString(strconv.Itoa(c.K))
	}
	b.WriteByte(')')
	return b.String()
}

// isIdent reports whether s can be written unquoted in aggregate text.
func isIdent(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentStart(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}
