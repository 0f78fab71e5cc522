package expr

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/greenwave/greenwave/internal/event"
)

// genericCompile compiles without operands and predicates: every node is a
// generic function, the reference the specialized forms must agree with.
func genericCompile(t *testing.T, src string, want event.Kind) *Program {
	t.Helper()
	p, err := Compile(src, testSchema, want, WithClock(testClock), func(c *config) { c.generic = true })
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	return p
}

// oddValues are field values of every kind, with the edge cases of each:
// a field may hold a value of another kind than its schema's (readers
// convert numbers and treat strings as null), or be null.
var oddValues = []event.Value{
	{},
	event.IntValue(0), event.IntValue(7), event.IntValue(-7), event.IntValue(8), event.IntValue(-8),
	event.IntValue(503), event.IntValue(math.MaxInt64), event.IntValue(math.MinInt64),
	event.FloatValue(0), event.FloatValue(2.5), event.FloatValue(-2.5), event.FloatValue(7),
	event.FloatValue(math.NaN()), event.FloatValue(math.Inf(-1)),
	event.BoolValue(true), event.BoolValue(false),
	event.StringValue(""), event.StringValue("cdn"), event.StringValue("edge"), event.StringValue("Hello"), event.StringValue("x"),
	event.TimeValue(testTime), event.TimeValue(-1),
}

// oddEvents returns testEvent, otherEvents and n events whose fields are
// drawn from oddValues (and are sometimes cut short).
func oddEvents(n int) []event.Event {
	evs := append([]event.Event{testEvent()}, otherEvents()...)
	r := rand.New(rand.NewPCG(1, 2))
	for range n {
		f := make([]event.Value, r.IntN(testSchema.Width()+1))
		for i := range f {
			f[i] = oddValues[r.IntN(len(oddValues))]
		}
		evs = append(evs, event.Event{Fields: f})
	}
	return evs
}

// predicateCases are conditions of the shapes compiled to predicates
// (pred: the root is one) and some that mix them with generic nodes.
var predicateCases = []struct {
	src  string
	pred bool
}{
	// ints and times against constants, either side
	{`i > 5`, true}, {`i >= 7`, true}, {`i < 7`, true}, {`i <= -7`, true}, {`i == 7`, true}, {`i != 7`, true},
	{`5 < i`, true}, {`7 == i`, true}, {`n > 1`, true}, {`n == 4`, true}, {`n != 4`, true},
	{`t > t`, true}, {`t == nt`, true}, {`nt != t`, true},
	// modulo a constant: powers of two (either sign), others, and 0
	{`i % 4 == 3`, true}, {`i % 4 != 0`, true}, {`i % -4 == -3`, true}, {`i % 8 < 0`, true},
	{`i % 3 > 0`, true}, {`i % 1 == 0`, true}, {`i % -1 == 0`, true}, {`status % 100 >= 3`, true},
	{`i % 0 == 0`, false}, {`i % 0 != 0`, false}, {`n % 2 == 0`, true}, {`n % 2 != 0`, true},
	// two fields
	{`i < status`, true}, {`i == n`, true}, {`n != i`, true}, {`i % 4 == status % 4`, true}, {`status >= i % 8`, true},
	// floats, and ints compared as floats
	{`f > 2.5`, true}, {`f == 2.5`, true}, {`f != 2.5`, true}, {`f <= -2.5`, true}, {`nf > 1`, true}, {`nf != 1.5`, true},
	{`i > 2.5`, true}, {`i == 7.0`, true}, {`i != 7.0`, true}, {`f < i`, true}, {`i >= f`, true}, {`f >= nf`, true},
	{`f == nf`, true}, {`i % 4 > 1.5`, true}, {`2.5 < f`, true},
	// strings
	{`host == "cdn"`, true}, {`host != "cdn"`, true}, {`host < "d"`, true}, {`host >= s`, true}, {`s > "Hello"`, true},
	{`ns == "x"`, true}, {`ns != "x"`, true}, {`host == s`, true}, {`s != ns`, true},
	// null tests
	{`n == nil`, true}, {`n != nil`, true}, {`nil == i`, true}, {`ns == nil`, true}, {`nf != nil`, true},
	{`nt == nil`, true}, {`i % 4 == nil`, true}, {`nb == nil`, false},
	// sets
	{`host in ["cdn", "edge"]`, true}, {`ns in ["x", nil]`, true}, {`s in ["a"]`, true}, {`i in [7, -7, 8]`, true},
	{`n in [4, nil]`, true}, {`i % 8 in [1, 3, -3]`, true}, {`f in [2.5, -2.5]`, true}, {`i in [7, 2.5]`, true},
	{`host in ["a", "b", "c", "d", "e", "f", "g", "h", "cdn"]`, false},
	// not, and, or over predicates, with three-valued logic
	{`i > 5 and host == "cdn"`, true}, {`n > 1 or host == "cdn"`, true}, {`n > 1 and i > 100`, true},
	{`n > 1 or i > 100`, true}, {`not (i > 5)`, true}, {`!(n > 1)`, true}, {`host not in ["cdn"]`, true},
	{`i > 5 and (f < 1 or ns == nil)`, true}, {`not (n > 1 and nf < 2) or s == "x"`, true},
	// predicates beside generic nodes
	{`i > 5 and lower(host) == "cdn"`, false}, {`(i > 5) == b`, false}, {`b and i % 4 == 3`, false},
	{`i + 1 > 5`, false}, {`(n ?? 3) > 2`, false},
}

