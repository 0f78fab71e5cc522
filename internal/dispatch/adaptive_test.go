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

// TestAdaptiveStopsGrowingAsAQueueBuilds: noisy round trips that rise
// slowly (a queue building at the consumer) fall below the running mean
// every other interval, on which Vector's rule alone adds one, while the
// noise keeps them within mean + k·σ: the limit would grow as the round
// trips double. The baseline stops the growth and brings the limit down.
func TestAdaptiveStopsGrowingAsAQueueBuilds(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Mode = Adaptive
	cfg.MaxInFlight = 200
	now := time.Unix(0, 0)
	a := arc{limit: 20}
	for i := range 100 {
		rtt := 10 * time.Millisecond
		if i >= 20 {
			noise := 0.7
			if i%2 == 1 {
				noise = 1.3
			}
			rtt = time.Duration(float64(rtt) * (1 + float64(i-20)/40) * noise)
		}
		now = now.Add(time.Second) // every call closes an interval
		a.reached = true
		a.done(now, 1, Outcome{RTT: rtt}, cfg)
	}
	if a.limit >= 20 || a.decreases == 0 {
		t.Fatalf("limit %d after the round trips tripled (%d increases, %d decreases), want below 20", a.limit, a.increases, a.decreases)
	}
}
