//go:build race

package expr

// raceEnabled: the race detector makes sync.Pool drop items at random, so
// code that pools (regexp matching) allocates now and then.
const raceEnabled = true
