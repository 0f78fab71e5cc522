package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/greenwave/greenwave/internal/dispatch"
	"github.com/greenwave/greenwave/internal/sim"
)

func init() {
	register(&Scenario{
		Name: "dispatch",
		Doc: "seed 003 live: a producer → the real paced dispatcher, its wake-ups jittered on purpose (uniform, poisson) → " +
			"a consumer served at a fixed rate; for factors 1, 1.5, 2, 3 the highest producer rate that keeps the queue " +
			"bounded (the simulator's rule), uncompensated and compensated, beside the simulator's and the closed form; " +
			"and adaptive mode against an HTTP consumer whose capacity halves mid-run",
		Run: runDispatch,
	})
}

// The live dispatch bench's parameters: a 10 ms period and a consumer of
// 10000 requests/s (a level of 150 at factor 1.5, as the article's 500 µs
// at 200000/s), so that Go's timer slop (~0.2 ms) is small beside the period.
const (
	dispatchPeriod   = 10 * time.Millisecond
	dispatchConsumer = 10_000.0
	// dispatchResolution is the search's resolution, a share of the
	// consumer's rate.
	dispatchResolution = 0.02
)

var dispatchFactors = []float64{1, 1.5, 2, 3}

func runDispatch(cfg Config) ([]Result, error) {
	probe := 5 * cfg.Duration // 500 wake-ups at the default 1s
	var out []Result
	for _, jitter := range []sim.Delays{sim.Uniform, sim.Poisson} {
		for _, f := range dispatchFactors {
			name := fmt.Sprintf("jitter=%s,factor=%g", jitter, f)
			if !cfg.Want(name, "") && !cfg.Want(name, "live") && !cfg.Want(name, "sim") && !cfg.Want(name, "closed_form") {
				continue
			}
			c := sim.Config{Duration: 100 * time.Second, ProducerDelays: sim.Uniform, DispatcherDelays: jitter,
				Goal: dispatchPeriod, Factor: f, ConsumerRate: dispatchConsumer, Seed: 1}
			var simRate float64
			if cfg.Want(name, "sim") || cfg.Want(name, "live") {
				e, err := sim.EffectiveRate(c, 0.0025)
				if err != nil {
					return nil, err
				}
				simRate = e.Rate
			}
			for _, compensate := range []bool{false, true} {
				variant := "live"
				if compensate {
					variant = "live/compensated"
				}
				if !cfg.Want(name, variant) {
					continue
				}
				if cfg.Progress != nil {
					fmt.Fprintf(cfg.Progress, "bench dispatch: %s %s\n", name, variant)
				}
				s, err := searchLive(jitter, f, compensate, probe)
				if err != nil {
					return nil, fmt.Errorf("%s %s: %w", name, variant, err)
				}
				r := dispatchRow(name, variant, s.rate)
				r.Extra["saturated_rate"] = s.saturated
				r.Extra["probes"] = float64(s.probes)
				r.Extra["gap_mean_ms"] = s.gapMean.Seconds() * 1e3
				r.Extra["gap_p99_ms"] = s.gapP99.Seconds() * 1e3
				r.Extra["max_in_flight"] = float64(s.maxInFlight)
				if simRate > 0 && !compensate {
					r.Extra["of_sim"] = s.rate / simRate
				}
				if !compensate && s.gaps != nil {
					// The simulator on the gaps this dispatcher measured.
					m := c
					m.DispatcherGaps = sim.MeasuredGaps(s.gaps)
					if e, err := sim.EffectiveRate(m, 0.0025); err == nil {
						r.Extra["sim_measured_rate"] = e.Rate
					}
				}
				out = append(out, r)
			}
			if cfg.Want(name, "sim") {
				out = append(out, dispatchRow(name, "sim", simRate))
			}
			if cfg.Want(name, "closed_form") {
				cf, _ := sim.ClosedForm(c)
				out = append(out, dispatchRow(name, "closed_form", cf))
			}
		}
	}
	if name := "consumer=http,capacity=halved"; cfg.Want(name, "adaptive") {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "bench dispatch: %s adaptive\n", name)
		}
		r, err := runAdaptiveHalving(cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func dispatchRow(name, variant string, rate float64) Result {
	r := Result{Bench: "dispatch", Case: name, Variant: variant, EventsPerSec: rate,
		Extra: map[string]any{"effective_rate": rate, "consumer_rate": dispatchConsumer, "share": rate / dispatchConsumer}}
	if rate > 0 {
		r.NsPerEvent = 1e9 / rate
	}
	return r
}

// liveSearch is the outcome of a live effective-rate search.
type liveSearch struct {
	rate, saturated float64
	probes          int
	gaps            []time.Duration // measured in the saturated probe
	gapMean, gapP99 time.Duration
	maxInFlight     int
}

// searchLive finds the highest producer rate the live dispatcher sustains
// with a bounded queue, as sim.EffectiveRate does for the model: a probe at
// the consumer's rate, then around its throughput, then bisection down to
// dispatchResolution. Every probe jitters the dispatcher with the same
// draws, so probes differ only in the rate.
func searchLive(jitter sim.Delays, factor float64, compensate bool, d time.Duration) (liveSearch, error) {
	C := dispatchConsumer
	var s liveSearch
	first, err := liveProbe(jitter, factor, compensate, C, d)
	if err != nil {
		return s, err
	}
	s.probes = 1
	s.saturated = first.throughput
	s.gaps, s.gapMean, s.gapP99, s.maxInFlight = first.gaps, first.gapMean, first.gapP99, first.maxInFlight
	if first.bounded {
		s.rate = C
		return s, nil
	}
	lo, hi := 0.0, C
	guess := min(first.throughput, C)
	try := func(x float64) error {
		p, err := liveProbe(jitter, factor, compensate, x, d)
		if err != nil {
			return err
		}
		s.probes++
		if p.bounded {
			lo = x
		} else {
			hi = x
		}
		return nil
	}
	for _, x := range []float64{guess * 0.98, guess * 1.02, guess * 0.9, guess * 1.1} {
		if x <= lo || x >= hi || hi-lo <= dispatchResolution*C {
			continue
		}
		if err := try(x); err != nil {
			return s, err
		}
	}
	for hi-lo > dispatchResolution*C {
		if err := try((lo + hi) / 2); err != nil {
			return s, err
		}
	}
	s.rate = lo
	return s, nil
}

// probeResult is what one live run measured.
type probeResult struct {
	bounded         bool
	throughput      float64
	gaps            []time.Duration
	gapMean, gapP99 time.Duration
	maxInFlight     int
}

// liveProbe runs producer → paced dispatcher → consumer for d at producer
// rate p and judges the requests held, sampled at each wake-up before its
// release, by the simulator's rule. Held is queued plus in flight: the
// article's dispatcher lets the consumer hold at most its limit, so a
// growing backlog shows in its queue, as in the simulator; a compensated
// one lets the consumer hold much more, where a backlog would hide from a
// rule that looked at the queue alone.
func liveProbe(jitter sim.Delays, factor float64, compensate bool, p float64, d time.Duration) (probeResult, error) {
	rng := rand.New(rand.NewPCG(uint64(factor*1000)+1, uint64(jitter)))
	cfg := dispatch.DefaultConfig()
	cfg.Mode = dispatch.Paced
	cfg.Period, cfg.Factor, cfg.Rate, cfg.Compensate = dispatchPeriod, factor, dispatchConsumer, compensate
	cfg.MaxInFlight = 1 << 20
	if jitter == sim.Poisson {
		cfg.Gap = func() time.Duration { return time.Duration(float64(dispatchPeriod) * rng.ExpFloat64()) }
	}
	var (
		start  time.Time
		qsum   [4]float64
		qcnt   [4]int
		last   time.Time
		gaps   []time.Duration
		sample sync.Mutex // OnWake runs on the dispatcher's goroutine; read after Close
	)
	cfg.OnWake = func(now time.Time, queued, inflight int) {
		sample.Lock()
		defer sample.Unlock()
		if !last.IsZero() {
			gaps = append(gaps, now.Sub(last))
		}
		last = now
		k := int(4 * now.Sub(start) / d)
		if k >= 0 && k < 4 {
			qsum[k] += float64(queued + inflight)
			qcnt[k]++
		}
	}
	cons := newRateConsumer(dispatchConsumer)
	disp, err := dispatch.New(cfg, cons.send)
	if err != nil {
		return probeResult{}, err
	}
	cons.d = disp
	sample.Lock()
	start = time.Now()
	sample.Unlock()
	go cons.run()
	disp.Start()
	produce(disp, p, start, d)
	st := disp.Stats()
	disp.Close()
	cons.close()
	sample.Lock()
	defer sample.Unlock()
	var means [4]float64
	for i := range qsum {
		if qcnt[i] > 0 {
			means[i] = qsum[i] / float64(qcnt[i])
		}
	}
	limit := int(dispatchPeriod.Seconds() * factor * dispatchConsumer)
	_, ok := sim.Bounded(means, d.Seconds(), p, limit)
	r := probeResult{bounded: ok, throughput: float64(st.Completed) / d.Seconds(), gaps: gaps,
		gapMean: st.GapMean, gapP99: st.GapP99, maxInFlight: st.MaxInFlightSeen}
	if len(r.gaps) > 4096 {
		r.gaps = r.gaps[len(r.gaps)-4096:]
	}
	return r, nil
}

// produce enqueues requests at rate p from start for d, in steps of a
// millisecond (the producer's jitter is harmless: see the article).
func produce(d *dispatch.Dispatcher[int64], p float64, start time.Time, dur time.Duration) {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var made int64
	for {
		now := <-tick.C
		el := now.Sub(start)
		if el > dur {
			el = dur
		}
		due := int64(math.Floor(p * el.Seconds()))
		for ; made < due; made++ {
			d.Enqueue(made)
		}
		if el >= dur {
			return
		}
	}
}

// rateConsumer serves requests one at a time, first in first out, at rate
// per second on its own goroutine: a virtual clock advances by 1/rate per
// request, so a late wake-up of the goroutine delays acknowledgements but
// loses no capacity (the article's uniform consumer).
type rateConsumer struct {
	per  time.Duration
	d    *dispatch.Dispatcher[int64]
	kick chan struct{}
	stop chan struct{}
	done chan struct{}

	mu       sync.Mutex
	held     int
	busyTill time.Time
}

func newRateConsumer(rate float64) *rateConsumer {
	return &rateConsumer{per: time.Duration(float64(time.Second) / rate),
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

func (c *rateConsumer) send(int64) {
	c.mu.Lock()
	if c.held == 0 {
		c.busyTill = time.Now()
	}
	c.held++
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *rateConsumer) run() {
	defer close(c.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		c.mu.Lock()
		now := time.Now()
		done := 0
		if c.held > 0 {
			done = min(c.held, int(now.Sub(c.busyTill)/c.per))
			c.busyTill = c.busyTill.Add(time.Duration(done) * c.per)
			c.held -= done
		}
		held, next := c.held, c.busyTill.Add(c.per)
		c.mu.Unlock()
		if done > 0 {
			c.d.Done(done, dispatch.Outcome{})
		}
		if held == 0 {
			select {
			case <-c.kick:
				continue
			case <-c.stop:
				return
			}
		}
		timer.Reset(max(time.Until(next), 0))
		select {
		case <-timer.C:
		case <-c.stop:
			return
		}
	}
}

func (c *rateConsumer) close() {
	close(c.stop)
	<-c.done
}