// TestPredicatesMatchGeneric: every predicate yields what the generic
// functions yield, on events with nulls, missing fields and values of
// other kinds than their fields'.
func TestPredicatesMatchGeneric(t *testing.T) {
	evs := oddEvents(3000)
	for _, c := range predicateCases {
		p := mustCompile(t, c.src, event.Bool)
		g := genericCompile(t, c.src, event.Bool)
		if !p.Native() {
			t.Fatalf("%q is not native", c.src)
		}
		if got := p.root.pred != nil; got != c.pred {
			t.Errorf("%q: compiled to a predicate: %v, want %v", c.src, got, c.pred)
		}
		if g.root.pred != nil {
			t.Fatalf("%q: generic compile made a predicate", c.src)
		}
		batch := p.BoolBatch(evs, nil)
		for i := range evs {
			e := &evs[i]
			want, got := g.Value(e), p.Value(e)
			if !same(got, want) {
				t.Fatalf("%q on %v: %v, generic %v", c.src, e.Fields, got, want)
			}
			wantBool := want.Kind == event.Bool && want.N != 0
			if p.Bool(e) != wantBool || batch[i] != wantBool {
				t.Fatalf("%q on %v: Bool %v, BoolBatch %v, want %v", c.src, e.Fields, p.Bool(e), batch[i], wantBool)
			}
		}
	}
}

// TestOperandsMatchGeneric: a field modulo a constant, as a value, yields
// what the generic modulo yields (Go's truncated remainder).
func TestOperandsMatchGeneric(t *testing.T) {
	evs := oddEvents(3000)
	for _, src := range []string{`i % 4`, `i % -4`, `i % 3`, `i % 1`, `i % 8 + 1`, `n % 2`, `i % 4 * 1.5`, `(i % 16) / 2`} {
		p := mustCompile(t, src, event.Null)
		g := genericCompile(t, src, event.Null)
		for i := range evs {
			if got, want := p.Value(&evs[i]), g.Value(&evs[i]); !same(got, want) {
				t.Fatalf("%q on %v: %v, generic %v", src, evs[i].Fields, got, want)
			}
		}
	}
}

// TestBoolBatch: BoolBatch reuses a large enough dst, grows a small one,
// works on the fallback path and panics on a program that is not Bool.
func TestBoolBatch(t *testing.T) {
	evs := oddEvents(100)
	for _, src := range []string{`i > 5`, `t.Year() > 1970 or i > 5`} {
		p := mustCompile(t, src, event.Bool)
		dst := make([]bool, 3, 1000)
		got := p.BoolBatch(evs, dst)
		if len(got) != len(evs) || &got[0] != &dst[:1][0] {
			t.Fatalf("%q: BoolBatch returned len %d, reused dst: %v", src, len(got), &got[0] == &dst[:1][0])
		}
		for i := range evs {
			if got[i] != p.Bool(&evs[i]) {
				t.Fatalf("%q: event %d: BoolBatch %v, Bool %v", src, i, got[i], p.Bool(&evs[i]))
			}
		}
		if small := p.BoolBatch(evs, make([]bool, 2)); len(small) != len(evs) {
			t.Fatalf("%q: BoolBatch into a small dst returned %d results", src, len(small))
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("BoolBatch on an int program did not panic")
		}
	}()
	mustCompile(t, `i + 1`, event.Null).BoolBatch(evs, nil)
}

// TestPredicateDoesNotAllocate: Bool and BoolBatch on predicates allocate
// nothing once dst is large enough.
func TestPredicateDoesNotAllocate(t *testing.T) {
	evs := oddEvents(64)
	dst := make([]bool, len(evs))
	for _, c := range predicateCases {
		if !c.pred {
			continue // may build strings (lower)
		}
		p := mustCompile(t, c.src, event.Bool)
		if n := testing.AllocsPerRun(20, func() { dst = p.BoolBatch(evs, dst) }); n != 0 {
			t.Errorf("%q: BoolBatch allocates %.1f times per batch", c.src, n)
		}
		if n := testing.AllocsPerRun(100, func() { p.Bool(&evs[1]) }); n != 0 {
			t.Errorf("%q: Bool allocates %.1f times", c.src, n)
		}
	}
}
