package dispatch

import (
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// maxOptionInFlight bounds max_in_flight in pipeline files.
const maxOptionInFlight = 1 << 20

// Option declares the `dispatch` object an asynchronous sink takes, once
// for every sink that supports it (append it to the sink's options and
// read it with Read).
func Option() component.Option {
	return component.Option{Name: "dispatch", Type: component.Object,
		Doc: "When requests go out to the consumer, on a goroutine of the sink's own (never a worker). " +
			"`direct`: as soon as fewer than max_in_flight are out. `paced`: every `period` the dispatcher tops " +
			"the consumer up to floor(factor × rate × period) requests held at once (at most max_in_flight): the " +
			"paced dispatcher of the phantom-jams article, whose wake-up jitter caps throughput unless `compensate` " +
			"covers it. `adaptive`: the most requests out at once follows the consumer (additive increase while round " +
			"trips stay at their mean and near their baseline, the lowest recent one; ×decrease_ratio on 429, 503, a " +
			"timeout, or a round trip above mean + rtt_deviation·σ or twice the baseline), after Vector's adaptive " +
			"request concurrency.",
		Options: []component.Option{
			{Name: "mode", Type: component.Enum, Default: Direct.String(), Enum: modeNames[:],
				Doc: "`direct`, `paced` or `adaptive`."},
			{Name: "max_in_flight", Type: component.Int, Default: int64(DefaultMaxInFlight), HasMin: true, Min: 1, HasMax: true, Max: maxOptionInFlight,
				Doc: "Most requests at the consumer at once, in every mode (paced: the cap of the level; adaptive: of the limit)."},
			{Name: "period", Type: component.Duration, Default: DefaultPeriod, HasMin: true, Min: float64(time.Microsecond), HasMax: true, Max: float64(time.Minute),
				Doc: "Paced: how often the dispatcher wakes."},
			{Name: "factor", Type: component.Float, Default: DefaultFactor, HasMin: true, ExclusiveMin: true, HasMax: true, Max: 1000,
				Doc: "Paced: the over-dispatch factor: the consumer may hold factor periods of its work."},
			{Name: "rate", Type: component.Float, Default: float64(0), HasMin: true,
				Doc: "Paced: the consumer's rate in requests per second; 0 measures it (requests completed per second of " +
					"the time the consumer held some: the rate of a consumer that serves one request at a time; declare " +
					"the rate of one that serves many at once, or use adaptive). factor × rate × period must be at least 1."},
			{Name: "compensate", Type: component.Bool, Default: true,
				Doc: "Paced: lateness compensation. A wake-up late by Δ releases for period + Δ, Δ being the larger of its " +
					"own lateness and the p99 of the last 256 wake-ups' lateness, so the dispatcher's own jitter stops " +
					"capping throughput. false reproduces the article's dispatcher (and `greenwave sim`) exactly."},
			{Name: "initial_limit", Type: component.Int, Default: int64(DefaultInitialLimit), HasMin: true, Min: 1, HasMax: true, Max: maxOptionInFlight,
				Doc: "Adaptive: the limit to start from (at most max_in_flight)."},
			{Name: "decrease_ratio", Type: component.Float, Default: DefaultDecreaseRatio, HasMin: true, ExclusiveMin: true, HasMax: true, Max: 0.99,
				Doc: "Adaptive: what the limit is multiplied by on overload."},
			{Name: "rtt_deviation", Type: component.Float, Default: DefaultRTTDeviation, HasMin: true, ExclusiveMin: true, HasMax: true, Max: 100,
				Doc: "Adaptive: k in mean + k·σ, the round trip above which the consumer counts as overloaded."},
			{Name: "ewma_alpha", Type: component.Float, Default: DefaultEWMAAlpha, HasMin: true, ExclusiveMin: true, HasMax: true, Max: 1,
				Doc: "Adaptive: the weight of the latest interval in the running mean and variance of round trips."},
		}}
}

// Read reads the `dispatch` object option named name (declared by Option)
// into a Config, reporting problems at the keys they concern through r.
func Read(r *component.Reader, name string) Config {
	o := r.Object(name)
	c := DefaultConfig()
	mode, err := ParseMode(o.String("mode"))
	if err == nil {
		c.Mode = mode
	}
	c.MaxInFlight = int(o.Int("max_in_flight"))
	c.Period = o.Duration("period")
	c.Factor = o.Float("factor")
	c.Rate = o.Float("rate")
	c.Compensate = o.Bool("compensate")
	c.InitialLimit = int(o.Int("initial_limit"))
	c.DecreaseRatio = o.Float("decrease_ratio")
	c.RTTDeviation = o.Float("rtt_deviation")
	c.EWMAAlpha = o.Float("ewma_alpha")
	if o.Failed() {
		return c
	}
	if c.Mode == Adaptive && c.InitialLimit > c.MaxInFlight {
		o.Fail(o.At("initial_limit"), "%d is above max_in_flight %d", c.InitialLimit, c.MaxInFlight)
	}
	if c.Mode == Paced && c.Rate > 0 {
		if l := c.Period.Seconds() * c.Factor * c.Rate; l < 1 {
			o.Fail(o.At("rate"), "factor %g × rate %g/s × period %v is %.3g requests, below one: raise the period or the factor",
				c.Factor, c.Rate, c.Period, l)
		}
	}
	return c
}
