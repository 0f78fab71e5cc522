package expr

import (
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/event"
)

// testSchema has a field of every kind, fields that are null in testEvent
// (n is Null, ns and later are missing), and a name that is not an
// identifier.
var testSchema = event.MustSchema("t", "test",
	event.Field{Name: "b", Kind: event.Bool},
	event.Field{Name: "i", Kind: event.Int},
	event.Field{Name: "f", Kind: event.Float},
	event.Field{Name: "s", Kind: event.String},
	event.Field{Name: "t", Kind: event.Time},
	event.Field{Name: "host", Kind: event.String},
	event.Field{Name: "status", Kind: event.Int},
	event.Field{Name: "user-agent", Kind: event.String},
	event.Field{Name: "n", Kind: event.Int},
	event.Field{Name: "ns", Kind: event.String},
	event.Field{Name: "nf", Kind: event.Float},
	event.Field{Name: "nb", Kind: event.Bool},
	event.Field{Name: "nt", Kind: event.Time},
)

const testTime = 1_000_000_000_000 // 1970-01-01T00:16:40Z

// testNow is the injected clock: 100 s after the epoch.
var testNow = time.Unix(100, 0)

func testClock() time.Time { return testNow }

func testEvent() event.Event {
	return event.Event{Fields: []event.Value{
		event.BoolValue(true),
		event.IntValue(7),
		event.FloatValue(2.5),
		event.StringValue("Hello"),
		event.TimeValue(testTime),
		event.StringValue("cdn"),
		event.IntValue(503),
		event.StringValue("curl/8"),
		{}, // n: explicitly null; the fields after it are missing
	}}
}

// otherEvents are further events for comparing evaluation paths: other
// values, and nulls where testEvent has values.
func otherEvents() []event.Event {
	return []event.Event{
		{Fields: []event.Value{
			event.BoolValue(false),
			event.IntValue(-12),
			event.FloatValue(-0.75),
			event.StringValue("  Zebra  "),
			event.TimeValue(testTime + 3_500_000_000),
			event.StringValue("origin"),
			event.IntValue(200),
			event.StringValue(""),
			event.IntValue(4),
			event.StringValue("x"),
			event.FloatValue(1.5),
			event.BoolValue(true),
			event.TimeValue(5),
		}},
		{}, // every field missing
	}
}

func mustCompile(t testing.TB, src string, want event.Kind) *Program {
	t.Helper()
	p, err := Compile(src, testSchema, want, WithClock(testClock))
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	return p
}

// same reports whether two results agree: same kind and payload, ints and
// floats numerically, NaN equal to NaN.
func same(a, b event.Value) bool {
	if a.Equal(b) {
		return true
	}
	fa, fb := a.Float(), b.Float()
	return a.Kind == event.Float && b.Kind == event.Float && fa != fa && fb != fb
}
