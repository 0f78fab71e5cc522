package ring

import (
	"math/bits"
	"sync/atomic"
)

// blockPad separates fields written by different goroutines. It is two
// cache lines because x86 prefetches lines in aligned pairs.
const blockPad = 128

// heldFlag is set in Ring.head (drop_oldest only) while the consumer holds
// polled, unreleased slots. Positions never reach bit 63.
const heldFlag = uint64(1) << 63

// maxCapacity bounds New so that position arithmetic cannot overflow.
const maxCapacity = 1 << 40

// Ring is a bounded ring of preallocated T slots between one producer (or
// several, when made with multiProducer=true) and one consumer.
//
// Producer-side methods (Claim, Slot and Segment on claimed positions,
// Publish, Drop, AddBlocked, Close) are called from the producer goroutine,
// or from any goroutine on a multi-producer ring. Consumer-side methods
// (Poll, Slot, Segment and Seq on polled positions, Release, Drained) are
// called from one consumer goroutine. Len, Cap, Policy, MultiProducer and
// Stats are safe from any goroutine. A slot may only be touched by the side
// that claimed or polled it, until Publish or Release. The zero Ring is not
// usable; call New. A Ring must not be copied.
type Ring[T any] struct {
	_ [blockPad]byte

	// Read-only after New (the slices; their elements belong to whichever
	// side owns the slot). seqs[i] is the sequence number of the event in
	// vals[i]: a parallel array rather than a field beside T so that a
	// polled range is a plain []T (Segment).
	vals []T
	seqs []uint64
	// done[i] is, on a multi-producer ring, the end of a published range
	// that starts at a position with slot i, awaiting commit.
	done   []atomic.Uint64
	mask   uint64
	size   uint64
	policy Policy
	multi  bool

	_ [blockPad]byte

	prod producerSide

	_ [blockPad]byte

	// published is the position below which every slot is published.
	// Written by the producer (the commit-turn holder when multi), read by
	// the consumer.
	published atomic.Uint64
	closed    atomic.Bool

	_ [blockPad]byte

	cons consumerSide

	_ [blockPad]byte

	// released is written by the consumer only and is never above the
	// lowest position the consumer still holds: every slot below it is free
	// for the producer to reuse.
	released atomic.Uint64

	_ [blockPad]byte

	// head is the next position to poll under DropOldest, where both the
	// consumer (Poll) and the producers (eviction) advance it by
	// compare-and-swap; heldFlag marks that the consumer holds slots. Unused
	// under the other policies, whose poll position is consumer-private.
	head atomic.Uint64

	_ [blockPad]byte
}

// producerSide is written only by the producer side.
type producerSide struct {
	// Single producer: claim is the next position to claim, bound a cached
	// copy of the consumer's free bound (every position below it is free),
	// pub the next position to publish.
	claim, bound, pub uint64
	// seq is the next sequence number. Owned by the single producer, or by
	// the producer holding the commit turn.
	seq uint64

	// Multi-producer counterparts of claim and bound, and the commit turn.
	claimMulti, boundMulti atomic.Uint64
	commit                 atomic.Uint32
	// pendingDrops are sequence numbers consumed by Drop on a multi-producer
	// ring, folded into seq by the next commit.
	pendingDrops atomic.Uint64

	// dropped counts Drop calls and evictions; evicted counts evictions only.
	dropped, evicted atomic.Uint64
	blocked          atomic.Int64
}

// consumerSide is written only by the consumer.
type consumerSide struct {
	head      uint64 // next position to poll (not DropOldest)
	cachedPub uint64 // last published cursor seen
	pollEnd   uint64 // end of the last Poll
	rel       uint64 // next position to release
	consumed  atomic.Uint64
	maxBatch  atomic.Int64
}

// New returns a ring with at least capacity slots: capacity is rounded up to
// a power of two, minimum 2. All slots are allocated here; no later call
// allocates.
func New[T any](capacity int, policy Policy, multiProducer bool) *Ring[T] {
	if policy > DropOldest {
		panic("BUG: ring: unknown policy " + policy.String())
	}
	if capacity > maxCapacity {
		panic("BUG: ring: capacity too large")
	}
	size := uint64(2)
	if capacity > 2 {
		size = 1 << bits.Len64(uint64(capacity-1))
	}
	r := &Ring[T]{
		vals:   make([]T, size),
		seqs:   make([]uint64, size),
		mask:   size - 1,
		size:   size,
		policy: policy,
		multi:  multiProducer,
	}
	if multiProducer {
		r.done = make([]atomic.Uint64, size)
	}
	return r
}

// Slot returns the slot at a position the caller claimed (producer) or
// polled (consumer). The slot keeps its previous contents: a producer
// overwrites what it needs, reusing inner slices.
func (r *Ring[T]) Slot(pos uint64) *T { return &r.vals[pos&r.mask] }

// Segment returns the slots [pos, pos+n) as one slice, without copying, for
// a range the caller claimed or polled. Poll never returns a range that
// wraps around the end of the slot array, so for a polled range len is n. A
// claimed range may wrap; then the slice stops at the end of the array and
// the rest starts at Segment(pos+len, n-len).
func (r *Ring[T]) Segment(pos uint64, n int) []T {
	i := pos & r.mask
	end := min(i+uint64(max(n, 0)), r.size)
	return r.vals[i:end:end]
}

// Seq returns the edge sequence number of the event at a polled position.
func (r *Ring[T]) Seq(pos uint64) uint64 { return r.seqs[pos&r.mask] }

// Cap returns the number of slots.
func (r *Ring[T]) Cap() int { return int(r.size) }

// Policy returns the ring's overflow policy.
func (r *Ring[T]) Policy() Policy { return r.policy }

// MultiProducer reports whether the ring accepts several producers.
func (r *Ring[T]) MultiProducer() bool { return r.multi }

// Len returns the number of published events not yet released (under
// DropOldest, not yet evicted either). Safe from any goroutine; approximate
// while the sides are running.
func (r *Ring[T]) Len() int {
	var low uint64
	if r.policy == DropOldest {
		hw := r.head.Load()
		low = hw &^ heldFlag
		if hw&heldFlag != 0 {
			low = r.released.Load()
		}
	} else {
		low = r.released.Load()
	}
	pub := r.published.Load()
	if pub < low {
		return 0
	}
	return int(min(pub-low, r.size))
}

// Close marks the end of the stream. Call it after the last Publish, from
// the producer side (on a multi-producer ring, once every producer is done).
// Claim and Publish panic after Close. Idempotent.
func (r *Ring[T]) Close() { r.closed.Store(true) }

// Drained reports that the ring is closed and the consumer has released (or,
// under DropOldest, lost to eviction) every published event. Consumer side.
func (r *Ring[T]) Drained() bool {
	if !r.closed.Load() {
		return false
	}
	pub := r.published.Load()
	if r.cons.rel != r.cons.pollEnd {
		return false
	}
	if r.policy == DropOldest {
		return r.head.Load()&^heldFlag == pub
	}
	return r.cons.head == pub
}
