package sim

import (
	"fmt"
	"math"
)

// ClosedForm returns the closed-form estimate of the effective dispatch
// rate of c, and whether one exists. It exists when the consumer is uniform
// and linear: the consumer then works through at most L = Limit requests per
// wake-up at rate C, so with dispatcher gaps g it is busy min(g, L/C) of each
// gap and
//
//	throughput ≤ C · E[min(g, L/C)] / E[g]
//
// For each dispatcher process, with G the latency goal and a = L/C:
//
//	uniform   C · min(G, a) / G
//	poisson   C · (1 − e^(−a/G))            (C · (1 − e^(−factor)) when L is whole)
//	expdelay  C · (min(a, G) + G·(1 − e^(−max(a−G, 0)/G))) / 2G
//	capdelay  C · E[min(U, a/G)] / 2,  U ~ U(1, 3)
//	measured  C · mean(min(g, a)) / mean(g) over Config.DispatcherGaps
//
// The estimate ignores the partly served request the consumer may hold at a
// wake-up, which makes it a little optimistic when L is small.
func ClosedForm(c Config) (float64, bool) {
	if c.ConsumerDelays != Uniform || !c.ConsumerModel.Linear() {
		return 0, false
	}
	limit, err := c.Limit()
	if err != nil {
		return 0, false
	}
	C := c.ConsumerRate
	G := c.Goal.Seconds()
	x := float64(limit) / C / G // a/G
	var share float64           // E[min(g, a)] / E[g]
	if c.DispatcherGaps != nil {
		a := float64(limit) / C * 1e9 // ns
		var busy, all float64
		for _, g := range c.DispatcherGaps.d {
			busy += min(float64(g), a)
			all += float64(g)
		}
		if all <= 0 {
			return 0, false
		}
		return C * busy / all, true
	}
	switch c.DispatcherDelays {
	case Uniform:
		share = min(1, x)
	case Poisson:
		share = -math.Expm1(-x)
	case ExpDelay:
		share = (min(x, 1) + -math.Expm1(-max(x-1, 0))) / 2
	case CapDelay:
		var m float64 // E[min(U, x)] for U ~ U(1, 3)
		switch {
		case x <= 1:
			m = x
		case x >= 3:
			m = 2
		default:
			m = (x*x-1)/4 + x*(3-x)/2
		}
		share = m / 2
	default:
		panic(fmt.Sprintf("BUG: unknown delay process %d", uint8(c.DispatcherDelays)))
	}
	return C * share, true
}

// Effective is the outcome of an effective-rate search.
type Effective struct {
	// Rate is the highest producer rate, in requests per second, at which
	// the dispatcher queue was found bounded (see Result.Bounded), to within
	// the search's resolution.
	Rate float64
	// Saturated is the throughput, in requests per second, with the
	// producer at the consumer's rate (over the time that run simulated,
	// which its cap may have cut short). When the queue is unbounded there it
	// is a direct measurement of the capacity and a cross-check of Rate.
	Saturated float64
	// ClosedForm is the closed-form estimate when HasClosedForm is set.
	ClosedForm    float64
	HasClosedForm bool
	Runs          int // simulations the search ran
}

// Diff returns how far Rate is from the closed form, in percent of the
// closed form, and whether there is a closed form.
func (e Effective) Diff() (float64, bool) {
	if !e.HasClosedForm || e.ClosedForm == 0 {
		return 0, false
	}
	return (e.Rate/e.ClosedForm - 1) * 100, true
}

// EffectiveRate finds the effective dispatch rate of c: the highest producer
// rate at which the dispatcher queue stays bounded. A probe that reaches
// c's queue cap counts as not bounded. c.ProducerRate is
// ignored; every probe runs c at another producer rate with the same seed, so
// the probes share their random draws and differ only in the rate.
//
// The search first runs the producer at the consumer's rate. When the queue
// stays bounded there, the effective rate is the consumer's rate. Otherwise
// the throughput of that run brackets the answer (probes at 2% on either side,
// widened when needed) and bisection narrows the bracket until it is at most
// resolution × ConsumerRate wide (0 means 0.25%). Rate is the lower end.
func EffectiveRate(c Config, resolution float64) (Effective, error) {
	if resolution <= 0 {
		resolution = 0.0025
	}
	C := c.ConsumerRate
	var e Effective
	e.ClosedForm, e.HasClosedForm = ClosedForm(c)
	probe := func(rate float64) (Result, error) {
		p := c
		p.ProducerRate = rate
		e.Runs++
		return Run(p)
	}
	r, err := probe(C)
	if err != nil {
		return Effective{}, err
	}
	e.Saturated = float64(r.Completed) / r.Ran.Seconds()
	if r.Bounded {
		e.Rate = C
		return e, nil
	}
	lo, hi := 0.0, C // bounded at lo (trivially at 0), unbounded at hi
	guess := min(e.Saturated, C)
	for _, x := range []float64{guess * 0.98, guess * 1.02, guess * 0.9, guess * 1.1} {
		if x <= lo || x >= hi {
			continue
		}
		if hi-lo <= resolution*C {
			break
		}
		r, err := probe(x)
		if err != nil {
			return Effective{}, err
		}
		if r.Bounded {
			lo = x
		} else {
			hi = x
		}
	}
	for hi-lo > resolution*C {
		mid := (lo + hi) / 2
		r, err := probe(mid)
		if err != nil {
			return Effective{}, err
		}
		if r.Bounded {
			lo = mid
		} else {
			hi = mid
		}
	}
	e.Rate = lo
	return e, nil
}
