package agg

import (
	"testing"

	"github.com/greenwave/greenwave/internal/event"
)

func TestArithmetic(t *testing.T) {
	// buffering_ms: 30, 10, null; play_ms: 1000, 0, 500; bitrate: 100, 300, null.
	events := []event.Event{
		ev(1, "buffering_ms", 30, "play_ms", 1000, "bitrate_kbps", 100, "viewer_id", "a"),
		ev(2, "buffering_ms", 10, "play_ms", 0, "bitrate_kbps", 300, "viewer_id", "b"),
		ev(3, "play_ms", 500, "viewer_id", "a"),
	}
	null := event.Value{}
	cases := []struct {
		text string
		want event.Value
	}{
		{"sum(buffering_ms) / sum(play_ms)", event.FloatValue(40.0 / 1500)},
		{"sum(buffering_ms) + sum(play_ms) * 2", event.IntValue(40 + 3000)},
		{"(sum(buffering_ms) + sum(play_ms)) * 2", event.IntValue(3080)},
		{"count() - count(bitrate_kbps) - 1", event.IntValue(0)},
		{"count() - (count(bitrate_kbps) - 1)", event.IntValue(2)},
		{"-sum(buffering_ms)", event.IntValue(-40)},
		{"-avg(bitrate_kbps) * -2", event.FloatValue(400)},
		{"count() * 100 / count()", event.FloatValue(100)},
		{"count_distinct(viewer_id) * 100 / count()", event.FloatValue(200.0 / 3)},
		{"max(bitrate_kbps) - min(bitrate_kbps)", event.IntValue(200)},
		{"sum(play_ms) / 4", event.FloatValue(375)},
		{"sum(play_ms) * 0.5", event.FloatValue(750)},
		{"percentile(bitrate_kbps, 1) / percentile(bitrate_kbps, 0)", event.FloatValue(3)},
		// Division by zero and null operands give null.
		{"sum(buffering_ms) / (count() - 3)", null},
		{"count() / min(startup_ms)", null}, // no startup_ms at all: min is null
		{"-min(startup_ms)", null},
		{"1 + sum(startup_ms)", null},
		{"sum(startup_ms) * 0", null},
	}
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			l := mustLayout(t, c.text)
			if !l.Specs()[0].Arithmetic() {
				t.Fatal("not parsed as arithmetic")
			}
			s := l.New()
			s.AddBatch(events)
			got := results(s)[0]
			if !same(got, c.want, 2*RelativeAccuracy) {
				t.Errorf("got %s, want %s", show(got), show(c.want))
			}
			if k := l.Specs()[0].Kind; !c.want.IsNull() && k != c.want.Kind {
				t.Errorf("spec kind %v, want %v", k, c.want.Kind)
			}
		})
	}
}

// TestArithmeticWraps: int arithmetic wraps like int64.
func TestArithmeticWraps(t *testing.T) {
	l := mustLayout(t, "sum(play_ms) * 4611686018427387904")
	s := l.New()
	s.Add(&[]event.Event{ev(1, "play_ms", 4)}[0])
	if got := results(s)[0]; got.Kind != event.Int || got.Int() != 0 {
		t.Errorf("got %s, want int 0", show(got))
	}
}

// TestArithmeticEmptyWindow: over no events, arithmetic over counts works
// and arithmetic over sums is null.
func TestArithmeticEmptyWindow(t *testing.T) {
	l := mustLayout(t, "count() + 1", "sum(play_ms) / count()", "count(cdn) / count()")
	got := results(l.New())
	if got[0].Int() != 1 || !got[1].IsNull() || !got[2].IsNull() {
		t.Errorf("got %v, want 1, null, null", got)
	}
}
