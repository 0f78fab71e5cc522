package sim

import (
	"strings"
	"testing"
	"time"
)

// TestMeasuredGapsOfThePeriodAreUniform: a dispatcher whose measured gaps
// are all exactly the goal runs as the uniform process does, request for
// request.
func TestMeasuredGapsOfThePeriodAreUniform(t *testing.T) {
	c := Config{Duration: 2 * time.Second, ProducerRate: 150_000, ConsumerRate: 200_000,
		Goal: DefaultGoal, Factor: DefaultFactor, ProducerDelays: Poisson, Seed: 7}
	want := mustRun(t, c)
	c.DispatcherGaps = MeasuredGaps([]time.Duration{DefaultGoal, DefaultGoal})
	got := mustRun(t, c)
	if got.Produced != want.Produced || got.Dispatched != want.Dispatched || got.Completed != want.Completed ||
		got.MaxQueue != want.MaxQueue || got.Total != want.Total {
		t.Fatalf("measured gaps of the goal: %+v\nuniform: %+v", got, want)
	}
}

// TestMeasuredExponentialGapsActAsPoisson: gaps measured from an
// exponential process give the poisson process's effective rate and closed
// form (the article's phantom jam), within sampling error.
func TestMeasuredExponentialGapsActAsPoisson(t *testing.T) {
	c := Config{Duration: 10 * time.Second, ConsumerRate: 100_000, Goal: time.Millisecond, Factor: 1.5,
		DispatcherDelays: Poisson, Seed: 3}
	src := newSource(Poisson, float64(c.Goal), 11, 12)
	gaps := make([]time.Duration, 4096)
	for i := range gaps {
		gaps[i] = time.Duration(src.next())
	}
	poisson, err := EffectiveRate(c, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	m := c
	m.DispatcherGaps = MeasuredGaps(gaps)
	measured, err := EffectiveRate(m, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	if !near(measured.Rate, poisson.Rate, 0.04) {
		t.Errorf("effective rate with measured gaps %.0f, with the poisson process %.0f", measured.Rate, poisson.Rate)
	}
	if !measured.HasClosedForm || !near(measured.ClosedForm, poisson.ClosedForm, 0.03) {
		t.Errorf("closed form with measured gaps %.0f (%v), poisson %.0f", measured.ClosedForm, measured.HasClosedForm, poisson.ClosedForm)
	}
	if in, out := m.Throughputs(); !near(out, c.ConsumerRate, 0.05) || in != 0 {
		t.Errorf("throughputs with measured gaps: in %g out %g", in, out)
	}
}

// TestMeasuredGapsClosedFormByHand: gaps of 1 and 3 ms with a limit of 2 ms
// of work keep the consumer busy 1 + 2 of every 4 ms.
func TestMeasuredGapsClosedFormByHand(t *testing.T) {
	c := Config{Duration: time.Second, ProducerRate: 1, ConsumerRate: 1000, Goal: time.Millisecond, Factor: 2,
		DispatcherGaps: MeasuredGaps([]time.Duration{time.Millisecond, 3 * time.Millisecond})}
	got, ok := ClosedForm(c)
	if !ok || !near(got, 750, 1e-9) {
		t.Fatalf("closed form %g (%v), want 1000 × 3/4", got, ok)
	}
}

func TestMeasuredGapsValidation(t *testing.T) {
	c := Config{Duration: time.Second, ProducerRate: 1000, ConsumerRate: 1000, Goal: time.Millisecond, Factor: 2}
	for _, tc := range []struct {
		gaps []time.Duration
		want string
	}{
		{[]time.Duration{time.Millisecond, -1}, "gap 1 is -1ns"},
		{[]time.Duration{0, 0}, "all 2 are zero"},
		{nil, "none"},
	} {
		c.DispatcherGaps = MeasuredGaps(tc.gaps)
		if _, err := Run(c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("gaps %v: error %v, want %q", tc.gaps, err, tc.want)
		}
	}
}
