package ops

import (
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// The state limits every keyed operator declares (stateOptions) and their
// defaults. Limits hold per parallel instance: an operator with
// parallelism N holds at most N times as much.
const (
	// defaultMaxKeys is max_keys when absent: a million keys of count or
	// aggregate take some 100 MB, and far more than the keys of a sane
	// grouping; a key that is unique per event reaches it within seconds
	// instead of eating the machine.
	defaultMaxKeys int64 = 1_000_000
	// defaultMaxState is max_state when absent.
	defaultMaxState int64 = 256 << 20

	stateFail  = "fail"
	stateEvict = "evict_oldest"
	// defaultWhenFull is when_state_full when absent (see its doc).
	defaultWhenFull = stateFail
)

// stateDocs says, for one keyed operator, what max_keys counts and what
// evict_oldest drops.
type stateDocs struct {
	entries string // "distinct keys held"
	oldest  string // "the least recently updated key (its count)"
	// ttl, when set, documents the operator's ttl option; empty: the
	// operator has none (its state is freed by the watermark).
	ttl string
}

// stateOptions returns the options that bound a keyed operator's state:
// max_keys, max_state, when_state_full and, when d.ttl is set, ttl. Every
// keyed spec appends them to its own options.
func stateOptions(d stateDocs) []component.Option {
	opts := []component.Option{
		{Name: "max_keys", Type: component.Int, Default: defaultMaxKeys, Min: 1, HasMin: true,
			Doc: "The most " + d.entries + " each parallel instance keeps (with parallelism N, the operator keeps " +
				"up to N times as many). See when_state_full."},
		{Name: "max_state", Type: component.Size, Default: defaultMaxState, Min: 1, HasMin: true,
			Doc: "The most state each parallel instance keeps, as an estimate of its bytes: fixed " +
				"bytes per entry for the Go structures that hold it, the bytes of the strings in its keys and rows, " +
				"and each aggregate set at the largest size its sketches can reach (count_distinct and percentile " +
				"about 32KiB and 40KiB, top_k about 160 bytes per counter), so the estimate does not fall short as " +
				"sketches grow. It is kept up to date as entries come and go, not recomputed per event. Validation " +
				"rejects a max_state too small for a single entry."},
		{Name: "when_state_full", Type: component.Enum, Enum: []string{stateFail, stateEvict}, Default: defaultWhenFull,
			Doc: "What happens when an event needs a new entry and max_keys or max_state is reached. `fail` (the " +
				"default): the tenant stops with an error naming the operator and the limit. `evict_oldest`: " +
				d.oldest + " is dropped to make room, without output, and counted as evicted in the operator's " +
				"state figures. The default fails because eviction changes results (a count restarts, a window " +
				"row misses events) and a changed result that nobody sees is worse than a stopped job; the " +
				"default limits are set high enough that a bounded key space does not reach them, so what " +
				"reaches them is usually a key that grows without bound, which a job should not run with " +
				"unnoticed. Choose evict_oldest (or a ttl where there is one) when losing old state is acceptable."},
	}
	if d.ttl != "" {
		opts = append(opts, component.Option{Name: "ttl", Type: component.Duration, Min: float64(time.Millisecond), HasMin: true,
			Doc: d.ttl})
	}
	return opts
}

// ttlDoc is the ttl option's doc of count and aggregate.
const ttlDoc = "Removes a key not updated for this long, by processing time (the wall clock at which events " +
	"arrive: keys must go even when their input stops, and event time stops with it), and counts it as " +
	"expired. Unset (the default): keys stay until the input ends, within max_keys and max_state. Keys are " +
	"checked on the operator's timer, every tenth of the ttl (from 10ms to 1s), so a key goes between ttl and " +
	"ttl plus that period after its last event; with `emit: interval` they are checked at each interval's " +
	"emit, after the changed keys are emitted, so every change is emitted before its key can expire. " +
	"Expiring emits nothing (no row, no retraction); a later event of the key starts from zero, and with " +
	"`emit: flush` an expired key is not in the final rows."

// stateConfig is the parsed state options of one operator.
type stateConfig struct {
	maxKeys, maxBytes int64
	evict             bool
	ttl               time.Duration // 0: none
}

// stateConf reads the options stateOptions declares, defaulting absent
// ones to the declared defaults.
func stateConf(o component.Options) stateConfig {
	c := stateConfig{maxKeys: defaultMaxKeys, maxBytes: defaultMaxState, evict: defaultWhenFull == stateEvict}
	if o.Has("max_keys") {
		c.maxKeys = o.Int("max_keys")
	}
	if o.Has("max_state") {
		c.maxBytes = o.Size("max_state")
	}
	if o.Has("when_state_full") {
		c.evict = o.String("when_state_full") == stateEvict
	}
	if o.Has("ttl") {
		c.ttl = o.Duration("ttl")
	}
	return c
}

// limit checks the parsed options against the operator's smallest entry
// (entry bytes) and returns the limit to enforce. Errors are about the
// option at fault.
func (c stateConfig) limit(entry int64) (*stateLimit, error) {
	if c.maxKeys < 1 {
		return nil, component.OptErr("max_keys", "must be at least 1, got %d", c.maxKeys)
	}
	if c.maxBytes < entry {
		return nil, component.OptErr("max_state", "%s does not hold a single entry of this operator (about %s each)",
			formatSize(c.maxBytes), formatSize(entry))
	}
	if c.ttl < 0 {
		return nil, component.OptErr("ttl", "must not be negative, got %v", c.ttl)
	}
	return &stateLimit{maxKeys: c.maxKeys, maxBytes: c.maxBytes, evict: c.evict}, nil
}

// ttlTick is how often an operator with a ttl checks for expired keys: a
// tenth of the ttl, from 10ms to 1s.
func ttlTick(ttl time.Duration) time.Duration {
	return min(max(ttl/10, 10*time.Millisecond), time.Second)
}
