package ring

// Stats is a snapshot of a ring's counters.
type Stats struct {
	Policy Policy
	// Capacity is the bound the policy applies; Depth and fill are
	// relative to it.
	Capacity int
	// Allocated is the number of slots allocated (see Ring.Allocated): at
	// most Capacity once the consumer has left older arrays behind, below
	// twice Capacity while it still reads one. AllocatedBytes is their
	// size: the slot arrays and the ring's per-slot bookkeeping, not memory
	// the slots point to (what Init allocates for them).
	Allocated      int
	AllocatedBytes int64
	// Published counts events the consumer got or will get: published and
	// not evicted. Consumed counts events the consumer released. Dropped
	// counts events discarded by Drop or evicted under DropOldest, so
	// Published + Dropped is every event offered and, once drained,
	// Published == Consumed.
	Published, Consumed, Dropped uint64
	// Evicted is the part of Dropped that DropOldest evicted after
	// publishing.
	Evicted uint64
	// Depth is Len at the time of the call.
	Depth int
	// Batches[b] counts the polls that returned between 2^(b-1) and
	// 2^b - 1 events (Batches[0]: none). Cumulative: compare two Stats
	// with MaxBatchSince.
	Batches [BatchBuckets]uint64
	// BlockedNanos is the total time reported through AddBlocked.
	BlockedNanos int64
	Closed       bool
}

// BatchBuckets is the number of batch-size buckets: sizes up to 2^40.
const BatchBuckets = 42

// Stats returns the ring's counters. Safe from any goroutine at any time:
// each counter is written by one side and read here atomically, so calling
// Stats costs the hot path at most one cache miss per counter line. It
// resets nothing: any number of readers can compare their own successive
// snapshots.
func (r *Ring[T]) Stats() Stats {
	evicted := r.prod.evicted.Load() // before published: never above it
	alloc := r.allocated.Load()
	return Stats{
		Policy:         r.policy,
		Capacity:       int(r.size),
		Allocated:      int(alloc),
		AllocatedBytes: alloc * r.slotBytes,
		Published:      r.published.Load() - evicted,
		Evicted:        evicted,
		Consumed:       r.cons.consumed.Load(),
		Dropped:        r.prod.dropped.Load(),
		Depth:          r.Len(),
		Batches:        r.batchCounts(),
		BlockedNanos:   r.prod.blocked.Load(),
		Closed:         r.closed.Load(),
	}
}

// Offered returns how many sequence numbers the edge has handed out:
// published plus dropped events (Stats' Published + Dropped). Unlike Stats
// it resets nothing. Safe from any goroutine; exact once the ring is
// drained.
func (r *Ring[T]) Offered() uint64 {
	evicted := r.prod.evicted.Load()
	dropped := r.prod.dropped.Load()
	return r.published.Load() - evicted + dropped
}

func (r *Ring[T]) batchCounts() (out [BatchBuckets]uint64) {
	for i := range out {
		out[i] = r.cons.batches[i].Load()
	}
	return out
}

// MaxBatchSince returns the largest batch the consumer took between two
// snapshots of the same ring's Batches (prev taken first; a zero prev
// means since the start), rounded down to a power of two, and capped at
// capacity: a batch of the ring's whole capacity (a power of two) is
// reported exactly. 0 when it took none.
func MaxBatchSince(prev, cur *[BatchBuckets]uint64, capacity int) int {
	for b := BatchBuckets - 1; b > 0; b-- {
		if cur[b] > prev[b] {
			return min(1<<(b-1), capacity)
		}
	}
	return 0
}
