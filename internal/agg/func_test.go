package agg

import (
	"math"
	"testing"

	"github.com/greenwave/greenwave/internal/event"
)

// playEvents is a small window in arrival order, with nulls, ties in event
// time and out-of-order times.
func playEvents() []event.Event {
	return []event.Event{
		ev(10, "bitrate_kbps", 100, "startup_ms", 1.5, "cdn", "fastly", "viewer_id", "v1", "ts", event.TimeValue(3000), "ok", true),
		ev(5, "bitrate_kbps", 300, "startup_ms", nil, "cdn", "akamai", "viewer_id", "v2", "ts", event.TimeValue(1000), "ok", false),
		ev(10, "bitrate_kbps", nil, "startup_ms", 2.5, "cdn", "cloudfront", "viewer_id", "v1"),
		ev(7, "bitrate_kbps", 200, "startup_ms", -1.0, "cdn", nil, "viewer_id", "v3", "ts", event.TimeValue(2000)),
		ev(12, "startup_ms", math.NaN(), "cdn", "akamai"),
	}
}

func TestFunctions(t *testing.T) {
	null := event.Value{}
	i := func(x int64) event.Value { return event.IntValue(x) }
	f := func(x float64) event.Value { return event.FloatValue(x) }
	s := event.StringValue
	cases := []struct {
		text string
		want event.Value
		// empty is the result over no events; allNull over events whose
		// fields are all null.
		empty, allNull event.Value
	}{
		{"count()", i(5), i(0), i(2)},
		{"count(bitrate_kbps)", i(3), i(0), i(0)},
		{"count(startup_ms)", i(3), i(0), i(0)}, // NaN is not counted
		{"count(cdn)", i(4), i(0), i(0)},
		{"sum(bitrate_kbps)", i(600), null, null},
		{"sum(startup_ms)", f(3), null, null},
		{"avg(bitrate_kbps)", f(200), null, null},
		{"avg(startup_ms)", f(1), null, null},
		{"min(bitrate_kbps)", i(100), null, null},
		{"max(bitrate_kbps)", i(300), null, null},
		{"min(startup_ms)", f(-1), null, null},
		{"max(startup_ms)", f(2.5), null, null},
		{"min(cdn)", s("akamai"), null, null},
		{"max(cdn)", s("fastly"), null, null},
		{"min(ts)", event.TimeValue(1000), null, null},
		{"max(ts)", event.TimeValue(3000), null, null},
		{"min(ok)", event.BoolValue(false), null, null},
		{"max(ok)", event.BoolValue(true), null, null},
		{"first(bitrate_kbps)", i(300), null, null}, // time 5
		{"last(bitrate_kbps)", i(100), null, null},  // time 10; the later time-10 event has null
		{"first(startup_ms)", f(-1), null, null},    // time 7
		{"last(startup_ms)", f(2.5), null, null},    // time 10 tie: the later arrival; NaN at 12 skipped
		{"first(cdn)", s("akamai"), null, null},     // time 5
		{"last(cdn)", s("akamai"), null, null},      // time 12
		{"first(viewer_id)", s("v2"), null, null},   // time 5
		{"last(viewer_id)", s("v1"), null, null},    // time 10 tie: the later arrival
		{"count_distinct(cdn)", i(3), i(0), i(0)},   // akamai twice
		{"count_distinct(viewer_id)", i(3), i(0), i(0)},
		{"top_k(cdn, 2)", s("akamai:2,cloudfront:1"), null, null}, // ties in value order
		{"top_k(cdn, 10)", s("akamai:2,cloudfront:1,fastly:1"), null, null},
		{"top_k(bitrate_kbps, 1)", s("100:1"), null, null},
		{"top_k(ok, 2)", s("false:1,true:1"), null, null},
		{"top_k(ts, 1)", s("1970-01-01T00:00:00.000001Z:1"), null, null},
		{"percentile(bitrate_kbps, 0)", f(100), null, null},
		{"percentile(bitrate_kbps, 0.5)", f(200), null, null},
		{"percentile(bitrate_kbps, 1)", f(300), null, null},
		{"percentile(startup_ms, 0.5)", f(1.5), null, null},
	}
	allNull := []event.Event{ev(1), ev(2)}
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			l := mustLayout(t, c.text)
			if got, want := l.Specs()[0].Kind, c.want.Kind; got != want {
				t.Errorf("spec kind %v, want %v", got, want)
			}
			// Percentiles are within 1%; everything else is exact.
			tol := 0.0
			if l.Specs()[0].Calls[0].Func == Percentile {
				tol = pctTol
			}
			set := l.New()
			if got := results(set)[0]; !same(got, c.empty, 0) {
				t.Errorf("empty: got %s, want %s", show(got), show(c.empty))
			}
			set.AddBatch(playEvents())
			if got := results(set)[0]; !same(got, c.want, tol) {
				t.Errorf("got %s, want %s", show(got), show(c.want))
			}
			set.Reset()
			set.AddBatch(allNull)
			if got := results(set)[0]; !same(got, c.allNull, 0) {
				t.Errorf("all null: got %s, want %s", show(got), show(c.allNull))
			}
		})
	}
}

