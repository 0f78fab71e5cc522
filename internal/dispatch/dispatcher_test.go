package dispatch

import (
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/sim"
)

func TestDirectKeepsMaxInFlight(t *testing.T) {
	clock := newFakeClock()
	cfg := DefaultConfig()
	cfg.MaxInFlight = 3
	cfg.Clock = clock
	var c collector
	d := mustNew(t, cfg, c.send)
	enqueueN(t, d, 10)
	if n := d.Wake(); n != 3 {
		t.Fatalf("released %d, want 3", n)
	}
	d.Done(2, Outcome{})
	if n := d.Wake(); n != 2 {
		t.Fatalf("released %d after 2 done, want 2", n)
	}
	if got := c.take(); len(got) != 5 || got[4] != 4 {
		t.Fatalf("sent %v", got)
	}
}

// TestRetryGoesFirstWhenDue: a request retried waits its time, then goes
// out before requests queued behind it.
func TestRetryGoesFirstWhenDue(t *testing.T) {
	clock := newFakeClock()
	cfg := DefaultConfig()
	cfg.MaxInFlight = 1
	cfg.Clock = clock
	var c collector
	d := mustNew(t, cfg, c.send)
	enqueueN(t, d, 3)
	d.Wake()
	d.Done(1, Outcome{Failed: true, Overload: true})
	d.Retry(0, 100*time.Millisecond)
	d.Wake() // request 1 goes while 0 waits
	d.Done(1, Outcome{})
	clock.add(100 * time.Millisecond)
	d.Wake()
	if got := c.take(); len(got) != 3 || got[0] != 0 || got[1] != 1 || got[2] != 0 {
		t.Fatalf("sent %v, want [0 1 0]: the retry after its wait, before 2", got)
	}
	s := d.Stats()
	if s.Retried != 1 || s.Failed != 1 || s.Overloads != 1 || s.Queued != 1 || s.Completed != 2 {
		t.Fatalf("stats %+v", s)
	}
}

func TestMaxQueueRefusesAndCounts(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxQueue = 2
	d := mustNew(t, cfg, func(int) {})
	if !d.Enqueue(1) || !d.Enqueue(2) || d.Enqueue(3) {
		t.Fatal("the third request was not refused")
	}
	if left := d.Close(); len(left) != 2 {
		t.Fatalf("close returned %v, want the 2 queued", left)
	}
	if d.Enqueue(4) {
		t.Fatal("enqueue after close was accepted")
	}
	if s := d.Stats(); s.Refused != 2 || s.MaxQueued != 2 {
		t.Fatalf("refused %d max queued %d, want 2 and 2", s.Refused, s.MaxQueued)
	}
}

// TestConcurrentDeliveryExactlyOnce runs every mode on its goroutine with
// consumers completing on goroutines of their own: every request goes out
// exactly once and never more than the limit are out at once.
func TestConcurrentDeliveryExactlyOnce(t *testing.T) {
	for _, mode := range []Mode{Direct, Paced, Adaptive} {
		t.Run(mode.String(), func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Mode = mode
			cfg.MaxInFlight = 8
			cfg.Rate = 100_000
			cfg.Period = 200 * time.Microsecond
			var (
				d        *Dispatcher[int]
				mu       sync.Mutex
				seen     = map[int]int{}
				out, top atomic.Int64
				wg       sync.WaitGroup
			)
			send := func(v int) {
				if n := out.Add(1); n > top.Load() {
					top.Store(n)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					mu.Lock()
					seen[v]++
					mu.Unlock()
					out.Add(-1)
					d.Done(1, Outcome{RTT: time.Microsecond})
				}()
			}
			d = mustNew(t, cfg, send)
			d.Start()
			const n = 5000
			for i := range n {
				if !d.Enqueue(i) {
					t.Fatal("refused")
				}
			}
			deadline := time.Now().Add(20 * time.Second)
			for d.Stats().Completed < n && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if left := d.Close(); len(left) != 0 {
				t.Fatalf("%d requests never went out", len(left))
			}
			wg.Wait()
			if len(seen) != n {
				t.Fatalf("%d distinct requests went out, want %d", len(seen), n)
			}
			for v, k := range seen {
				if k != 1 {
					t.Fatalf("request %d went out %d times", v, k)
				}
			}
			if top.Load() > int64(cfg.MaxInFlight) {
				t.Fatalf("%d out at once, above max_in_flight %d", top.Load(), cfg.MaxInFlight)
			}
		})
	}
}

