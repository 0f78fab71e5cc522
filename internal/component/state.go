package component

// StateStats is a keyed operator's state figures.
type StateStats struct {
	// Keys is what the operator's max_keys counts: distinct keys held
	// (count, aggregate, over), key entries across open panes or sessions
	// (window), or stored rows (join).
	Keys int64
	// Bytes is the operator's estimate of the memory its state holds, the
	// figure its max_state bounds.
	Bytes int64
	// Evicted counts the entries dropped to make room under
	// when_state_full: evict_oldest; Expired the keys removed by ttl.
	Evicted, Expired uint64
	// MaxKeys and MaxBytes are the operator's limits (max_keys, max_state).
	MaxKeys, MaxBytes int64
}

// StateReporter is implemented by operators that hold keyed state. StateStats is safe to call
// from any goroutine while the operator runs (single-writer atomics, no locks on the hot path).
type StateReporter interface{ StateStats() StateStats }
