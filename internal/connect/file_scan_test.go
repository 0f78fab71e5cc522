package connect

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/greenwave/greenwave/internal/event"
)

// scanFields is a schema of every kind, in slot order.
func scanFields() []fileField {
	return []fileField{
		{name: "b", kind: event.Bool, slot: 0},
		{name: "f", kind: event.Float, slot: 1},
		{name: "n", kind: event.Int, slot: 2},
		{name: "s", kind: event.String, slot: 3},
		{name: "t", kind: event.Time, slot: 4},
	}
}

// decodeBoth decodes line with the scanner (falling back to the parser)
// and with the parser alone, and fails the test when the two differ in
// fields or error. It returns the scanner's fields and error, and whether
// the scanner read the line itself.
func decodeBoth(t *testing.T, fast, slow *decoder, line string) ([]event.Value, error, bool) {
	t.Helper()
	var a, b event.Event
	errA := fast.decode([]byte(line), &a)
	errB := slow.decode([]byte(line), &b)
	if fmt.Sprint(errA) != fmt.Sprint(errB) {
		t.Fatalf("line %s: scan gives error %v, the parser %v", line, errA, errB)
	}
	if errA == nil && fmt.Sprint(a.Fields) != fmt.Sprint(b.Fields) {
		t.Fatalf("line %s: scan gives %v, the parser %v", line, a.Fields, b.Fields)
	}
	var c event.Event
	fast.begin(&c)
	return a.Fields, errA, fast.scan([]byte(line))
}

func newScanPair(required []int) (fast, slow *decoder) {
	fast = newDecoder(scanFields(), required, 5)
	slow = newDecoder(scanFields(), required, 5)
	slow.parseOnly = true
	return fast, slow
}

func TestScanAgreesWithTheParser(t *testing.T) {
	fast, slow := newScanPair([]int{2})
	for _, tc := range []struct {
		line string
		scan bool // the scanner reads it itself
	}{
		{`{"b":true,"f":1.5,"n":7,"s":"x","t":"2026-01-02T03:04:05.123Z"}`, true},
		{` { "n" : -12 , "s" : "" } `, true},
		{"{\"n\":1,\t\"f\":-0.5e3}\r", true},
		{`{"n":0,"f":0,"t":1767225600000}`, true},
		{`{"n":1,"t":1767225600000.5}`, true},
		{`{"n":1,"t":1767225600000000000}`, true},
		{`{"n":1,"b":false,"s":null,"x":"ignored","y":[1,2]}`, false}, // an array: the parser's
		{`{"n":1,"x":{"deep":true}}`, false},
		{`{"n":1,"x":3,"y":true,"z":null,"w":"w"}`, true},
		{`{"n":1,"s":"esc\"aped"}`, false},
		{`{"n":1,"s":"caf\u00e9"}`, false},
		{`{"n":1,"s":"tab	inside"}`, false},
		{`{"n":1,"s":"naïve ☃"}`, true},
		{`{"n":1,"n":2}`, true},
		{`{"n":1,"n":null}`, true},
		{`{"n":1.0}`, false},                 // not an int: the parser's error
		{`{"n":9223372036854775808}`, false}, // overflows
		{`{"n":-9223372036854775808}`, true}, // the smallest int64
		{`{"n":01}`, false},                  // not strict JSON
		{`{"n":1,"f":1e400}`, true},          // +Inf, as the parser reads it
		{`{"n":1,"f":"1"}`, false},           // wrong kind
		{`{"n":1,"b":1}`, false},             // wrong kind
		{`{"n":1,"t":"2026-02-30T00:00:00Z"}`, false},
		{`{"n":1,"t":"2026-02-28T00:00:00+02:00"}`, true}, // time.Parse reads the offset
		{`{"n":1,"t":"2026-02-28T23:59:60Z"}`, false},
		{`{"n":1,"t":"2026-02-28T00:00:00.1234567891Z"}`, true},
		{`{"n":1,"t":"2026-02-28T00:00:00.Z"}`, false},
		{`{"n":1,"t":"2024-02-29T12:00:00Z"}`, true},
		{`{"n":1,"t":"2023-02-29T12:00:00Z"}`, false},
		{`{"n":1,"t":true}`, false},
		{`{"n":1,}`, false},
		{`{"n":1} x`, false},
		{`{"n":1`, false},
		{`{"n" 1}`, false},
		{`{n:1}`, false},
		{`[1]`, false},
		{`{}`, true}, // misses n: scanned, then reported
		{`{"s":"x"}`, true},
		{`{"n":1,"b":tru}`, false},
		{`{"n":1,"b":nul}`, false},
		{`{"n":-}`, false},
		{`{"n":1,"f":1.}`, false},
		{`{"n":1,"f":1e}`, false},
		{`{"n":1,"f":Infinity}`, false},
	} {
		_, err, scanned := decodeBoth(t, fast, slow, tc.line)
		if scanned != tc.scan {
			t.Errorf("line %s: scanned %v, want %v (error %v)", tc.line, scanned, tc.scan, err)
		}
	}
}

