package nexmark

import (
	"math"
	"testing"
)

// nextPrice computes the reference's round(10^(6u) × 100) without
// math.Pow: the prices must agree with math.Pow's to the cent but for a
// few in a million.
func TestNextPriceMatchesMathPow(t *testing.T) {
	r := rng{s: 42}
	differ := 0
	for range 200000 {
		probe := r
		u := float64(probe.next()>>11) / (1 << 53)
		want := math.Round(math.Pow(10, u*6) * 100)
		got := float64(nextPrice(&r))
		if got != want {
			if math.Abs(got-want) > 1 {
				t.Fatalf("u = %v: price %v, want %v", u, got, want)
			}
			differ++
		}
	}
	if differ > 5 {
		t.Errorf("%d of 200000 prices differ by a cent from math.Pow's", differ)
	}
}