// TestVerdictMatchesItsOwnRun: a paced dispatcher's verdict is the
// simulator's run for the gaps it measured, its level, the consumer's rate
// and its input rate; and it says bounded below the jitter-capped
// capacity, not bounded above it.
func TestVerdictMatchesItsOwnRun(t *testing.T) {
	for _, tc := range []struct {
		share   float64 // input rate over the consumer's
		bounded bool
	}{{0.6, true}, {0.9, false}} {
		clock := newFakeClock()
		cfg := pacedConfig(clock, false)
		cons := &fifoConsumer{rate: cfg.Rate}
		d := mustNew(t, cfg, cons.send)
		cons.d = d
		rng := rand.New(rand.NewPCG(5, 6))
		var gaps []time.Duration
		carry := 0.0
		cons.advance(d.Wake(), clock.Now(), clock.Now())
		for range 1500 {
			g := time.Duration(5e6 * rng.ExpFloat64())
			gaps = append(gaps, g)
			prev := clock.Now()
			clock.add(g)
			cons.advance(0, prev, clock.Now())
			carry += tc.share * cfg.Rate * g.Seconds()
			for ; carry >= 1; carry-- {
				d.Enqueue(0)
			}
			cons.advance(d.Wake(), clock.Now(), clock.Now())
		}
		s := d.Stats()
		v := s.Verdict
		if !v.Checked {
			t.Fatalf("share %g: no verdict after 1500 wake-ups: %+v", tc.share, s)
		}
		c := sim.Config{
			Duration: 10 * time.Second, ProducerDelays: sim.Poisson, ProducerRate: s.InputRate,
			Goal: cfg.Period, Factor: 1.5, DispatcherGaps: sim.MeasuredGaps(gaps[len(gaps)-1024:]),
			ConsumerRate: cfg.Rate, QueueCap: 1 << 22, Seed: 1,
		}
		r, err := sim.Run(c)
		if err != nil {
			t.Fatal(err)
		}
		if r.Limit != 150 || v.Bounded != r.Bounded || v.Growth != r.Growth {
			t.Fatalf("share %g: verdict %+v, the simulator's own run: limit %d bounded %v growth %g", tc.share, v, r.Limit, r.Bounded, r.Growth)
		}
		if v.Bounded != tc.bounded {
			t.Errorf("share %g of the consumer's rate: bounded %v, want %v", tc.share, v.Bounded, tc.bounded)
		}
		if v.Capacity < 0.74*cfg.Rate || v.Capacity > 0.81*cfg.Rate {
			t.Errorf("capacity %.0f, want about 0.777 × %g", v.Capacity, cfg.Rate)
		}
	}
}

func TestStatsRatesOverTheLastSecond(t *testing.T) {
	clock := newFakeClock()
	cfg := DefaultConfig()
	cfg.Clock = clock
	cfg.MaxInFlight = 1000
	d := mustNew(t, cfg, func(int) {})
	for range 40 { // 2 s: 50 requests in, out and done every 50 ms
		clock.add(25 * time.Millisecond)
		enqueueN(t, d, 50)
		d.Wake()
		clock.add(25 * time.Millisecond)
		d.Done(50, Outcome{RTT: 3 * time.Millisecond})
	}
	s := d.Stats()
	near := func(x, want, tol float64) bool { return x >= want*(1-tol) && x <= want*(1+tol) }
	if !near(s.EffectiveRate, 1000, 0.1) || !near(s.InputRate, 1000, 0.1) || !near(s.FlowRatio, 1, 0.1) {
		t.Fatalf("effective %g input %g flow %g, want about 1000/s, 1000/s and 1", s.EffectiveRate, s.InputRate, s.FlowRatio)
	}
	if s.RTTMean != 3*time.Millisecond || s.RTTMin != 3*time.Millisecond {
		t.Fatalf("rtt mean %v min %v", s.RTTMean, s.RTTMin)
	}
	// The consumer stops completing: the flow ratio climbs.
	for range 20 {
		clock.add(50 * time.Millisecond)
		enqueueN(t, d, 50)
		d.Wake()
		d.Done(5, Outcome{})
	}
	if s := d.Stats(); s.FlowRatio < 5 {
		t.Fatalf("flow ratio %g with the consumer completing a tenth of what goes out", s.FlowRatio)
	}
}

func TestConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.MaxInFlight = 0 }, "max_in_flight 0"},
		{func(c *Config) { c.Mode = Paced; c.Period = 0 }, "period 0s"},
		{func(c *Config) { c.Mode = Paced; c.Rate = 100 }, "below one request"},
		{func(c *Config) { c.Mode = Adaptive; c.InitialLimit = 100 }, "initial limit 100"},
		{func(c *Config) { c.Mode = Adaptive; c.DecreaseRatio = 1 }, "decrease ratio 1"},
		{func(c *Config) { c.Mode = 9 }, "unknown dispatch mode 9"},
	} {
		c := DefaultConfig()
		tc.edit(&c)
		if _, err := New(c, func(int) {}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
}
