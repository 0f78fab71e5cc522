package expr

import (
	"testing"

	"github.com/greenwave/greenwave/internal/event"
)

// TestFallback: syntax the native compiler does not cover runs on
// expr-lang's VM, over the same fields, with the same null rule.
func TestFallback(t *testing.T) {
	cases := []struct {
		src  string
		want event.Kind
		kind event.Kind
		val  event.Value
	}{
		{`i ** 2`, event.Null, event.Float, f64(49)},
		{`t.Year()`, event.Null, event.Int, i64(1970)},
		{`let x = i; x * 2`, event.Null, event.Int, i64(14)},
		{`split(s, "l")[0]`, event.Null, event.String, str("He")},
		{`i in [i, 1]`, event.Bool, event.Bool, boolV(true)},
		{`all([1, 2], {# < i})`, event.Bool, event.Bool, boolV(true)},
		{`$env["user-agent"] + string(len([1, 2]))`, event.Null, event.String, str("curl/82")},
		{`n ** 2`, event.Null, event.Float, nullV},            // run-time error on null: null
		{`b ? i : f ** 1`, event.Float, event.Float, f64(7)},  // interface{} result, converted to the wanted kind
		{`now().Unix() + 1`, event.Null, event.Int, i64(101)}, // injected clock
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			p := mustCompile(t, c.src, c.want)
			if p.Native() {
				t.Fatalf("%q compiled natively; the case needs one that falls back", c.src)
			}
			if p.Kind() != c.kind {
				t.Fatalf("kind %s, want %s", p.Kind(), c.kind)
			}
			e := testEvent()
			if got := p.Value(&e); !same(got, c.val) || got.Kind != c.val.Kind {
				t.Fatalf("= %v (%s), want %v (%s)", got, got.Kind, c.val, c.val.Kind)
			}
			if c.kind == event.Bool && !p.Bool(&e) {
				t.Fatal("Bool = false, want true")
			}
		})
	}
}

// valueCases are natively supported expressions; on events whose fields
// hold values, both paths must agree.
var valueCases = []string{
	`i + 1`, `i * f`, `i / 2`, `i % 3`, `i % 0`, `f - i`, `1 / 0`, `-i`, `s + "x"`,
	`i == 7`, `i < f`, `f >= 2.5`, `s < "M"`, `s == host`, `b and i > 3`, `b or false`, `not b`,
	`i in [1, 7]`, `s in ["Hello", "x"]`, `f in [2.5, -0.75]`, `b ? i : 0`,
	`s contains "el"`, `s startsWith "H"`, `s endsWith "o"`, `s matches "l+"`,
	`len(s)`, `lower(s)`, `upper(s)`, `trim(s)`, `trimPrefix(s, "He")`, `hasSuffix(s, "o")`, `indexOf(s, "l")`,
	`abs(i - 10)`, `ceil(f)`, `floor(f)`, `round(f)`, `min(i, 3)`, `max(i, 9)`,
	`int(f)`, `float(i)`, `string(i)`, `string(f)`, `string(b)`,
	`t - t`, `t + duration("1s")`, `now() - t`, `t < now()`,
	`status >= 500 and host == "cdn"`, `1 < i < 10`, `i > 3 ? "a" : "b"`,
}

// nullCases agree on both paths on null fields too: an operation on null
// is null (expr-lang fails, which the fallback turns into null), and ==
// nil and ?? test for null. (The paths differ elsewhere on null; see the
// package documentation.)
var nullCases = []string{
	`n == nil`, `n != nil`, `n + 1`, `n > 1`, `len(ns)`, `nt - t`, `n ?? 5`, `ns ?? "none"`,
	`nb ?? b`, `n ?? i ?? 0`, `-n`, `nf * 2`,
}

// TestFallbackMatchesNative evaluates expressions on both paths and demands
// equal results.
func TestFallbackMatchesNative(t *testing.T) {
	valued := []event.Event{testEvent(), otherEvents()[0]}
	all := append([]event.Event{testEvent()}, otherEvents()...)
	check := func(src string, events []event.Event) {
		native := mustCompile(t, src, event.Null)
		if !native.Native() {
			t.Fatalf("%q does not compile natively", src)
		}
		vm, err := compileFallback(src, testSchema, native.Kind(), &config{now: testClock})
		if err != nil {
			t.Fatalf("fallback %q: %v", src, err)
		}
		if vm.Native() || vm.Kind() != native.Kind() {
			t.Fatalf("fallback %q: native %v, kind %s (want %s)", src, vm.Native(), vm.Kind(), native.Kind())
		}
		for i := range events {
			a, b := native.Value(&events[i]), vm.Value(&events[i])
			if !same(a, b) {
				t.Errorf("%q on event %d: native %v (%s), expr-lang %v (%s)", src, i, a, a.Kind, b, b.Kind)
			}
		}
	}
	for _, src := range valueCases {
		check(src, valued)
	}
	for _, src := range nullCases {
		check(src, all)
	}
}
