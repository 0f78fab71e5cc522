package expr

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/event"
)

var (
	nullV  = event.Value{}
	i64    = event.IntValue
	f64    = event.FloatValue
	str    = event.StringValue
	boolV  = event.BoolValue
	timeAt = event.TimeValue
)

// evalCases are expressions over testEvent with the kind and value they
// must yield (null written as the zero Value, its kind as the program's).
var evalCases = []struct {
	src  string
	kind event.Kind
	want event.Value
}{
	// literals and fields
	{`1`, event.Int, i64(1)},
	{`2.5`, event.Float, f64(2.5)},
	{`"x"`, event.String, str("x")},
	{`true`, event.Bool, boolV(true)},
	{`b`, event.Bool, boolV(true)},
	{`i`, event.Int, i64(7)},
	{`f`, event.Float, f64(2.5)},
	{`s`, event.String, str("Hello")},
	{`t`, event.Time, timeAt(testTime)},
	{`$env["user-agent"]`, event.String, str("curl/8")},
	{`$env.host`, event.String, str("cdn")},
	{`n`, event.Int, nullV},
	{`ns`, event.String, nullV},
	{`nb`, event.Bool, nullV},
	// arithmetic
	{`i + 1`, event.Int, i64(8)},
	{`i - 10`, event.Int, i64(-3)},
	{`i * 2`, event.Int, i64(14)},
	{`i / 2`, event.Float, f64(3.5)},
	{`i % 4`, event.Int, i64(3)},
	{`i % 0`, event.Int, nullV},
	{`1 / 0`, event.Float, f64(math.Inf(1))},
	{`f * 2`, event.Float, f64(5)},
	{`i + f`, event.Float, f64(9.5)},
	{`f - i`, event.Float, f64(-4.5)},
	{`-i`, event.Int, i64(-7)},
	{`-f`, event.Float, f64(-2.5)},
	{`+f`, event.Float, f64(2.5)},
	{`1 + 2 * 3`, event.Int, i64(7)},
	{`(1 + 2) * 3`, event.Int, i64(9)},
	{`s + "!"`, event.String, str("Hello!")},
	{`n + 1`, event.Int, nullV},
	{`nf * f`, event.Float, nullV},
	{`-n`, event.Int, nullV},
	// time
	{`t - t`, event.Int, i64(0)},
	{`t + 5`, event.Time, timeAt(testTime + 5)},
	{`5 + t`, event.Time, timeAt(testTime + 5)},
	{`t - 5`, event.Time, timeAt(testTime - 5)},
	{`now()`, event.Time, timeAt(100e9)},
	{`now() - t`, event.Int, i64(100e9 - testTime)},
	{`duration("1m30s")`, event.Int, i64(90e9)},
	{`t + duration("1s") > t`, event.Bool, boolV(true)},
	{`t < now()`, event.Bool, boolV(false)},
	{`nt - t`, event.Int, nullV},
	// comparisons
	{`i == 7`, event.Bool, boolV(true)},
	{`i != 7`, event.Bool, boolV(false)},
	{`i < 7.5`, event.Bool, boolV(true)},
	{`7 < i`, event.Bool, boolV(false)},
	{`7 <= i`, event.Bool, boolV(true)},
	{`8 > i`, event.Bool, boolV(true)},
	{`i >= 8`, event.Bool, boolV(false)},
	{`i == 7.0`, event.Bool, boolV(true)},
	{`f >= 2.5`, event.Bool, boolV(true)},
	{`i > f`, event.Bool, boolV(true)},
	{`status >= 500 and status < 600`, event.Bool, boolV(true)},
	{`s == "Hello"`, event.Bool, boolV(true)},
	{`s < "World"`, event.Bool, boolV(true)},
	{`s >= host`, event.Bool, boolV(false)},
	{`b == true`, event.Bool, boolV(true)},
	{`b != false`, event.Bool, boolV(true)},
	{`1 < i < 10`, event.Bool, boolV(true)},
	{`t == t`, event.Bool, boolV(true)},
	// comparisons with null
	{`n == nil`, event.Bool, boolV(true)},
	{`n != nil`, event.Bool, boolV(false)},
	{`nil == n`, event.Bool, boolV(true)},
	{`i == nil`, event.Bool, boolV(false)},
	{`ns == nil`, event.Bool, boolV(true)},
	{`nil == nil`, event.Bool, boolV(true)},
	{`n == 1`, event.Bool, boolV(false)},
	{`n != 1`, event.Bool, boolV(true)},
	{`ns == ns`, event.Bool, boolV(true)},
	{`ns == s`, event.Bool, boolV(false)},
	{`n < 1`, event.Bool, nullV},
	{`1 < n`, event.Bool, nullV},
	// logic
	{`b and i > 5`, event.Bool, boolV(true)},
	{`b && false`, event.Bool, boolV(false)},
	{`false or b`, event.Bool, boolV(true)},
	{`false || false`, event.Bool, boolV(false)},
	{`not b`, event.Bool, boolV(false)},
	{`!b`, event.Bool, boolV(false)},
	{`n > 1 and false`, event.Bool, boolV(false)},
	{`false and n > 1`, event.Bool, boolV(false)},
	{`n > 1 and true`, event.Bool, nullV},
	{`n > 1 or true`, event.Bool, boolV(true)},
	{`n > 1 or false`, event.Bool, nullV},
	{`not (n > 1)`, event.Bool, nullV},
	{`nb or b`, event.Bool, boolV(true)},
	// in
	{`i in [1, 7, 9]`, event.Bool, boolV(true)},
	{`i not in [1, 2]`, event.Bool, boolV(true)},
	{`s in ["a", "Hello"]`, event.Bool, boolV(true)},
	{`f in [1, 2.5]`, event.Bool, boolV(true)},
	{`i in [7.0]`, event.Bool, boolV(true)},
	{`i in []`, event.Bool, boolV(false)},
	{`n in [1, nil]`, event.Bool, boolV(true)},
	{`n in [1]`, event.Bool, boolV(false)},
	{`nil in [1]`, event.Bool, boolV(false)},
	{`b in [false]`, event.Bool, boolV(false)},
	{`host in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "cdn"]`, event.Bool, boolV(true)},
	{`status in [200, 201, 202, 203, 204, 300, 301, 302, 304, 400]`, event.Bool, boolV(false)},
	{`status in [200, 201, 202, 203, 204, 300, 301, 302, 304, 503.0]`, event.Bool, boolV(true)},
	// conditionals
	{`b ? 1 : 2`, event.Int, i64(1)},
	{`i > 10 ? "big" : "small"`, event.String, str("small")},
	{`n > 1 ? 1 : 2`, event.Int, i64(2)},
	{`b ? 1 : 2.5`, event.Float, f64(1)},
	{`b ? nil : 1`, event.Int, nullV},
	{`true ? s : "x"`, event.String, str("Hello")},
	{`if b { "y" } else { "n" }`, event.String, str("y")},
	{`n ?? 5`, event.Int, i64(5)},
	{`i ?? 5`, event.Int, i64(7)},
	{`ns ?? "none"`, event.String, str("none")},
	{`n ?? 2.5`, event.Float, f64(2.5)},
	{`n ?? nil`, event.Int, nullV},
	{`nil ?? i`, event.Int, i64(7)},
	{`1 ?? n`, event.Int, i64(1)},
	{`n ?? nf ?? f`, event.Float, f64(2.5)},
	// string operators
	{`s contains "ell"`, event.Bool, boolV(true)},
	{`s startsWith "He"`, event.Bool, boolV(true)},
	{`s endsWith "lo"`, event.Bool, boolV(true)},
	{`s not contains "x"`, event.Bool, boolV(true)},
	{`s matches "^H.*o$"`, event.Bool, boolV(true)},
	{`host not matches "^cdn[0-9]+$"`, event.Bool, boolV(true)},
	{`ns contains "a"`, event.Bool, nullV},
	{`ns matches "a"`, event.Bool, nullV},
	// builtins
	{`len(s)`, event.Int, i64(5)},
	{`len("héllo")`, event.Int, i64(5)},
	{`lower(s)`, event.String, str("hello")},
	{`upper(s)`, event.String, str("HELLO")},
	{`trim("  a ")`, event.String, str("a")},
	{`trim("xxaxx", "x")`, event.String, str("a")},
	{`trimPrefix(s, "He")`, event.String, str("llo")},
	{`trimSuffix(s, "lo")`, event.String, str("Hel")},
	{`trimPrefix(" a")`, event.String, str("a")},
	{`hasPrefix(s, "H")`, event.Bool, boolV(true)},
	{`hasSuffix(s, "H")`, event.Bool, boolV(false)},
	{`indexOf(s, "l")`, event.Int, i64(2)},
	{`lastIndexOf(s, "l")`, event.Int, i64(3)},
	{`abs(-3)`, event.Int, i64(3)},
	{`abs(-2.5)`, event.Float, f64(2.5)},
	{`abs(i - 10)`, event.Int, i64(3)},
	{`ceil(f)`, event.Float, f64(3)},
	{`floor(f)`, event.Float, f64(2)},
	{`round(f)`, event.Float, f64(3)},
	{`ceil(i)`, event.Float, f64(7)},
	{`min(i, 3)`, event.Int, i64(3)},
	{`min(i, 3, 5)`, event.Int, i64(3)},
	{`max(i, f)`, event.Float, f64(7)},
	{`max(n, 1)`, event.Int, nullV},
	{`int(f)`, event.Int, i64(2)},
	{`int("42")`, event.Int, i64(42)},
	{`int(s)`, event.Int, nullV},
	{`int(t)`, event.Int, i64(testTime)},
	{`int(i)`, event.Int, i64(7)},
	{`float(i)`, event.Float, f64(7)},
	{`float("1.5")`, event.Float, f64(1.5)},
	{`string(i)`, event.String, str("7")},
	{`string(f)`, event.String, str("2.5")},
	{`string(b)`, event.String, str("true")},
	{`string(t)`, event.String, str("1970-01-01T00:16:40Z")},
	{`len(ns)`, event.Int, nullV},
	{`lower(ns) ?? "-"`, event.String, str("-")},
}

