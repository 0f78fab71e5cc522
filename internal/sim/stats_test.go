package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// TestRecorderMatchesHDRLayout checks that recorder counts every value where
// hdrhistogram-go's own RecordValue does, so that Import reads them right.
func TestRecorderMatchesHDRLayout(t *testing.T) {
	const highest = 600_000_000_000 // 600 s in ns
	r := newRecorder(highest)
	h := hdrhistogram.New(1, highest, hdrDigits)
	rng := rand.New(rand.NewPCG(1, 2))
	values := []int64{0, 1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 500_000, highest}
	for range 20000 {
		// Spread over every power of two up to highest.
		values = append(values, rng.Int64N(1<<rng.IntN(40)))
	}
	for _, v := range values {
		r.record(v)
		if err := h.RecordValue(v); err != nil {
			t.Fatalf("library rejected %d: %v", v, err)
		}
	}
	want := h.Export().Counts
	if !slices.Equal(r.counts, want) {
		for i := range want {
			if r.counts[i] != want[i] {
				t.Fatalf("count %d: recorder has %d, library %d", i, r.counts[i], want[i])
			}
		}
		t.Fatalf("count arrays differ in length: %d vs %d", len(r.counts), len(want))
	}
	got := r.histogram()
	for _, q := range []float64{50, 95, 99, 99.9, 100} {
		if a, b := got.ValueAtPercentile(q), h.ValueAtPercentile(q); a != b {
			t.Errorf("p%g: imported %d, library %d", q, a, b)
		}
	}
}

func TestHDRCountsLen(t *testing.T) {
	for _, highest := range []int64{2, 2047, 2048, 2049, 4095, 4096, 1e9, 6e11, 1e15, math.MaxInt64} {
		want := len(hdrhistogram.New(1, highest, hdrDigits).Export().Counts)
		if got := hdrCountsLen(highest); got != want {
			t.Errorf("highest %d: %d counts, library has %d", highest, got, want)
		}
	}
}

func TestRecorderSummary(t *testing.T) {
	r := newRecorder(10_000_000_000)
	// 1..1000 µs: the mean is exact, the percentiles within 0.1%.
	for i := int64(1); i <= 1000; i++ {
		r.record(i * 1000)
	}
	s := r.summary()
	if s.Count != 1000 {
		t.Fatalf("count %d, want 1000", s.Count)
	}
	if s.Mean != 500.5e-6 {
		t.Errorf("mean %g, want exactly 500.5e-6", s.Mean)
	}
	if s.Max != 1000e-6 {
		t.Errorf("max %g, want exactly 1e-3", s.Max)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"p95", s.P95, 950e-6}, {"p99", s.P99, 990e-6}} {
		if c.got < c.want || c.got > c.want*1.001 {
			t.Errorf("%s %g, want %g within +0.1%%", c.name, c.got, c.want)
		}
	}
	if (&recorder{counts: make([]int64, 10), highest: 2}).summary() != (Latency{}) {
		t.Error("an empty recorder must summarise to zero")
	}
}
