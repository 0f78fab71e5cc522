package sim

import "testing"

func TestBoundedRule(t *testing.T) {
	// 10 s at 1000/s: the tolerance is 100 + 0.005 × 1000 × 5 = 125 requests.
	for _, c := range []struct {
		means [4]float64
		ok    bool
	}{
		{[4]float64{50, 500, 520, 625}, true},    // grew by exactly the tolerance
		{[4]float64{50, 500, 520, 626}, false},   // one request more
		{[4]float64{900, 500, 300, 100}, true},   // shrinking
		{[4]float64{0, 1000, 3000, 5000}, false}, // linear growth
	} {
		growth, ok := bounded(c.means, 10, 1000, 100)
		if ok != c.ok {
			t.Errorf("means %v: bounded %v, want %v", c.means, ok, c.ok)
		}
		if want := (c.means[3] - c.means[1]) / 5; growth != want {
			t.Errorf("means %v: growth %g, want %g", c.means, growth, want)
		}
	}
}
