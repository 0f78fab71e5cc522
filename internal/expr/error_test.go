package expr

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/diag"
	"github.com/greenwave/greenwave/internal/event"
)

// TestErrors: compile errors carry the position inside the expression text
// (line, rune column) and a message naming the operator and operand kinds.
func TestErrors(t *testing.T) {
	cases := []struct {
		src       string
		want      event.Kind
		line, col int
		msg       string
	}{
		{`stauts == 1`, event.Bool, 1, 1, `unknown field "stauts" (did you mean "status"?)`},
		{`b and zzz`, event.Bool, 1, 7, `unknown field "zzz" (fields: b, i, f, s, t, host, status, user-agent, ...)`},
		{`$env["hots"]`, event.Null, 1, 5, `unknown field "hots" (did you mean "host"?)`},
		{`status == "cdn"`, event.Bool, 1, 8, `cannot compare int field "status" with string "cdn"`},
		{`"cdn" == status * 2`, event.Bool, 1, 7, `cannot compare string "cdn" with int`},
		{`"é" == i`, event.Bool, 1, 5, `cannot compare string "é" with int field "i"`},
		{`s + 1`, event.Null, 1, 3, `operator "+" not defined on string field "s" and int 1`},
		{`f % 2`, event.Null, 1, 3, `operator "%" not defined on float field "f" and int 2`},
		{`t + t`, event.Null, 1, 3, `operator "+" not defined on time field "t" and time field "t"`},
		{`i + nil`, event.Null, 1, 3, `operator "+" not defined on int field "i" and nil`},
		{`b < true`, event.Bool, 1, 3, `operator "<" not defined on bool field "b" and bool true`},
		{`i < nil`, event.Bool, 1, 3, `cannot compare int field "i" with nil using "<"`},
		{`not i`, event.Bool, 1, 1, `operator "not" not defined on int field "i"`},
		{`-s`, event.Null, 1, 1, `operator "-" not defined on string field "s"`},
		{`b and i`, event.Bool, 1, 3, `operator "and" not defined on bool field "b" and int field "i"`},
		{`i ?? "x"`, event.Null, 1, 3, `operator "??" needs operands of one kind, got int field "i" and string "x"`},
		{`i`, event.Bool, 1, 1, `expression must be bool, got int`},
		{`nil`, event.Null, 1, 1, `expression is always nil, so its kind is unknown`},
		{`i ? 1 : 2`, event.Null, 1, 1, `condition must be bool, got int field "i"`},
		{`b ? 1 : "a"`, event.Null, 1, 9, `branches of a conditional must have one kind, got int 1 and string "a"`},
		{`i in [1, "a"]`, event.Bool, 1, 10, `cannot compare int field "i" with string "a"`},
		{`i in s`, event.Bool, 1, 6, `operator "in" needs an array literal on the right, got string field "s"`},
		{`s contains 1`, event.Bool, 1, 3, `operator "contains" not defined on string field "s" and int 1`},
		{`s matches "["`, event.Bool, 1, 11, "invalid regular expression \"[\": error parsing regexp: missing closing ]: `[`"},
		{`s matches host`, event.Bool, 1, 11, `the pattern of "matches" must be a constant string, got string field "host"`},
		{`lower(i)`, event.Null, 1, 7, `function lower expects string, got int field "i"`},
		{`lower(s, s)`, event.Null, 1, 1, `function lower takes 1 argument, got 2`},
		{`trim()`, event.Null, 1, 1, `function trim takes 1 or 2 arguments, got 0`},
		{`min()`, event.Null, 1, 1, `function min takes at least 1 argument, got 0`},
		{`abs("x")`, event.Null, 1, 5, `function abs expects int or float, got string "x"`},
		{`now(1)`, event.Null, 1, 1, `function now takes 0 arguments, got 1`},
		{`duration("5x")`, event.Null, 1, 10, `invalid duration "5x"`},
		{`int("abc")`, event.Null, 1, 5, `cannot convert string "abc" to int`},
		{`int(b)`, event.Null, 1, 5, `cannot convert bool field "b" to int`},
		{`i +`, event.Null, 1, 3, `unexpected token EOF`},
		{` `, event.Null, 1, 1, `expression is empty`},
		{`[i, 2]`, event.Null, 1, 1, `expression yields a []interface {}, which no field can hold (bool, int, float, string, time)`},
		{`[i, 2]`, event.Bool, 1, 1, `expression yields a []interface {}, which no field can hold (bool, int, float, string, time)`},
		{`b ? i : f ** 1`, event.Null, 1, 1, `cannot tell the kind of the expression's result; convert it with int(), float(), string() or a comparison`},
		{"b and\n  zzz > 1", event.Bool, 2, 3, `unknown field "zzz" (fields: b, i, f, s, t, host, status, user-agent, ...)`},
		// An unsupported operator still reports unknown fields our way.
		{`stauts ** 2`, event.Null, 1, 1, `unknown field "stauts" (did you mean "status"?)`},
		// Errors from expr-lang's checker on the fallback path keep their
		// position.
		{`s.Foo()`, event.Null, 1, 3, `type string has no method Foo`},
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			_, err := Compile(c.src, testSchema, c.want)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want an *Error", err, err)
			}
			if e.Line != c.line || e.Col != c.col || e.Msg != c.msg {
				t.Fatalf("got %d:%d %q\nwant %d:%d %q", e.Line, e.Col, e.Msg, c.line, c.col, c.msg)
			}
		})
	}
}

// TestErrorText: the message alone on the first line (the loader adds the
// position), line and column in the text after it.
func TestErrorText(t *testing.T) {
	e := at(1, 4, "boom")
	if e.Error() != "boom" || e.Col != 4 {
		t.Fatalf("first line: %q, column %d", e.Error(), e.Col)
	}
	e = at(2, 3, "boom")
	if e.Error() != "line 2, column 3: boom" || e.Line != 2 {
		t.Fatalf("second line: %q, line %d", e.Error(), e.Line)
	}
}

// TestSuggest: the field names suggested for unknown ones (diag.Suggest's
// rule).
func TestSuggest(t *testing.T) {
	fields := []string{"status", "host", "bytes", "user_agent"}
	for name, want := range map[string]string{
		"stauts": "status", "Host": "host", "byte": "bytes", "useragent": "user_agent", "xyz": "", "": "",
	} {
		if got := diag.Suggest(name, fields); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", name, got, want)
		}
		msg := UnknownField(name, fields)
		if hint := fmt.Sprintf("(did you mean %q?)", want); (want != "") != strings.HasSuffix(msg, hint) {
			t.Errorf("UnknownField(%q) = %q", name, msg)
		}
	}
	if got := UnknownField("q", nil); got != `unknown field "q" (the input has no fields)` {
		t.Errorf("UnknownField with no fields: %q", got)
	}
}