// TestScanKeyOrderChanges decodes lines whose keys change order, number
// and names from one line to the next: the remembered key positions must
// never give a value to the wrong field.
func TestScanKeyOrderChanges(t *testing.T) {
	fast, slow := newScanPair(nil)
	lines := []string{
		`{"n":1,"s":"a","b":true}`,
		`{"s":"b","n":2,"b":false}`,
		`{"b":true,"n":3}`,
		`{"n":4,"s":"c","b":true,"f":2.5}`,
		`{"x":1,"n":5,"s":"d"}`,
		`{"n":6,"s":"e","b":true}`,
		`{"nn":7,"s":"f"}`,
		`{"s":"g","n":8}`,
	}
	want := []string{
		`[true null 1 "a" null]`,
		`[false null 2 "b" null]`,
		`[true null 3 null null]`,
		`[true 2.5 4 "c" null]`,
		`[null null 5 "d" null]`,
		`[true null 6 "e" null]`,
		`[null null null "f" null]`,
		`[null null 8 "g" null]`,
	}
	for round := range 2 {
		for i, line := range lines {
			got, err, scanned := decodeBoth(t, fast, slow, line)
			if err != nil || !scanned {
				t.Fatalf("round %d line %s: error %v, scanned %v", round, line, err, scanned)
			}
			if s := fmt.Sprint(got); s != want[i] {
				t.Errorf("round %d line %s: %s, want %s", round, line, s, want[i])
			}
		}
	}
}

// TestScanRandomLines compares the two paths on random lines built from
// good and bad pieces, in random key orders.
func TestScanRandomLines(t *testing.T) {
	fast, slow := newScanPair(nil)
	r := rand.New(rand.NewPCG(1, 2))
	values := map[string][]string{
		"b": {"true", "false", "null", "1", `"true"`},
		"f": {"0", "-1.5", "2e3", "1E-2", "3", "-0", "1.", "1e", "--1", "null", `"x"`},
		"n": {"0", "42", "-7", "1.0", "1e3", "12345678901234567890", "null", "-", "007"},
		"s": {`""`, `"abc"`, `"a\"b"`, `"\u0041"`, `"é"`, "null", "5", `"unterminated`},
		"t": {`"2026-01-01T00:00:00Z"`, `"2026-01-01T00:00:00.5Z"`, `"2026-13-01T00:00:00Z"`,
			`"2026-01-01T00:00:00-05:00"`, "1767225600000", "1767225600000000000", "1.5e12", `"x"`, "null"},
		"x": {"1", `"y"`, "[1,2]", `{"a":1}`, "null", "true"},
	}
	keys := []string{"b", "f", "n", "s", "t", "x"}
	spaces := []string{"", "", "", " ", "\t", " \r "}
	for range 20000 {
		var b strings.Builder
		b.WriteString("{")
		for j, k := range r.Perm(len(keys))[:r.IntN(len(keys)+1)] {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString(spaces[r.IntN(len(spaces))])
			vs := values[keys[k]]
			fmt.Fprintf(&b, "%q:%s%s", keys[k], spaces[r.IntN(len(spaces))], vs[r.IntN(len(vs))])
		}
		b.WriteString("}")
		line := b.String()
		if r.IntN(20) == 0 && len(line) > 2 {
			i := r.IntN(len(line))
			line = line[:i] + line[i+1:] // a byte missing
		}
		decodeBoth(t, fast, slow, line)
	}
}

func TestParseUTCAgreesWithTimeParse(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		ts := time.Unix(r.Int64N(1<<35)-1<<34, r.Int64N(1e9)).UTC()
		for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05.000Z07:00"} {
			s := ts.Format(layout)
			got, ok := parseUTC([]byte(s))
			want, err := time.Parse(time.RFC3339Nano, s)
			if !ok || err != nil || got != want.UnixNano() {
				t.Fatalf("%s: parseUTC %d %v, time.Parse %d %v", s, got, ok, want.UnixNano(), err)
			}
		}
	}
}

// TestInternTable: values that come back are shared and, once the table
// has grown to hold them, allocate nothing; a field whose values never come
// back turns the table off; a field whose current values change (sessions
// that end and begin) keeps the current ones.
func TestInternTable(t *testing.T) {
	var ids internTable
	for i := range 50000 {
		ids.get(fmt.Appendf(nil, "id-%06d", i))
	}
	if !ids.off || ids.slots != nil {
		t.Errorf("a table of distinct ids is still on (%d slots)", len(ids.slots))
	}
	if s := ids.get([]byte("id-000001")); s != "id-000001" {
		t.Errorf("an off table returns %q", s)
	}

	for _, n := range []int{5, 200, 1000} {
		var tab internTable
		keys := make([][]byte, n)
		for i := range keys {
			keys[i] = fmt.Appendf(nil, "country-%d", i)
		}
		for i := range 50000 {
			tab.get(keys[i%n])
		}
		if tab.off {
			t.Fatalf("a table of %d values turned itself off", n)
		}
		first := make([]string, n)
		for i, k := range keys {
			first[i] = tab.get(k)
		}
		for i, k := range keys {
			if s := tab.get(k); unsafe.StringData(s) != unsafe.StringData(first[i]) || s != string(k) {
				t.Fatalf("%d values: %q interned twice", n, k)
			}
		}
		i := 0
		if a := testing.AllocsPerRun(10*n, func() { tab.get(keys[i%n]); i++ }); a > 0.01 {
			t.Errorf("%d values: %.3f allocations per look-up after warming up", n, a)
		}
	}

	// Sessions: 500 current at a time, taking turns, each seen 30 times;
	// one ends and another begins every 30 look-ups.
	var sess internTable
	hits := 0
	prev := map[string]string{}
	for i := range 300000 {
		k := i % 500
		gen := (i/500 + k) / 30
		id := fmt.Sprintf("%016x", (uint64(k)<<32|uint64(gen))*0x9e3779b97f4a7c15)
		s := sess.get([]byte(id))
		if p, ok := prev[id]; ok && unsafe.StringData(p) == unsafe.StringData(s) {
			hits++
		}
		prev[id] = s
	}
	if sess.off || hits < 300000/2 {
		t.Errorf("sessions: off %v, %d of 300000 look-ups shared", sess.off, hits)
	}
}
