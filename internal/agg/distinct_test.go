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

// TestCountDistinctSmall: small cardinalities are close to exact.
func TestCountDistinctSmall(t *testing.T) {
	l := mustLayout(t, "count_distinct(cdn)")
	for _, n := range []int{1, 10, 100, 1000} {
		s := l.New()
		for i := 0; i < 3*n; i++ {
			s.Add(&[]event.Event{ev(0, "cdn", "cdn-"+strconv.Itoa(i%n))}[0])
		}
		if got := results(s)[0].Int(); math.Abs(float64(got)-float64(n)) > 0.005*float64(n)+0.5 {
			t.Errorf("%d distinct: estimate %d", n, got)
		}
	}
}
