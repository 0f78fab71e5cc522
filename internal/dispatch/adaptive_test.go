package dispatch

import (
	"testing"
	"time"
)

// adaptiveRig drives an adaptive dispatcher on a fake clock: every round it
// keeps the queue full, releases, and completes everything in flight after
// rtt with the given outcome.
type adaptiveRig struct {
	t     *testing.T
	clock *fakeClock
	d     *Dispatcher[int]
}

func newAdaptiveRig(t *testing.T, max int) *adaptiveRig {
	clock := newFakeClock()
	cfg := DefaultConfig()
	cfg.Mode = Adaptive
	cfg.MaxInFlight = max
	cfg.Clock = clock
	d := mustNew(t, cfg, func(int) {})
	return &adaptiveRig{t: t, clock: clock, d: d}
}

func (r *adaptiveRig) round(rtt time.Duration, o Outcome) {
	if q := r.d.Stats().Queued; q < 100 {
		enqueueN(r.t, r.d, 100-q)
	}
	r.d.Wake()
	r.clock.add(rtt)
	o.RTT = rtt
	r.d.Done(r.d.Stats().InFlight, o)
}

// TestAdaptiveIncreasesByOnePerRoundTrip: steady round trips with the limit
// reached add one per round trip, up to max_in_flight.
func TestAdaptiveIncreasesByOnePerRoundTrip(t *testing.T) {
	r := newAdaptiveRig(t, 10)
	if l := r.d.Stats().Limit; l != 1 {
		t.Fatalf("initial limit %d", l)
	}
	for i := range 30 {
		r.round(10*time.Millisecond, Outcome{})
		want := min(10, i+1) // the first round sets the mean: no change
		if i == 0 {
			want = 1
		}
		if l := r.d.Stats().Limit; l != want {
			t.Fatalf("round %d: limit %d, want %d", i, l, want)
		}
	}
}

// TestAdaptiveDecreasesOnOverload: a 429/503/timeout multiplies the limit
// by 0.9 (floored, at least 1) at the next evaluation.
func TestAdaptiveDecreasesOnOverload(t *testing.T) {
	r := newAdaptiveRig(t, 50)
	for range 40 {
		r.round(10*time.Millisecond, Outcome{})
	}
	if l := r.d.Stats().Limit; l != 40 {
		t.Fatalf("limit %d, want 40", l)
	}
	r.round(10*time.Millisecond, Outcome{Failed: true, Overload: true})
	if l := r.d.Stats().Limit; l != 36 {
		t.Fatalf("after an overload: limit %d, want 36", l)
	}
	r.round(10*time.Millisecond, Outcome{Failed: true, Overload: true})
	if l := r.d.Stats().Limit; l != 32 {
		t.Fatalf("after a second overload: limit %d, want 32", l)
	}
	if s := r.d.Stats(); s.Decreases != 2 || s.Overloads == 0 {
		t.Fatalf("decreases %d overloads %d", s.Decreases, s.Overloads)
	}
}

// TestAdaptiveDecreasesOnSlowRoundTrips: a round trip well above the
// mean decreases the limit, without any overload answer.
func TestAdaptiveDecreasesOnSlowRoundTrips(t *testing.T) {
	r := newAdaptiveRig(t, 50)
	for range 20 {
		r.round(10*time.Millisecond, Outcome{})
	}
	if l := r.d.Stats().Limit; l != 20 {
		t.Fatalf("limit %d, want 20", l)
	}
	r.round(30*time.Millisecond, Outcome{})
	if l := r.d.Stats().Limit; l != 18 {
		t.Fatalf("after a round trip 3× the mean: limit %d, want 20 × 0.9", l)
	}
}

// TestAdaptiveThresholdIsMeanPlusKSigma: with a mean of 10 ms and σ of
// 2 ms, k = 2.5 puts the threshold at 15 ms: 14 ms neither increases nor
// decreases the limit, 16 ms decreases it, 9 ms increases it.
func TestAdaptiveThresholdIsMeanPlusKSigma(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Mode = Adaptive
	cfg.MaxInFlight = 100
	now := time.Unix(0, 0)
	for _, tc := range []struct {
		rtt  time.Duration
		want int
	}{{14 * time.Millisecond, 10}, {16 * time.Millisecond, 9}, {9 * time.Millisecond, 11}} {
		a := arc{limit: 10, pastMean: 0.010, pastVar: 0.002 * 0.002, pastSet: true, nextUpdate: now, reached: true}
		a.done(now, 1, Outcome{RTT: tc.rtt}, cfg)
		if a.limit != tc.want {
			t.Errorf("round trip %v: limit %d, want %d", tc.rtt, a.limit, tc.want)
		}
	}
}
