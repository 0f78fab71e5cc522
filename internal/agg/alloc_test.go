package agg

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/greenwave/greenwave/internal/event"
)

// allocEvents returns n events with many distinct values in every field.
func allocEvents(n int) []event.Event {
	rng := rand.New(rand.NewPCG(21, 22))
	events := make([]event.Event, n)
	for i := range events {
		events[i] = ev(rng.Int64N(1e6),
			"viewer_id", "viewer-"+strconv.Itoa(i),
			"cdn", "cdn"+strconv.Itoa(rng.IntN(1000)),
			"bitrate_kbps", rng.IntN(10000),
			"startup_ms", rng.ExpFloat64()*500,
			"ts", event.TimeValue(rng.Int64N(1e15)),
			"ok", rng.IntN(2) == 0,
		)
	}
	return events
}

// TestAddDoesNotAllocate: Add allocates nothing for the exact functions
// from the first event, and nothing for top_k, percentile and
// count_distinct once a reused Set's counters and sketches have grown
// (warm-up: one window's worth of events, then Reset).
func TestAddDoesNotAllocate(t *testing.T) {
	const warm = 20_000
	events := allocEvents(2 * warm)
	cases := []struct {
		texts []string
		warm  bool
	}{
		{[]string{"count()"}, false},
		{[]string{"count(bitrate_kbps)", "sum(bitrate_kbps)", "avg(bitrate_kbps)", "min(bitrate_kbps)", "max(bitrate_kbps)"}, false},
		{[]string{"sum(startup_ms)", "avg(startup_ms)", "min(startup_ms)", "max(startup_ms)"}, false},
		{[]string{"min(cdn)", "max(cdn)", "min(ts)", "max(ok)"}, false},
		{[]string{"first(cdn)", "last(cdn)", "first(startup_ms)", "last(bitrate_kbps)"}, false},
		{[]string{"sum(buffering_ms) / sum(play_ms)"}, false},
		{[]string{"top_k(cdn, 3)"}, true},
		{[]string{"top_k(viewer_id, 3)"}, true}, // every value new: evictions
		{[]string{"percentile(startup_ms, 0.95)"}, true},
		{[]string{"count_distinct(viewer_id)"}, true},
	}
	for _, c := range cases {
		s := mustLayout(t, c.texts...).New()
		if c.warm {
			s.AddBatch(events[:warm])
			s.Reset()
		}
		i := warm
		allocs := testing.AllocsPerRun(5000, func() {
			s.Add(&events[i])
			i++
		})
		if allocs != 0 {
			t.Errorf("%v: %.3f allocations per Add", c.texts, allocs)
		}
	}
}

// TestResultDoesNotAllocate: results other than top_k's string allocate
// nothing.
func TestResultDoesNotAllocate(t *testing.T) {
	s := mustLayout(t, "count()", "sum(bitrate_kbps)", "avg(startup_ms)", "max(cdn)", "last(cdn)",
		"percentile(startup_ms, 0.5)", "sum(buffering_ms) / sum(play_ms)").New()
	s.AddBatch(allocEvents(1000))
	dst := make([]event.Value, 7)
	if allocs := testing.AllocsPerRun(100, func() { s.Result(dst) }); allocs != 0 {
		t.Errorf("%.1f allocations per Result", allocs)
	}
}

// TestPoolChurnDoesNotAllocate: windows opening and closing through a Pool
// allocate nothing once the pool has warmed up.
func TestPoolChurnDoesNotAllocate(t *testing.T) {
	texts := []string{"count()", "avg(bitrate_kbps)", "count_distinct(viewer_id)", "top_k(cdn, 3)", "last(cdn)"}
	if !raceEnabled {
		texts = append(texts, "percentile(startup_ms, 0.95)")
	}
	l := mustLayout(t, texts...)
	p := NewPool(l, 0)
	events := allocEvents(100)
	window := func() {
		s := p.Get()
		s.AddBatch(events)
		p.Put(s)
	}
	window()
	if allocs := testing.AllocsPerRun(200, window); allocs != 0 {
		t.Errorf("%.1f allocations per window", allocs)
	}
}