// TestSharedState: calls on one field share one state, and every call
// still reads its own result from it.
func TestSharedState(t *testing.T) {
	l := mustLayout(t, "count(bitrate_kbps)", "sum(bitrate_kbps)", "avg(bitrate_kbps)", "min(bitrate_kbps)",
		"max(bitrate_kbps)", "first(cdn)", "last(cdn)", "percentile(startup_ms, 0)", "percentile(startup_ms, 1)",
		"top_k(cdn, 1)", "top_k(cdn, 20)", "count_distinct(cdn)", "count_distinct(viewer_id)")
	if len(l.stats) != 1 || len(l.edges) != 1 || len(l.quants) != 1 || len(l.tops) != 1 || len(l.distincts) != 2 {
		t.Fatalf("states: %d stats, %d edges, %d quantiles, %d top_k, %d distinct; want 1, 1, 1, 1, 2",
			len(l.stats), len(l.edges), len(l.quants), len(l.tops), len(l.distincts))
	}
	if got, want := l.tops[0].capacity, topCapacity(20); got != want {
		t.Errorf("shared top_k keeps %d counters, want %d (for the larger k)", got, want)
	}
	s := l.New()
	s.AddBatch(playEvents())
	want := []event.Value{event.IntValue(3), event.IntValue(600), event.FloatValue(200), event.IntValue(100),
		event.IntValue(300), event.StringValue("akamai"), event.StringValue("akamai"), event.FloatValue(-1),
		event.FloatValue(2.5), event.StringValue("akamai:2"), event.StringValue("akamai:2,cloudfront:1,fastly:1"),
		event.IntValue(3), event.IntValue(3)}
	for i, got := range results(s) {
		if !same(got, want[i], pctTol) {
			t.Errorf("%s: got %s, want %s", l.Specs()[i].Text, show(got), show(want[i]))
		}
	}
}

// TestFirstLastTies: of events at one time, first keeps the earliest
// arrival and last the latest.
func TestFirstLastTies(t *testing.T) {
	l := mustLayout(t, "first(cdn)", "last(cdn)")
	s := l.New()
	for _, c := range []string{"a", "b", "c"} {
		s.Add(&[]event.Event{ev(1, "cdn", c)}[0])
	}
	got := results(s)
	if got[0].Str() != "a" || got[1].Str() != "c" {
		t.Errorf("first, last = %s, %s; want a, c", got[0], got[1])
	}
}

// TestCoercion: values whose kind differs from the field's are converted
// between numeric kinds, and count as null across strings and numbers.
func TestCoercion(t *testing.T) {
	l := mustLayout(t, "sum(bitrate_kbps)", "max(startup_ms)", "count(cdn)", "count_distinct(bitrate_kbps)")
	s := l.New()
	s.AddBatch([]event.Event{
		ev(1, "bitrate_kbps", 2.9, "startup_ms", 4, "cdn", 7), // float in int, int in float, int in string
		ev(2, "bitrate_kbps", "x", "startup_ms", "y"),         // strings in numbers
		ev(3, "bitrate_kbps", 2),
	})
	want := []event.Value{event.IntValue(4), event.FloatValue(4), event.IntValue(0), event.IntValue(1)}
	for i, got := range results(s) {
		if !same(got, want[i], 0) {
			t.Errorf("%s: got %s, want %s", l.Specs()[i].Text, show(got), show(want[i]))
		}
	}
}

// TestShortEvent: slots beyond an event's Fields are null.
func TestShortEvent(t *testing.T) {
	l := mustLayout(t, "count()", "count(ok)", "max(ok)")
	s := l.New()
	s.Add(&event.Event{Fields: []event.Value{event.StringValue("v")}})
	got := results(s)
	if got[0].Int() != 1 || got[1].Int() != 0 || !got[2].IsNull() {
		t.Errorf("got %v, want 1, 0, null", got)
	}
}

// TestIntSumWraps: int sums wrap at 64 bits (so merging stays exact).
func TestIntSumWraps(t *testing.T) {
	l := mustLayout(t, "sum(bitrate_kbps)")
	s := l.New()
	s.AddBatch([]event.Event{ev(1, "bitrate_kbps", int64(math.MaxInt64)), ev(2, "bitrate_kbps", 1)})
	if got := results(s)[0].Int(); got != math.MinInt64 {
		t.Errorf("sum = %d, want %d", got, int64(math.MinInt64))
	}
}
