package dispatch

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestPacedLevelExact: the article's dispatcher tops the consumer up to
// floor(factor × rate × period) at each wake-up and releases nothing
// between wake-ups, whatever its lateness.
func TestPacedLevelExact(t *testing.T) {
	clock := newFakeClock()
	var c collector
	d := mustNew(t, pacedConfig(clock, false), c.send)
	enqueueN(t, d, 1000)
	if n := d.Wake(); n != 150 {
		t.Fatalf("first wake-up released %d, want 0.005 s × 1.5 × 20000/s = 150", n)
	}
	d.Done(40, Outcome{})
	if got := d.Stats().InFlight; got != 110 {
		t.Fatalf("in flight %d, want 110", got)
	}
	clock.add(5 * time.Millisecond)
	if n := d.Wake(); n != 40 {
		t.Fatalf("second wake-up released %d, want the 40 that completed", n)
	}
	d.Done(100, Outcome{})
	clock.add(8 * time.Millisecond) // 3 ms late: no compensation
	if n := d.Wake(); n != 100 {
		t.Fatalf("late wake-up released %d, want 100 (level stays 150)", n)
	}
	if n := d.Wake(); n != 0 {
		t.Fatalf("a wake-up with the consumer full released %d", n)
	}
	sent := c.take()
	for i, v := range sent {
		if v != i {
			t.Fatalf("request %d went out as the %dth: not in order", v, i)
		}
	}
	if len(sent) != 290 {
		t.Fatalf("sent %d, want 290", len(sent))
	}
	s := d.Stats()
	if s.Limit != 150 || s.Dispatched != 290 || s.Completed != 140 || s.Queued != 710 || s.Wakes != 4 {
		t.Fatalf("stats %+v", s)
	}
}

// TestCompensationScriptedLateWakeUp: a wake-up late by 3 ms releases for
// 8 ms; the level keeps covering that lateness while it is within the p99
// of the last 256 wake-ups (three such wake-ups are), then returns to the
// article's.
func TestCompensationScriptedLateWakeUp(t *testing.T) {
	clock := newFakeClock()
	d := mustNew(t, pacedConfig(clock, true), func(int) {})
	enqueueN(t, d, 100_000)
	d.Wake()
	clock.add(5 * time.Millisecond)
	d.Wake()
	if s := d.Stats(); s.Limit != 150 || s.InFlight != 150 {
		t.Fatalf("punctual: level %d in flight %d, want 150", s.Limit, s.InFlight)
	}
	clock.add(8 * time.Millisecond)
	if n := d.Wake(); n != 90 {
		t.Fatalf("late by 3 ms: released %d, want 0.008 s × 1.5 × 20000/s − 150 = 90", n)
	}
	for range 2 {
		d.Done(d.Stats().InFlight, Outcome{})
		clock.add(8 * time.Millisecond)
		if n := d.Wake(); n != 240 {
			t.Fatalf("late by 3 ms again: released %d, want 240", n)
		}
	}
	for i := 0; i < 250; i++ {
		d.Done(d.Stats().InFlight, Outcome{})
		clock.add(5 * time.Millisecond)
		if n := d.Wake(); n != 240 {
			t.Fatalf("punctual wake-up %d after the late ones: released %d, want 240 while their lateness is the p99", i, n)
		}
	}
	for range 64 {
		d.Done(d.Stats().InFlight, Outcome{})
		clock.add(5 * time.Millisecond)
		d.Wake()
	}
	if l := d.Stats().Limit; l != 150 {
		t.Fatalf("after 314 punctual wake-ups: level %d, want 150", l)
	}
}

func TestPacedLevelCappedByMaxInFlight(t *testing.T) {
	clock := newFakeClock()
	cfg := pacedConfig(clock, true)
	cfg.MaxInFlight = 100
	d := mustNew(t, cfg, func(int) {})
	enqueueN(t, d, 1000)
	if n := d.Wake(); n != 100 {
		t.Fatalf("released %d, want max_in_flight 100", n)
	}
	clock.add(time.Second) // very late: compensation asks for 30000
	d.Done(100, Outcome{})
	if n := d.Wake(); n != 100 {
		t.Fatalf("released %d after a late wake-up, want max_in_flight 100", n)
	}
}