func TestEval(t *testing.T) {
	for _, c := range evalCases {
		t.Run(c.src, func(t *testing.T) {
			p := mustCompile(t, c.src, event.Null)
			if !p.Native() {
				t.Fatalf("%q runs on the fallback VM", c.src)
			}
			if p.Kind() != c.kind {
				t.Fatalf("kind %s, want %s", p.Kind(), c.kind)
			}
			e := testEvent()
			got := p.Value(&e)
			if !same(got, c.want) || got.Kind != c.want.Kind {
				t.Fatalf("= %v (%s), want %v (%s)", got, got.Kind, c.want, c.want.Kind)
			}
			if c.kind == event.Bool && p.Bool(&e) != (c.want.Kind == event.Bool && c.want.N == 1) {
				t.Fatalf("Bool = %v, want %v (null counts as false)", p.Bool(&e), c.want)
			}
		})
	}
}

// TestWantKind: a wanted kind is enforced, and an int is accepted where a
// float is wanted.
func TestWantKind(t *testing.T) {
	p := mustCompile(t, `i + 1`, event.Float)
	e := testEvent()
	if got := p.Value(&e); p.Kind() != event.Float || got != f64(8) {
		t.Fatalf("kind %s value %v, want float 8", p.Kind(), got)
	}
	if _, err := Compile(`i + 1`, testSchema, event.Bool); err == nil {
		t.Fatal("int expression accepted where bool is wanted")
	}
}

