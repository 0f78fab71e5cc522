package agg

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/greenwave/greenwave/internal/event"
)

// allFunctions has every function over fields of several kinds, and
// arithmetic over them.
var allFunctions = []string{
	"count()", "count(bitrate_kbps)", "count(cdn)",
	"sum(bitrate_kbps)", "sum(startup_ms)", "avg(bitrate_kbps)", "avg(startup_ms)",
	"min(bitrate_kbps)", "max(bitrate_kbps)", "min(startup_ms)", "max(startup_ms)",
	"min(cdn)", "max(cdn)", "min(ts)", "max(ok)",
	"first(cdn)", "last(cdn)", "first(startup_ms)", "last(bitrate_kbps)", "first(ts)", "last(ok)",
	"percentile(startup_ms, 0.5)", "percentile(startup_ms, 0.99)", "percentile(bitrate_kbps, 0.1)",
	"count_distinct(viewer_id)", "count_distinct(bitrate_kbps)",
	"top_k(cdn, 3)", "top_k(bitrate_kbps, 5)",
	"sum(buffering_ms) / sum(play_ms)", "count_distinct(viewer_id) * 100 / count()",
}

// randomEvents returns n events with nulls, repeated values and many ties
// in event time. cdn and bitrate_kbps have few enough distinct values for
// top_k to be exact.
func randomEvents(rng *rand.Rand, n int) []event.Event {
	maybe := func(v any) any {
		if rng.IntN(8) == 0 {
			return nil
		}
		return v
	}
	events := make([]event.Event, n)
	for i := range events {
		events[i] = ev(int64(rng.IntN(n/4+1)),
			"viewer_id", maybe("v"+strconv.Itoa(rng.IntN(n))),
			"cdn", maybe("cdn"+strconv.Itoa(rng.IntN(20))),
			"bitrate_kbps", maybe(100*rng.IntN(40)),
			"startup_ms", maybe(math.Exp(rng.NormFloat64()+6)),
			"buffering_ms", maybe(rng.IntN(1000)),
			"play_ms", maybe(1000+rng.IntN(100000)),
			"ts", maybe(event.TimeValue(rng.Int64N(1e12))),
			"ok", maybe(rng.IntN(2) == 0),
		)
	}
	return events
}

// TestMergeEqualsOneSet: splitting a stream into consecutive parts, adding
// each to its own Set and merging them gives what adding the whole stream
// to one Set gives: exactly, but for float rounding. (Merged sketches are
// the sketches of the whole: DDSketch bins add up, HyperLogLog registers
// take the maximum, exact distinct sets unite.)
func TestMergeEqualsOneSet(t *testing.T) {
	l := mustLayout(t, allFunctions...)
	rng := rand.New(rand.NewPCG(9, 10))
	for round := 0; round < 20; round++ {
		n := 50 + rng.IntN(2000)
		if round == 0 {
			n = 20_000 // count_distinct sketches turn dense
		}
		events := randomEvents(rng, n)
		whole := l.New()
		whole.AddBatch(events)
		want := results(whole)

		parts := 1 + rng.IntN(4)
		cuts := []int{0}
		for i := 1; i < parts; i++ {
			cuts = append(cuts, rng.IntN(len(events)+1))
		}
		cuts = append(cuts, len(events))
		sortInts(cuts)
		merged := l.New()
		for i := 0; i+1 < len(cuts); i++ {
			part := l.New()
			part.AddBatch(events[cuts[i]:cuts[i+1]])
			if err := merged.Merge(part); err != nil {
				t.Fatal(err)
			}
		}
		if merged.Count() != whole.Count() {
			t.Fatalf("merged count %d, want %d", merged.Count(), whole.Count())
		}
		for i, got := range results(merged) {
			sp := l.Specs()[i]
			ok := same(got, want[i], 1e-9)
			if !ok {
				t.Errorf("round %d (%d parts): %s: merged %s, one set %s", round, parts, sp.Text, show(got), show(want[i]))
			}
		}
	}
}

func sortInts(xs []int) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}

// TestMergeTopKBeyondCapacity: merging full Space-Saving summaries keeps
// counts upper bounds within (n1+n2)/capacity and keeps the heavy values.
func TestMergeTopKBeyondCapacity(t *testing.T) {
	l := mustLayout(t, "top_k(cdn, 3)")
	capacity := int64(topCapacity(3))
	zipf := rand.NewZipf(rand.New(rand.NewPCG(11, 12)), 1.3, 1, 20_000)
	truth := map[string]int64{}
	merged := l.New()
	const parts, n = 4, 30_000
	for p := 0; p < parts; p++ {
		s := l.New()
		for i := 0; i < n; i++ {
			v := "c" + strconv.FormatUint(zipf.Uint64(), 10)
			truth[v]++
			s.Add(&[]event.Event{ev(0, "cdn", v)}[0])
		}
		if err := merged.Merge(s); err != nil {
			t.Fatal(err)
		}
	}
	vals, counts := parseTop(t, results(merged)[0].Str())
	want := []string{"c0", "c1", "c2"} // Zipf ranks 0, 1, 2 are the heaviest by far
	for i, v := range vals {
		if v != want[i] {
			t.Errorf("rank %d: %s, want %s", i, v, want[i])
		}
		if tc := truth[v]; counts[i] < tc || counts[i]-tc > parts*n/capacity {
			t.Errorf("%s: count %d, true %d, bound %d", v, counts[i], tc, parts*n/capacity)
		}
	}
	checkTopK(t, &merged.tops[0])
}

// TestMergeLayouts: Sets of equal layouts (built apart from the same
// aggregates) merge; Sets of different layouts do not.
func TestMergeLayouts(t *testing.T) {
	a := mustLayout(t, "count()", "sum(play_ms)").New()
	b := mustLayout(t, "count()", "sum(play_ms)").New()
	c := mustLayout(t, "count()", "sum(buffering_ms)").New()
	b.Add(&[]event.Event{ev(0, "play_ms", 5)}[0])
	if err := a.Merge(b); err != nil {
		t.Fatalf("equal layouts: %v", err)
	}
	if got := results(a); got[0].Int() != 1 || got[1].Int() != 5 {
		t.Errorf("merged %v, want 1, 5", got)
	}
	if err := a.Merge(c); !errors.Is(err, errLayout) {
		t.Errorf("different layouts: error %v, want %v", err, errLayout)
	}
}

// TestMergeEmpty: merging empty Sets either way changes nothing.
func TestMergeEmpty(t *testing.T) {
	l := mustLayout(t, allFunctions...)
	events := randomEvents(rand.New(rand.NewPCG(13, 14)), 300)
	s := l.New()
	s.AddBatch(events)
	want := results(s)
	if err := s.Merge(l.New()); err != nil {
		t.Fatal(err)
	}
	e := l.New()
	if err := e.Merge(s); err != nil {
		t.Fatal(err)
	}
	for _, set := range []*Set{s, e} {
		for i, got := range results(set) {
			if !same(got, want[i], 0) {
				t.Errorf("%s: %s, want %s", l.Specs()[i].Text, show(got), show(want[i]))
			}
		}
	}
}
