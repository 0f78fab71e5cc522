//go:build race

package agg

// raceEnabled: with the race detector the compiler does not turn
// append(s, make([]T, n)...) into an in-place extension, so DDSketch's
// stores allocate when they regrow into capacity they already have.
const raceEnabled = true
