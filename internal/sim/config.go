package sim

import (
	"fmt"
	"math"
	"time"
)

// Defaults of the article's tool, which modelled Seastar's I/O dispatcher.
const (
	DefaultGoal   = 500 * time.Microsecond // dispatcher wake-up period: 2 kHz
	DefaultFactor = 1.5                    // over-dispatch multiplier
)

// MaxDuration bounds the virtual run time so that nanosecond timestamps
// cannot overflow.
const MaxDuration = 1_000_000 * time.Second

// maxRate bounds the rates: above it a period is below a nanosecond, the
// clock's resolution.
const maxRate = 1e9

// DefaultQueueCap is the cap on the requests a simulation holds when
// Config.QueueCap is 0: 2^26, so that the simulator's two rings of 8-byte
// timestamps (the arrival time of every request held, the dispatch time of
// every request inside the consumer) stay within 1 GiB.
const DefaultQueueCap = 1 << 26

// Config describes one simulation. The zero value is not valid: Duration,
// ProducerRate and ConsumerRate must be set, Goal and Factor must be positive
// (see DefaultGoal and DefaultFactor).
type Config struct {
	Duration time.Duration // virtual run time

	ProducerDelays Delays
	ProducerRate   float64 // requests per second

	DispatcherDelays Delays
	Goal             time.Duration // the dispatcher's wake-up period
	Factor           float64       // over-dispatch multiplier
	// DispatcherGaps, when set, are measured gaps between a real
	// dispatcher's wake-ups: the simulated dispatcher draws each gap from
	// them at random (with replacement) instead of from DispatcherDelays,
	// so that a run answers for the machine they were measured on. The
	// dispatch limit is still Goal × Factor × ConsumerRate. (A pointer, so
	// that Config stays comparable.)
	DispatcherGaps *Gaps

	ConsumerDelays Delays
	ConsumerRate   float64 // requests per second
	ConsumerModel  ConsumerModel

	// QueueCap bounds the requests the simulation holds at once, waiting
	// in the dispatcher queue or inside the consumer (0: DefaultQueueCap).
	// A run that reaches it stops there (Result.Capped); CheckQueue tells
	// beforehand when the parameters show that a run must reach it.
	QueueCap int

	Seed uint64 // seeds every random draw; equal configs give equal results
}

// queueCap returns QueueCap, or its default.
func (c Config) queueCap() int {
	if c.QueueCap == 0 {
		return DefaultQueueCap
	}
	return c.QueueCap
}

// Limit returns how many requests the consumer may hold:
// floor(Goal × Factor × ConsumerRate). It is an error when that is below one
// request.
func (c Config) Limit() (int, error) {
	l := c.Goal.Seconds() * c.Factor * c.ConsumerRate
	if !(l >= 1) {
		return 0, fmt.Errorf("dispatch limit %.3g requests (goal %v × factor %g × consumer rate %g/s) is below one request", l, c.Goal, c.Factor, c.ConsumerRate)
	}
	if l > math.MaxInt32 {
		return 0, fmt.Errorf("dispatch limit %.3g requests (goal %v × factor %g × consumer rate %g/s) is too large", l, c.Goal, c.Factor, c.ConsumerRate)
	}
	return int(l), nil
}

// Validate reports the first invalid field, naming its value.
func (c Config) Validate() error {
	if c.Duration <= 0 || c.Duration > MaxDuration {
		return fmt.Errorf("duration %v: must be above 0 and at most %v", c.Duration, MaxDuration)
	}
	if err := checkRate("producer", c.ProducerRate); err != nil {
		return err
	}
	if err := checkRate("consumer", c.ConsumerRate); err != nil {
		return err
	}
	for _, d := range []Delays{c.ProducerDelays, c.DispatcherDelays, c.ConsumerDelays} {
		if int(d) >= len(delayNames) {
			return fmt.Errorf("unknown delay process %d", uint8(d))
		}
	}
	if c.Goal <= 0 {
		return fmt.Errorf("latency goal %v: must be positive", c.Goal)
	}
	if err := c.DispatcherGaps.check(); err != nil {
		return err
	}
	if !(c.Factor > 0) || math.IsInf(c.Factor, 0) {
		return fmt.Errorf("goal factor %g: must be a positive number", c.Factor)
	}
	if err := c.ConsumerModel.Validate(); err != nil {
		return err
	}
	if c.QueueCap < 0 {
		return fmt.Errorf("queue cap %d: must be positive (0: the default, %d)", c.QueueCap, DefaultQueueCap)
	}
	_, err := c.Limit()
	return err
}

func checkRate(who string, r float64) error {
	if !(r > 0) || r > maxRate {
		return fmt.Errorf("%s rate %g: must be above 0 and at most %g per second", who, r, float64(maxRate))
	}
	return nil
}

// Gaps holds measured gaps between a dispatcher's wake-ups (see
// Config.DispatcherGaps). It is immutable once made, so configs may share
// it across goroutines.
type Gaps struct {
	d    []time.Duration
	mean float64 // ns
}

// MeasuredGaps copies gaps into a Gaps.
func MeasuredGaps(gaps []time.Duration) *Gaps {
	g := &Gaps{d: append([]time.Duration(nil), gaps...)}
	for _, x := range g.d {
		g.mean += float64(x)
	}
	if len(g.d) > 0 {
		g.mean /= float64(len(g.d))
	}
	return g
}

// Len is the number of gaps.
func (g *Gaps) Len() int {
	if g == nil {
		return 0
	}
	return len(g.d)
}

// check reports a gap below zero, no gaps, or gaps that add up to nothing
// (a dispatcher that never advances). A nil Gaps is fine: there are none.
func (g *Gaps) check() error {
	if g == nil {
		return nil
	}
	if len(g.d) == 0 {
		return fmt.Errorf("measured dispatcher gaps: none")
	}
	for i, x := range g.d {
		if x < 0 {
			return fmt.Errorf("measured dispatcher gap %d is %v: must not be negative", i, x)
		}
	}
	if g.mean <= 0 {
		return fmt.Errorf("measured dispatcher gaps: all %d are zero", len(g.d))
	}
	return nil
}

// dispatcherMeanFactor is the dispatcher's mean gap over the goal: its
// process's MeanFactor, or the measured gaps' mean over the goal.
func (c Config) dispatcherMeanFactor() float64 {
	if c.DispatcherGaps == nil {
		return c.DispatcherDelays.MeanFactor()
	}
	return c.DispatcherGaps.mean / float64(c.Goal)
}