// runPaced drives a paced dispatcher with the given gaps in front of a
// uniform FIFO consumer on the fake clock, with a queue never empty, and
// returns the throughput over the consumer's rate.
func runPaced(t *testing.T, compensate bool, wakes int, gap func() time.Duration) (float64, *Dispatcher[int]) {
	clock := newFakeClock()
	cfg := pacedConfig(clock, compensate)
	cons := &fifoConsumer{rate: cfg.Rate}
	d := mustNew(t, cfg, cons.send)
	cons.d = d
	refill := func() { // keep the queue from running dry
		d.mu.Lock()
		q := d.mu.q.len()
		d.mu.Unlock()
		if q < 20_000 {
			enqueueN(t, d, 20_000-q)
		}
	}
	refill()
	start := clock.Now()
	n := d.Wake()
	cons.advance(n, clock.Now(), clock.Now())
	for range wakes {
		prev := clock.Now()
		clock.add(gap())
		cons.advance(0, prev, clock.Now())
		refill()
		n := d.Wake()
		cons.advance(n, clock.Now(), clock.Now())
	}
	el := clock.Now().Sub(start).Seconds()
	return float64(d.Stats().Completed) / el / cfg.Rate, d
}

// TestPhantomJamAndCompensation: poisson wake-ups cap the article's
// dispatcher at about 1 − e^−1.5 of the consumer's rate; compensation
// lifts it above 95%.
func TestPhantomJamAndCompensation(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	exp := func() time.Duration { return time.Duration(5e6 * rng.ExpFloat64()) }
	plain, _ := runPaced(t, false, 20_000, exp)
	if plain < 0.74 || plain > 0.81 {
		t.Errorf("uncompensated poisson dispatcher at factor 1.5: %.3f of the consumer's rate, want about 0.777", plain)
	}
	comp, d := runPaced(t, true, 20_000, exp)
	if comp < 0.95 {
		t.Errorf("compensated: %.3f of the consumer's rate, want at least 0.95", comp)
	}
	s := d.Stats()
	if s.LatenessP99 < 15*time.Millisecond || s.GapMean < 4*time.Millisecond || s.GapMean > 6*time.Millisecond {
		t.Errorf("measured gaps: mean %v, lateness p99 %v; want about 5 ms and 18 ms", s.GapMean, s.LatenessP99)
	}
	uniform, _ := runPaced(t, false, 2_000, func() time.Duration { return 5 * time.Millisecond })
	if uniform < 0.999 {
		t.Errorf("uniform wake-ups: %.4f of the consumer's rate, want all of it", uniform)
	}
}

// TestMeasuredRate: with rate 0 the dispatcher runs unpaced until it has
// measured the consumer, then paces at the rate it measured.
func TestMeasuredRate(t *testing.T) {
	clock := newFakeClock()
	cfg := pacedConfig(clock, false)
	cfg.Rate = 0
	cfg.MaxInFlight = 500
	cons := &fifoConsumer{rate: 20_000}
	d := mustNew(t, cfg, cons.send)
	cons.d = d
	enqueueN(t, d, 1_000_000)
	if n := d.Wake(); n != 500 {
		t.Fatalf("before measuring: released %d, want max_in_flight", n)
	}
	cons.advance(500, clock.Now(), clock.Now())
	for range 600 { // 3 s
		prev := clock.Now()
		clock.add(5 * time.Millisecond)
		cons.advance(0, prev, clock.Now())
		n := d.Wake()
		cons.advance(n, clock.Now(), clock.Now())
	}
	s := d.Stats()
	if !s.RateMeasured || s.Rate < 19_000 || s.Rate > 21_000 {
		t.Fatalf("measured rate %.0f (measured %v), want about 20000", s.Rate, s.RateMeasured)
	}
	if s.Limit != 150 && s.Limit != 149 && s.Limit != 151 {
		t.Fatalf("level %d, want about 150", s.Limit)
	}
}
