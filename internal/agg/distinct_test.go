package agg

import (
	"math"
	"strconv"
	"testing"

	"github.com/greenwave/greenwave/internal/event"
)

// distinctStdErr is HyperLogLog's standard error at DistinctPrecision.
var distinctStdErr = 1.04 / math.Sqrt(1<<DistinctPrecision)

// TestCountDistinctAccuracy: 100k distinct values, each seen twice, are
// counted within 3 standard errors, for strings and for ints.
func TestCountDistinctAccuracy(t *testing.T) {
	const n = 100_000
	l := mustLayout(t, "count_distinct(viewer_id)", "count_distinct(bitrate_kbps)")
	s := l.New()
	e := ev(0)
	vs, _ := testSchema.Slot("viewer_id")
	bs, _ := testSchema.Slot("bitrate_kbps")
	for round := 0; round < 2; round++ {
		for i := 0; i < n; i++ {
			e.Fields[vs] = event.StringValue("viewer-" + strconv.Itoa(i))
			e.Fields[bs] = event.IntValue(int64(i) * 1000)
			s.Add(&e)
		}
	}
	for i, got := range results(s) {
		if rel := math.Abs(float64(got.Int())-n) / n; rel > 3*distinctStdErr {
			t.Errorf("%s = %d, want %d within %.2f%% (off by %.2f%%)", l.Specs()[i].Text, got.Int(), n, 300*distinctStdErr, 100*rel)
		}
	}
}

// TestCountDistinctExact: up to ExactDistinct values the count is exact;
// one more switches to the sketch, which stays within its error.
func TestCountDistinctExact(t *testing.T) {
	l := mustLayout(t, "count_distinct(cdn)")
	for _, n := range []int{1, 10, 100, ExactDistinct, ExactDistinct + 1, 3 * ExactDistinct} {
		s := l.New()
		for i := 0; i < 3*n; i++ {
			s.Add(&[]event.Event{ev(0, "cdn", "cdn-"+strconv.Itoa(i%n))}[0])
		}
		got := results(s)[0].Int()
		if dense := s.distincts[0].dense; dense != (n > ExactDistinct) {
			t.Errorf("%d distinct: dense %v", n, dense)
		}
		if n <= ExactDistinct && got != int64(n) {
			t.Errorf("%d distinct: counted %d, want exactly %d", n, got, n)
		}
		if math.Abs(float64(got)-float64(n)) > 3*distinctStdErr*float64(n) {
			t.Errorf("%d distinct: estimate %d", n, got)
		}
		// Reset goes back to exact counting, keeping the memory.
		sk, hashes := s.distincts[0].sk, len(s.distincts[0].hashes)
		s.Reset()
		s.Add(&[]event.Event{ev(0, "cdn", "x")}[0])
		if got := results(s)[0].Int(); got != 1 || s.distincts[0].sk != sk || len(s.distincts[0].hashes) != hashes {
			t.Errorf("%d distinct, after Reset: count %d, sketch or set not kept", n, got)
		}
	}
}

// TestCountDistinctMergeModes: exact and dense states merge either way.
func TestCountDistinctMergeModes(t *testing.T) {
	l := mustLayout(t, "count_distinct(viewer_id)")
	fill := func(from, to int) *Set {
		s := l.New()
		for i := from; i < to; i++ {
			s.Add(&[]event.Event{ev(0, "viewer_id", "v"+strconv.Itoa(i))}[0])
		}
		return s
	}
	cases := []struct{ a, b [2]int }{
		{[2]int{0, 600}, [2]int{300, 900}},    // exact + exact, stays exact: 900
		{[2]int{0, 600}, [2]int{600, 1200}},   // exact + exact, turns dense: 1200
		{[2]int{0, 5000}, [2]int{4000, 4500}}, // dense + exact
		{[2]int{0, 500}, [2]int{0, 5000}},     // exact + dense
		{[2]int{0, 5000}, [2]int{2000, 9000}}, // dense + dense
	}
	for _, c := range cases {
		a, b := fill(c.a[0], c.a[1]), fill(c.b[0], c.b[1])
		whole := fill(min(c.a[0], c.b[0]), max(c.a[1], c.b[1]))
		if err := a.Merge(b); err != nil {
			t.Fatal(err)
		}
		if got, want := results(a)[0].Int(), results(whole)[0].Int(); got != want {
			t.Errorf("%v + %v: merged %d, one set %d", c.a, c.b, got, want)
		}
	}
}
