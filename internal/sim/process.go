package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// Delays names the process that draws the gaps between a component's events.
// Each process is defined around a period p (1/rate for the producer and the
// consumer, the latency goal for the dispatcher):
//
//	uniform   exactly p
//	poisson   exponential gaps with mean p (a Poisson point process)
//	expdelay  p × (1 + Exp(1)): never early, mean 2p
//	capdelay  p × U(1, 3): never early, capped at 3p, mean 2p
//
// expdelay and capdelay model a component that can only be late, so their
// long-run event rate is half of the nominal one; the report shows the rate
// that was actually reached.
type Delays uint8

// The delay processes. The zero value is Uniform.
const (
	Uniform Delays = iota
	Poisson
	ExpDelay
	CapDelay
)

var delayNames = [...]string{Uniform: "uniform", Poisson: "poisson", ExpDelay: "expdelay", CapDelay: "capdelay"}

// String returns the name used on the command line.
func (d Delays) String() string {
	if int(d) < len(delayNames) {
		return delayNames[d]
	}
	return fmt.Sprintf("Delays(%d)", uint8(d))
}

// MeanFactor is E[gap]/period: 1 for uniform and poisson, 2 for expdelay and
// capdelay.
func (d Delays) MeanFactor() float64 {
	switch d {
	case Uniform, Poisson:
		return 1
	case ExpDelay, CapDelay:
		return 2
	}
	panic(fmt.Sprintf("BUG: unknown delay process %d", uint8(d)))
}

// MarshalText implements encoding.TextMarshaler (JSON output).
func (d Delays) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (JSON input).
func (d *Delays) UnmarshalText(b []byte) error {
	v, err := ParseDelays(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseDelays parses a delay process name as written on the command line.
func ParseDelays(s string) (Delays, error) {
	for i, n := range delayNames {
		if strings.EqualFold(s, n) {
			return Delays(i), nil
		}
	}
	return 0, fmt.Errorf("unknown delay process %q (want uniform, poisson, expdelay or capdelay)", s)
}

// source draws the gaps of one component in whole nanoseconds. A uniform
// process carries the fraction each gap drops into the next one, so the sum
// of n gaps is within 1 ns of the exact sum and the long-run rate is exact
// even when the period is not a whole number of nanoseconds. Random gaps are
// rounded to the nearest nanosecond, which is unbiased for a continuous
// distribution and keeps the carry's serial dependency off the hot path.
//
// A source belongs to one simulation; it is not safe for concurrent use.
type source struct {
	kind   Delays
	period float64 // ns
	carry  float64 // in [0, 1); uniform only
	rng    *rand.Rand
	// whole is the period when the process is uniform and the period a
	// whole number of nanoseconds (no carry ever arises), else 0.
	whole int64
	// gaps, when set, are measured gaps drawn at random instead of the
	// process (see Config.DispatcherGaps).
	gaps []time.Duration
}

// newMeasuredSource returns a source that draws its gaps from measured ones,
// with replacement.
func newMeasuredSource(gaps []time.Duration, seed, stream uint64) source {
	return source{kind: Poisson, gaps: gaps, rng: rand.New(rand.NewPCG(seed, stream))}
}

// Stream numbers that keep the three components' random sequences
// independent: changing one component's process or rate leaves the draws of
// the others as they were under the same seed.
const (
	streamProducer   = 0x7072_6f64 // "prod"
	streamDispatcher = 0x6469_7370 // "disp"
	streamConsumer   = 0x636f_6e73 // "cons"
)

func newSource(kind Delays, periodNs float64, seed, stream uint64) source {
	s := source{kind: kind, period: periodNs, rng: rand.New(rand.NewPCG(seed, stream))}
	if kind == Uniform && periodNs >= 1 && periodNs == math.Trunc(periodNs) {
		s.whole = int64(periodNs)
	}
	return s
}

// draw returns the next raw gap in nanoseconds, before rounding.
func (s *source) draw() float64 {
	switch s.kind {
	case Uniform:
		return s.period
	case Poisson:
		return s.period * s.rng.ExpFloat64()
	case ExpDelay:
		return s.period * (1 + s.rng.ExpFloat64())
	case CapDelay:
		return s.period * (1 + 2*s.rng.Float64())
	}
	panic(fmt.Sprintf("BUG: unknown delay process %d", uint8(s.kind)))
}

// next returns the next gap in whole nanoseconds.
func (s *source) next() int64 {
	if s.whole > 0 {
		return s.whole
	}
	if s.gaps != nil {
		return int64(s.gaps[s.rng.IntN(len(s.gaps))])
	}
	return s.nextScaled(1)
}

// nextScaled returns the next gap multiplied by m, in whole nanoseconds.
func (s *source) nextScaled(m float64) int64 {
	g := s.draw() * m
	if s.kind != Uniform {
		return int64(g + 0.5)
	}
	g += s.carry
	n := int64(g)
	s.carry = g - float64(n)
	return n
}