// TestConstantFolding: an expression of constants compiles to a constant,
// and now() is never folded.
func TestConstantFolding(t *testing.T) {
	for _, src := range []string{`1 + 2 * 3`, `lower("A") + "b"`, `duration("5s") * 2`, `3 in [1, 3]`, `true ? 1 : 2`} {
		if p := mustCompile(t, src, event.Null); !p.root.konst {
			t.Errorf("%q was not folded", src)
		}
	}
	if p := mustCompile(t, `now() - duration("1s")`, event.Null); p.root.konst {
		t.Error("now() was folded")
	}
}

// TestRealClock: without WithClock, now() reads the wall clock.
func TestRealClock(t *testing.T) {
	p, err := Compile(`now()`, testSchema, event.Null)
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().UnixNano()
	got := p.Value(&event.Event{}).Int()
	if got < before || got > time.Now().UnixNano() {
		t.Fatalf("now() = %d, outside the wall-clock window", got)
	}
}

// TestConcurrentUse: a program is evaluated from several goroutines at once
// (run with -race), on both paths.
func TestConcurrentUse(t *testing.T) {
	progs := []*Program{
		mustCompile(t, `status >= 500 and host matches "^c" ? i * 2 : -1`, event.Null),
		mustCompile(t, `i ** 2`, event.Null),
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := testEvent()
			for range 200 {
				if a, b := progs[0].Value(&e), progs[1].Value(&e); a != i64(14) || b != f64(49) {
					t.Errorf("got %v and %v, want 14 and 49", a, b)
					return
				}
			}
		}()
	}
	wg.Wait()
}
