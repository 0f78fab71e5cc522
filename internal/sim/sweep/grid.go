package sweep

import (
	"fmt"
	"math"
	"time"

	"github.com/greenwave/greenwave/internal/sim"
)

// Component names the component that is jittered in a latency point.
type Component string

// The jittered components, in plotting order.
const (
	Producer   Component = "producer"
	Dispatcher Component = "dispatcher"
	Consumer   Component = "consumer"
)

// Components lists the jittered components of the latency grid.
var Components = []Component{Producer, Dispatcher, Consumer}

// Grid is the set of simulations a sweep runs.
//
// The latency grid runs every combination of Components × Periods ×
// LatencyFactors × Fractions: the named component draws its gaps from Jitter,
// the two others are uniform, and the producer runs at the fraction times
// ConsumerRate (the article's pictures 1–4).
//
// The effective-rate grid runs, for every combination of Periods ×
// EffectiveFactors, an effective-rate search (sim.EffectiveRate) with the
// dispatcher drawing from Jitter and producer and consumer uniform (the
// article's picture 5).
type Grid struct {
	Duration         time.Duration   // virtual run time of every simulation
	ConsumerRate     float64         // requests per second
	Jitter           sim.Delays      // the jittered component's process
	Fractions        []float64       // producer rates, as fractions of ConsumerRate
	Periods          []time.Duration // dispatcher latency goals
	LatencyFactors   []float64       // over-dispatch factors of the latency grid
	EffectiveFactors []float64       // over-dispatch factors of the effective-rate grid
	ConsumerModel    sim.ConsumerModel
	Seed             uint64
	Resolution       float64 // of the effective-rate search, relative to ConsumerRate; 0 means 0.25%
	// QueueCap bounds the requests each simulation holds (see
	// sim.Config.QueueCap; 0: sim.DefaultQueueCap); a run that reaches it
	// stops and counts as not bounded. Simulations that run at once each
	// hold up to their cap. Sweeps refuse no run: a point whose queue must
	// pass the cap is run until it does.
	QueueCap int
}

// Default returns the full grid: about 200 latency points and 40 searches,
// each simulation 20 virtual seconds at 200k requests per second. It takes
// tens of seconds on two cores.
func Default() Grid {
	return Grid{
		Duration:         20 * time.Second,
		ConsumerRate:     200_000,
		Jitter:           sim.Poisson,
		Fractions:        []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99},
		Periods:          []time.Duration{250 * time.Microsecond, 500 * time.Microsecond, 2 * time.Millisecond},
		LatencyFactors:   []float64{1.5, 3},
		EffectiveFactors: []float64{1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3, 3.25, 3.5, 3.75, 4},
		Seed:             1,
	}
}

// Quick returns a small grid for fast checks: one period, one latency
// factor, a few rates and factors, 2 virtual seconds per simulation.
func Quick() Grid {
	return Grid{
		Duration:         2 * time.Second,
		ConsumerRate:     200_000,
		Jitter:           sim.Poisson,
		Fractions:        []float64{0.5, 0.8, 0.95},
		Periods:          []time.Duration{500 * time.Microsecond},
		LatencyFactors:   []float64{1.5},
		EffectiveFactors: []float64{1, 2, 3},
		Seed:             1,
	}
}

// Validate reports the first invalid setting, and any simulation of the grid
// that would be invalid (for example a dispatch limit below one request).
func (g Grid) Validate() error {
	if len(g.Periods) == 0 {
		return fmt.Errorf("sweep: no dispatcher periods")
	}
	if len(g.Fractions) == 0 && len(g.EffectiveFactors) == 0 {
		return fmt.Errorf("sweep: nothing to run (no rate fractions and no effective-rate factors)")
	}
	if len(g.Fractions) > 0 && len(g.LatencyFactors) == 0 {
		return fmt.Errorf("sweep: rate fractions given but no latency factors")
	}
	for _, f := range g.Fractions {
		if !(f > 0) || math.IsInf(f, 0) {
			return fmt.Errorf("sweep: rate fraction %g: must be a positive number", f)
		}
	}
	if g.QueueCap < 0 {
		return fmt.Errorf("sweep: queue cap %d: must be positive", g.QueueCap)
	}
	if g.Resolution < 0 || g.Resolution >= 1 {
		return fmt.Errorf("sweep: resolution %g: must be in [0, 1)", g.Resolution)
	}
	for _, p := range g.latencyPoints() {
		if err := p.config(g).Validate(); err != nil {
			return fmt.Errorf("sweep: %w", err)
		}
	}
	for _, p := range g.effectivePoints() {
		if err := p.config(g).Validate(); err != nil {
			return fmt.Errorf("sweep: %w", err)
		}
	}
	return nil
}

// LatencyPoint is one simulation of the latency grid and its result.
type LatencyPoint struct {
	Jittered Component
	Period   time.Duration
	Factor   float64
	Fraction float64
	Result   sim.Result
}

// EffectivePoint is one effective-rate search and its result.
type EffectivePoint struct {
	Period    time.Duration
	Factor    float64
	Limit     int
	Effective sim.Effective
}

func (g Grid) latencyPoints() []LatencyPoint {
	var ps []LatencyPoint
	for _, per := range g.Periods {
		for _, f := range g.LatencyFactors {
			for _, c := range Components {
				for _, x := range g.Fractions {
					ps = append(ps, LatencyPoint{Jittered: c, Period: per, Factor: f, Fraction: x})
				}
			}
		}
	}
	return ps
}

func (g Grid) effectivePoints() []EffectivePoint {
	var ps []EffectivePoint
	for _, per := range g.Periods {
		for _, f := range g.EffectiveFactors {
			ps = append(ps, EffectivePoint{Period: per, Factor: f})
		}
	}
	return ps
}

// config returns the simulation of a latency point.
func (p LatencyPoint) config(g Grid) sim.Config {
	c := sim.Config{
		Duration:      g.Duration,
		ProducerRate:  p.Fraction * g.ConsumerRate,
		Goal:          p.Period,
		Factor:        p.Factor,
		ConsumerRate:  g.ConsumerRate,
		ConsumerModel: g.ConsumerModel,
		QueueCap:      g.QueueCap,
		Seed:          g.Seed,
	}
	switch p.Jittered {
	case Producer:
		c.ProducerDelays = g.Jitter
	case Dispatcher:
		c.DispatcherDelays = g.Jitter
	case Consumer:
		c.ConsumerDelays = g.Jitter
	default:
		panic(fmt.Sprintf("BUG: unknown component %q", p.Jittered))
	}
	return c
}

// config returns the simulation an effective-rate search starts from.
func (p EffectivePoint) config(g Grid) sim.Config {
	return sim.Config{
		Duration:         g.Duration,
		ProducerRate:     g.ConsumerRate,
		DispatcherDelays: g.Jitter,
		Goal:             p.Period,
		Factor:           p.Factor,
		ConsumerRate:     g.ConsumerRate,
		ConsumerModel:    g.ConsumerModel,
		QueueCap:         g.QueueCap,
		Seed:             g.Seed,
	}
}
