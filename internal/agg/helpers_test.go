package agg

import (
	"fmt"
	"math"
	"testing"

	"github.com/greenwave/greenwave/internal/event"
)

// testSchema is the input of every test: video-QoE play events.
var testSchema = event.MustSchema("t", "plays",
	event.Field{Name: "viewer_id", Kind: event.String},
	event.Field{Name: "cdn", Kind: event.String},
	event.Field{Name: "bitrate_kbps", Kind: event.Int},
	event.Field{Name: "startup_ms", Kind: event.Float},
	event.Field{Name: "buffering_ms", Kind: event.Int},
	event.Field{Name: "play_ms", Kind: event.Int},
	event.Field{Name: "ts", Kind: event.Time},
	event.Field{Name: "ok", Kind: event.Bool},
	event.Field{Name: "user-agent", Kind: event.String},
	event.Field{Name: "débit", Kind: event.Int},
)

// ev builds an event at event time t from name, value pairs; values are Go
// ints, float64s, strings, bools, nil (null) or event.Values.
func ev(t int64, kv ...any) event.Event {
	e := event.Event{Time: t, Fields: make([]event.Value, testSchema.Width())}
	for i := 0; i < len(kv); i += 2 {
		name := kv[i].(string)
		slot, ok := testSchema.Slot(name)
		if !ok {
			panic("test event: no field " + name)
		}
		e.Fields[slot] = val(kv[i+1])
	}
	return e
}

// val converts a Go value to an event.Value.
func val(x any) event.Value {
	switch x := x.(type) {
	case nil:
		return event.Value{}
	case int:
		return event.IntValue(int64(x))
	case int64:
		return event.IntValue(x)
	case float64:
		return event.FloatValue(x)
	case string:
		return event.StringValue(x)
	case bool:
		return event.BoolValue(x)
	case event.Value:
		return x
	}
	panic(fmt.Sprintf("test value of type %T", x))
}

// mustLayout parses texts as aggregates a0, a1, ... and compiles them in
// that order.
func mustLayout(t testing.TB, texts ...string) *Layout {
	t.Helper()
	specs := make([]*Spec, len(texts))
	for i, text := range texts {
		s, err := Parse(fmt.Sprintf("a%d", i), text, testSchema)
		if err != nil {
			t.Fatalf("parse %q: %v", text, err)
		}
		specs[i] = s
	}
	return NewLayout(specs)
}

// results returns s's results.
func results(s *Set) []event.Value {
	out := make([]event.Value, len(s.Layout().Specs()))
	s.Result(out)
	return out
}

// same reports whether got and want have the same kind and payload, floats
// within a relative tolerance tol.
func same(got, want event.Value, tol float64) bool {
	if got.Kind != want.Kind {
		return false
	}
	if got.Kind == event.Float && tol > 0 {
		g, w := got.Float(), want.Float()
		return math.Abs(g-w) <= tol*math.Max(math.Abs(w), 1e-300) || g == w
	}
	return got.N == want.N && got.S == want.S
}

// show formats a value with its kind, for failure messages.
func show(v event.Value) string { return v.Kind.String() + " " + v.String() }

// pctTol is percentile's error bound with room for float rounding.
const pctTol = RelativeAccuracy * (1 + 1e-9)
