package agg

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/greenwave/greenwave/internal/diag"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/expr"
)

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
		if hint := diag.DidYouMean(nameTok.text, funcNames()); hint != "" {
			msg += hint
		} else {
			msg += " (functions: " + strings.Join(funcNames(), ", ") + ")"
		}
		return nil, p.errAt(nameTok.off, "%s", msg)
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
		return c, p.errAt(fa.tok.off, "%s: %s", f, expr.UnknownField(fa.tok.text, p.in.Names()))
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
