package dispatch

import (
	"fmt"
	"math"
	"time"
)

// Mode says how a dispatcher decides when requests go out.
type Mode uint8

// The modes; the zero Mode is Direct.
const (
	Direct Mode = iota
	Paced
	Adaptive
)

var modeNames = [...]string{Direct: "direct", Paced: "paced", Adaptive: "adaptive"}

func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("mode(%d)", uint8(m))
}

// ParseMode reads a mode's name.
func ParseMode(s string) (Mode, error) {
	for i, n := range modeNames {
		if s == n {
			return Mode(i), nil
		}
	}
	return 0, fmt.Errorf("unknown dispatch mode %q (want direct, paced or adaptive)", s)
}

// The defaults, declared once: the pipeline option (Option) and
// DefaultConfig take them from here.
const (
	DefaultPeriod        = 500 * time.Microsecond
	DefaultFactor        = 1.5
	DefaultMaxInFlight   = 64
	DefaultInitialLimit  = 1
	DefaultDecreaseRatio = 0.9
	DefaultRTTDeviation  = 2.5
	DefaultEWMAAlpha     = 0.4
)

// Clock reads the time. Tests that drive a dispatcher with Wake instead of
// Start inject one to make its limits exact.
type Clock interface{ Now() time.Time }

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// Config describes a dispatcher. Start from DefaultConfig.
type Config struct {
	Mode Mode
	// MaxInFlight bounds the requests at the consumer (dispatched and not
	// done) in every mode: Direct's limit, the cap of Paced's level and of
	// Adaptive's limit. At least 1.
	MaxInFlight int
	// MaxQueue bounds the requests waiting to go out, retries included;
	// Enqueue refuses one more (counted). 0: no bound here (the caller
	// bounds what it hands over, as a sink under the engine's in-flight
	// bound does).
	MaxQueue int

	// Paced: the wake-up period, the over-dispatch factor, the consumer's
	// rate in requests per second (0: measured, see Stats.RateMeasured), and
	// lateness compensation.
	Period     time.Duration
	Factor     float64
	Rate       float64
	Compensate bool

	// Adaptive: the starting limit, the multiplier applied on overload, the
	// k of mean + k·σ above which a round trip counts as overload, and the
	// weight of the latest round trip in the running mean and variance.
	InitialLimit  int
	DecreaseRatio float64
	RTTDeviation  float64
	EWMAAlpha     float64

	// Clock is the time source (nil: the wall clock).
	Clock Clock
	// Gap, when set, returns the time from one paced wake-up to the next
	// instead of Period: benchmarks jitter the dispatcher on purpose with it
	// (the article's uniform and poisson processes). The dispatcher still
	// counts a wake-up later than Period as late.
	Gap func() time.Duration
	// OnWake, when set, is called at each paced wake-up, with the lock held,
	// before the release: the time, the requests waiting and those in
	// flight. Benchmarks judge the queue by the simulator's rule from it;
	// it must be quick and must not call the dispatcher.
	OnWake func(now time.Time, queued, inflight int)
}

// DefaultConfig returns the defaults: direct mode with 64 in flight; for
// paced mode a period of 500µs, factor 1.5, a measured rate and
// compensation on; Vector's defaults for adaptive mode.
func DefaultConfig() Config {
	return Config{
		Mode: Direct, MaxInFlight: DefaultMaxInFlight,
		Period: DefaultPeriod, Factor: DefaultFactor, Compensate: true,
		InitialLimit: DefaultInitialLimit, DecreaseRatio: DefaultDecreaseRatio,
		RTTDeviation: DefaultRTTDeviation, EWMAAlpha: DefaultEWMAAlpha,
	}
}

// Validate reports the first invalid field, quoting its value.
func (c Config) Validate() error {
	switch {
	case int(c.Mode) >= len(modeNames):
		return fmt.Errorf("unknown dispatch mode %d", c.Mode)
	case c.MaxInFlight < 1:
		return fmt.Errorf("max_in_flight %d: must be at least 1", c.MaxInFlight)
	case c.MaxQueue < 0:
		return fmt.Errorf("max_queue %d: must not be negative (0: no bound)", c.MaxQueue)
	}
	if c.Mode == Paced {
		switch {
		case c.Period <= 0:
			return fmt.Errorf("period %v: must be positive", c.Period)
		case !(c.Factor > 0) || math.IsInf(c.Factor, 0):
			return fmt.Errorf("factor %g: must be a positive number", c.Factor)
		case !(c.Rate >= 0) || math.IsInf(c.Rate, 0):
			return fmt.Errorf("rate %g: must be a number of requests per second (0: measured)", c.Rate)
		}
		if c.Rate > 0 {
			if l := c.Factor * c.Rate * c.Period.Seconds(); l < 1 {
				return fmt.Errorf("level %.3g requests (factor %g × rate %g/s × period %v) is below one request: raise the period or the factor",
					l, c.Factor, c.Rate, c.Period)
			}
		}
	}
	if c.Mode == Adaptive {
		switch {
		case c.InitialLimit < 1 || c.InitialLimit > c.MaxInFlight:
			return fmt.Errorf("initial limit %d: must be between 1 and max_in_flight %d", c.InitialLimit, c.MaxInFlight)
		case !(c.DecreaseRatio > 0 && c.DecreaseRatio < 1):
			return fmt.Errorf("decrease ratio %g: must be above 0 and below 1", c.DecreaseRatio)
		case !(c.RTTDeviation > 0) || math.IsInf(c.RTTDeviation, 0):
			return fmt.Errorf("rtt deviation %g: must be a positive number", c.RTTDeviation)
		case !(c.EWMAAlpha > 0 && c.EWMAAlpha <= 1):
			return fmt.Errorf("ewma alpha %g: must be above 0 and at most 1", c.EWMAAlpha)
		}
	}
	return nil
}
