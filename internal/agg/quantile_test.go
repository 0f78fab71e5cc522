package agg

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/greenwave/greenwave/internal/event"
)

// TestPercentileAccuracy: on random data of several shapes, every
// percentile is within 1% of an exact q-quantile: the sorted value at index
// floor(q·(n−1)) or ceil(q·(n−1)). (DDSketch reads negative values from
// the other end, so for them it rounds the rank up.)
func TestPercentileAccuracy(t *testing.T) {
	qs := []float64{0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1}
	texts := make([]string, len(qs))
	for i, q := range qs {
		texts[i] = "percentile(startup_ms, " + event.FloatValue(q).String() + ")"
	}
	l := mustLayout(t, texts...)
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := map[string]func() float64{
		"lognormal":  func() float64 { return math.Exp(rng.NormFloat64()*2 + 5) },
		"uniform":    func() float64 { return rng.Float64() * 1000 },
		"normal":     func() float64 { return rng.NormFloat64() * 100 }, // both signs
		"with_zeros": func() float64 { return float64(rng.IntN(3)) * rng.Float64() },
		"wide":       func() float64 { return math.Pow(10, rng.Float64()*16-8) }, // 1e-8 .. 1e8
	}
	const n = 20000
	for name, gen := range shapes {
		t.Run(name, func(t *testing.T) {
			s := l.New()
			vals := make([]float64, n)
			e := ev(0)
			slot, _ := testSchema.Slot("startup_ms")
			for i := range vals {
				vals[i] = gen()
				e.Fields[slot] = event.FloatValue(vals[i])
				s.Add(&e)
			}
			slices.Sort(vals)
			for i, got := range results(s) {
				r := qs[i] * float64(n-1)
				lo, hi := vals[int(math.Floor(r))], vals[int(math.Ceil(r))]
				within := func(exact float64) bool {
					return math.Abs(got.Float()-exact) <= pctTol*math.Abs(exact)
				}
				if !within(lo) && !within(hi) {
					t.Errorf("q=%v: got %v, exact %v or %v: not within %v", qs[i], got.Float(), lo, hi, RelativeAccuracy)
				}
			}
		})
	}
}

// TestPercentileSkipsInfinities: ±Inf cannot be sketched and is skipped.
func TestPercentileSkipsInfinities(t *testing.T) {
	l := mustLayout(t, "percentile(startup_ms, 1)", "percentile(startup_ms, 0)")
	s := l.New()
	s.AddBatch([]event.Event{ev(1, "startup_ms", math.Inf(1)), ev(2, "startup_ms", 5.0), ev(3, "startup_ms", math.Inf(-1))})
	got := results(s)
	if !same(got[0], event.FloatValue(5), pctTol) || !same(got[1], event.FloatValue(5), pctTol) {
		t.Errorf("got %v, want 5 and 5", got)
	}
}
