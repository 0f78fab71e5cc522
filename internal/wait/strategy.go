package wait

import (
	"fmt"
	"strconv"
)

// Strategy is how an idle polling loop waits for work.
type Strategy uint8

const (
	// Park sleeps as soon as a pass finds no work. Lowest CPU use, a wake-up
	// cost on every first event after a lull.
	Park Strategy = iota
	// SpinThenPark spins for a few idle passes, then parks. The default.
	SpinThenPark
	// Yield calls runtime.Gosched on every idle pass and never sleeps.
	Yield
	// BusySpin returns at once and never sleeps: lowest latency, one core
	// at 100% per worker.
	BusySpin
)

var strategyNames = [...]string{"park", "spin_then_park", "yield", "busy_spin"}

// String returns the strategy's name as written in configuration.
func (s Strategy) String() string {
	if int(s) < len(strategyNames) {
		return strategyNames[s]
	}
	return "strategy(" + strconv.Itoa(int(s)) + ")"
}

// ParseStrategy parses a strategy name ("park", "spin_then_park", "yield",
// "busy_spin").
func ParseStrategy(s string) (Strategy, error) {
	for i, n := range strategyNames {
		if n == s {
			return Strategy(i), nil
		}
	}
	return Park, fmt.Errorf("unknown wait strategy %q (valid: park, spin_then_park, yield, busy_spin)", s)
}

// Strategies lists every strategy, in declaration order, for tools that
// compare them (bench latency runs one variant per strategy).
func Strategies() []Strategy {
	out := make([]Strategy, len(strategyNames))
	for i := range out {
		out[i] = Strategy(i)
	}
	return out
}
