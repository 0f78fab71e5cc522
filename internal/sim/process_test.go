package sim

import (
	"math"
	"testing"
)

func TestParseDelays(t *testing.T) {
	for _, d := range []Delays{Uniform, Poisson, ExpDelay, CapDelay} {
		got, err := ParseDelays(d.String())
		if err != nil || got != d {
			t.Errorf("ParseDelays(%q) = %v, %v", d.String(), got, err)
		}
	}
	if got, err := ParseDelays("POISSON"); err != nil || got != Poisson {
		t.Errorf("names are case-insensitive: got %v, %v", got, err)
	}
	_, err := ParseDelays("poison")
	if err == nil || err.Error() != `unknown delay process "poison" (want uniform, poisson, expdelay or capdelay)` {
		t.Errorf("bad name: %v", err)
	}
}

// TestSourceMeans checks each process's mean gap and range against its
// definition.
func TestSourceMeans(t *testing.T) {
	const period, n = 5000.0, 200_000
	for _, c := range []struct {
		kind     Delays
		lo, hi   float64 // bounds of a single gap, in periods
		mean, cv float64 // expected mean (periods) and coefficient of variation
	}{
		{Uniform, 1, 1, 1, 0},
		{Poisson, 0, math.Inf(1), 1, 1},
		{ExpDelay, 1, math.Inf(1), 2, 0.5},
		{CapDelay, 1, 3, 2, 1 / (2 * math.Sqrt(3))},
	} {
		s := newSource(c.kind, period, 7, 1)
		var sum, sq float64
		for range n {
			g := s.draw() / period
			if g < c.lo || g > c.hi {
				t.Fatalf("%v: gap %g periods outside [%g, %g]", c.kind, g, c.lo, c.hi)
			}
			sum += g
			sq += g * g
		}
		mean := sum / n
		cv := math.Sqrt(max(sq/n-mean*mean, 0)) / mean
		if math.Abs(mean-c.mean) > 0.01*c.mean {
			t.Errorf("%v: mean %g periods, want %g", c.kind, mean, c.mean)
		}
		if math.Abs(cv-c.cv) > 0.02 {
			t.Errorf("%v: coefficient of variation %g, want %g", c.kind, cv, c.cv)
		}
		if c.kind.MeanFactor() != c.mean {
			t.Errorf("%v: MeanFactor %g, want %g", c.kind, c.kind.MeanFactor(), c.mean)
		}
	}
}

// TestSourceCarryKeepsExactRate: 3 per µs is not a whole number of ns, but
// the carried fractions keep the sum of gaps exact to within 1 ns.
func TestSourceCarryKeepsExactRate(t *testing.T) {
	s := newSource(Uniform, 1e9/3e6, 1, 1) // 333.33… ns
	if s.whole != 0 {
		t.Fatal("a fractional period must not take the whole-ns fast path")
	}
	var sum int64
	for range 3_000_000 {
		sum += s.next()
	}
	if sum < 1e9-1 || sum > 1e9 {
		t.Fatalf("3M gaps of 1/3 µs sum to %d ns, want 1e9 within 1 ns", sum)
	}
	if w := newSource(Uniform, 5000, 1, 1); w.next() != 5000 || w.whole != 5000 {
		t.Fatal("a whole-ns uniform period must be returned as is")
	}
}

// TestStreamsIndependent: the producer's draws do not depend on what the
// other components draw.
func TestStreamsIndependent(t *testing.T) {
	a := newSource(Poisson, 1000, 9, streamProducer)
	b := newSource(Poisson, 1000, 9, streamProducer)
	other := newSource(Poisson, 1000, 9, streamDispatcher)
	same := true
	for range 100 {
		other.next()
		x, y, z := a.next(), b.next(), other.next()
		if x != y {
			t.Fatal("equal seeds and streams must draw equal gaps")
		}
		same = same && x == z
	}
	if same {
		t.Fatal("different streams drew the same gaps")
	}
}
