package sim

import (
	"math"
	"testing"
	"time"
)

// TestClosedFormMatchesMonteCarlo checks each formula against the mean of
// min(g, L/C)/E[g] over gaps drawn by the simulator's own sources.
func TestClosedFormMatchesMonteCarlo(t *testing.T) {
	const C, n = 100_000.0, 400_000
	for _, d := range []Delays{Uniform, Poisson, ExpDelay, CapDelay} {
		for _, f := range []float64{0.5, 1, 1.5, 2.5, 4} {
			c := Config{Duration: time.Second, ProducerRate: C, ConsumerRate: C, Goal: time.Millisecond, Factor: f, DispatcherDelays: d}
			got, ok := ClosedForm(c)
			if !ok {
				t.Fatalf("%v: no closed form for a uniform linear consumer", d)
			}
			limit, _ := c.Limit()
			capNs := float64(limit) / C * 1e9
			s := newSource(d, float64(c.Goal), 3, 4)
			var sumMin, sum float64
			for range n {
				g := s.draw()
				sumMin += min(g, capNs)
				sum += g
			}
			want := C * sumMin / sum
			if !near(got, want, 0.01) {
				t.Errorf("%v, factor %g: closed form %.0f, Monte Carlo %.0f", d, f, got, want)
			}
		}
	}
}

func TestClosedFormPoissonIsOneMinusExp(t *testing.T) {
	c := Config{Duration: time.Second, ProducerRate: 1, ConsumerRate: 200_000, Goal: DefaultGoal, Factor: 1.5, DispatcherDelays: Poisson}
	got, _ := ClosedForm(c)
	if want := 200_000 * (1 - math.Exp(-1.5)); !near(got, want, 1e-12) {
		t.Fatalf("closed form %g, want C(1 − e^−1.5) = %g", got, want)
	}
}

func TestNoClosedForm(t *testing.T) {
	c := Config{Duration: time.Second, ProducerRate: 1, ConsumerRate: 200_000, Goal: DefaultGoal, Factor: 1.5, DispatcherDelays: Poisson}
	c.ConsumerDelays = Poisson
	if _, ok := ClosedForm(c); ok {
		t.Error("a jittered consumer has no closed form")
	}
	c.ConsumerDelays = Uniform
	c.ConsumerModel = ConsumerModel{Knee: 10}
	if _, ok := ClosedForm(c); ok {
		t.Error("a non-linear consumer has no closed form")
	}
	if _, ok := (Effective{Rate: 5}).Diff(); ok {
		t.Error("Diff without a closed form")
	}
}

// TestEffectiveRateMatchesClosedForm runs the search for an exponential
// (poisson) dispatcher and compares it with C(1 − e^(−factor)).
func TestEffectiveRateMatchesClosedForm(t *testing.T) {
	const C = 20_000
	for _, f := range []float64{1.5, 3} {
		c := Config{Duration: 10 * time.Second, ConsumerRate: C, Goal: DefaultGoal, Factor: f, DispatcherDelays: Poisson, Seed: 1}
		e, err := EffectiveRate(c, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := C * (1 - math.Exp(-f))
		if !e.HasClosedForm || !near(e.ClosedForm, want, 1e-9) {
			t.Fatalf("factor %g: closed form %g (%v), want %g", f, e.ClosedForm, e.HasClosedForm, want)
		}
		if !near(e.Rate, want, 0.03) {
			t.Errorf("factor %g: effective rate %.0f/s, closed form %.0f/s: more than 3%% apart", f, e.Rate, want)
		}
		if !near(e.Saturated, want, 0.03) {
			t.Errorf("factor %g: saturated throughput %.0f/s, closed form %.0f/s: more than 3%% apart", f, e.Saturated, want)
		}
		if d, ok := e.Diff(); !ok || !near(d, (e.Rate/want-1)*100, 1e-6) {
			t.Errorf("factor %g: Diff %g, %v", f, d, ok)
		}
	}
}

// TestEffectiveRateUniformIsConsumerRate: an exact dispatcher with factor
// at least 1 keeps up with the consumer, found by the first probe.
func TestEffectiveRateUniformIsConsumerRate(t *testing.T) {
	c := Config{Duration: 2 * time.Second, ConsumerRate: 20_000, Goal: DefaultGoal, Factor: 1.5, Seed: 1}
	e, err := EffectiveRate(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	if e.Rate != 20_000 || e.Runs != 1 {
		t.Fatalf("effective rate %g after %d runs, want 20000 after 1", e.Rate, e.Runs)
	}
	c.Factor = 0.5 // the consumer idles half of every period
	if e, err = EffectiveRate(c, 0); err != nil {
		t.Fatal(err)
	}
	if !near(e.Rate, 10_000, 0.01) {
		t.Fatalf("factor 0.5: effective rate %g, want 10000", e.Rate)
	}
}
