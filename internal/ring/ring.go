package ring

import (
	"math/bits"
	"sync/atomic"
	"unsafe"
)

// blockPad separates fields written by different goroutines. It is two
// cache lines because x86 prefetches lines in aligned pairs.
const blockPad = 128

// heldFlag is set in Ring.head (drop_oldest only) while the consumer holds
// polled, unreleased slots. Positions never reach bit 63.
const heldFlag = uint64(1) << 63

// maxCapacity bounds Make so that position arithmetic cannot overflow.
const maxCapacity = 1 << 40

// Config describes a ring for Make.
type Config[T any] struct {
	// Capacity is the bound: the most events the ring holds, rounded up to
	// a power of two (minimum 2). Fill, the overflow policy and drops are
	// judged against it, however many slots are allocated.
	Capacity int
	// Initial is how many slots to allocate at first, rounded up to a power
	// of two (minimum 2). 0, or a value at or above Capacity, allocates the
	// whole capacity at once and the ring never grows.
	Initial int
	// Policy is what the ring does when it holds Capacity events.
	Policy Policy
	// MultiProducer lets several goroutines produce (Claim, TryClaim,
	// Publish, Drop) at once.
	MultiProducer bool
	// Init, when set, is called on every newly allocated slot array before
	// any slot of it is used: by Make on the first array, and by the Claim
	// or TryClaim that grows the ring on each later one, on that caller's
	// goroutine. It is where slots get their inner buffers (an event's
	// Fields), which a slot then keeps from lap to lap. It must not call the
	// ring.
	Init func(slots []T)
}

// Ring is a bounded ring of T slots between one producer (or several, when
// made with MultiProducer) and one consumer.
//
// Producer-side methods (Claim, TryClaim, Slot and Segment on claimed
// positions, Publish, Drop, AddBlocked, Close) are called from the producer
// goroutine, or from any goroutine on a multi-producer ring. Consumer-side
// methods (Poll, Slot, Segment, Seq and Seqs on polled positions, Release,
// Drained) are called from one consumer goroutine. Len, Cap, Allocated,
// Policy, MultiProducer, Offered and Stats are safe from any goroutine. A
// slot may only be touched by the side that claimed or polled it, until
// Publish or Release. The zero Ring is not usable; call Make or New. A Ring
// must not be copied.
//
// # Growth
//
// A ring made with Initial below Capacity starts with Initial slots and
// grows on demand: when a claim does not fit in the allocated slots but
// would fit within Capacity, the claiming producer allocates a new array
// at least twice as large (large enough for the claim, at most Capacity)
// and continues there, without copying anything. Positions stay global:
// the new array takes over from the position of that claim, P; earlier
// positions stay in the arrays they were written to until the consumer has
// read and released them, and the consumer moves to the new array when its
// poll position reaches P (Poll never returns a range that crosses P). An
// array becomes garbage once the consumer has released every position in
// it, so a ring that grew holds one array in steady state and allocates
// nothing more. Growth happens at most log2(Capacity/Initial) times.
//
// A single producer grows the ring only from a Claim or TryClaim made when
// every earlier claim is published; with a claim outstanding it gets the
// slots that fit in the current array, as if that were the capacity. On a
// multi-producer ring one producer grows the ring while the others that
// need room wait for it (they yield the processor), and claims that fit go
// on in the current array meanwhile.
type Ring[T any] struct {
	_ [blockPad]byte

	// Read-only after Make.
	//
	// size is the capacity, the bound of every policy.
	size   uint64
	policy Policy
	multi  bool
	grows  bool
	init   func([]T)
	// slotBytes is the memory of one slot: T, its sequence number and, on
	// a multi-producer ring, its done flag.
	slotBytes int64

	// newest is the newest slot array; older ones hang from it by prev
	// until the consumer has released every position in them. It changes
	// only when the ring grows, as does allocated (the number of slots in
	// the arrays still linked), which also drops when the consumer lets an
	// old array go.
	newest    atomic.Pointer[slab[T]]
	allocated atomic.Int64

	_ [blockPad]byte

	prod producerSide[T]

	_ [blockPad]byte

	// published is the position below which every slot is published.
	// Written by the producer (the commit-turn holder when multi), read by
	// the consumer.
	published atomic.Uint64
	closed    atomic.Bool

	_ [blockPad]byte

	cons consumerSide[T]

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

// producerSide is written only by the producer side. The fields several
// producers share on a multi-producer ring come first, on one cache line;
// the single producer's private fields follow.
type producerSide[T any] struct {
	// seq is the next sequence number. Owned by the single producer, or by
	// the producer holding the commit turn.
	seq uint64
	// Multi-producer state: word is the claim cursor with the epoch of the
	// current array in its top bits (see epochShift); boundMulti the cached
	// free bound; commit the commit turn; growing the growth turn.
	word       atomic.Uint64
	boundMulti atomic.Uint64
	commit     atomic.Uint32
	growing    atomic.Bool
	// pendingDrops are sequence numbers consumed by Drop on a multi-producer
	// ring, folded into seq by the next commit.
	pendingDrops atomic.Uint64
	// dropped counts Drop calls and evictions; evicted counts evictions only.
	dropped, evicted atomic.Uint64

	// Single producer: claim is the next position to claim, limit the
	// position below which claims fit (from bound and the current array),
	// pub the next position to publish.
	claim, limit, pub uint64
	// The single producer's current array, which holds the positions from
	// start on in size slots, and a copy of its seqs and mask. Unset on a
	// multi-producer ring, where they would keep the first array alive.
	seqs  []uint64
	mask  uint64
	size  uint64
	start uint64
	slab  *slab[T]
	// bound is a cached copy of the consumer's free bound (every position
	// below it is free).
	bound uint64

	blocked atomic.Int64
}

// consumerSide is written only by the consumer. The fields every Poll and
// Release touch come first, on one cache line.
type consumerSide[T any] struct {
	head    uint64 // next position to poll (not DropOldest)
	limit   uint64 // min(last published cursor seen, next), never below head
	pollEnd uint64 // end of the last Poll
	rel     uint64 // next position to release
	// tailEnd is where the array after tail starts, or noNext when tail is
	// the current array.
	tailEnd uint64
	// mask is the current array's size minus one.
	mask     uint64
	consumed atomic.Uint64
	// batches[b] counts polls that returned a batch of [2^(b-1), 2^b)
	// events (b = bits.Len of the size): every reader of Stats can tell
	// the largest batch since its own previous read (MaxBatchSince),
	// with nothing reset.
	batches [BatchBuckets]atomic.Uint64
	// The current array (the one that holds head); next is where the
	// following array starts, or noNext while the consumer does not know
	// of one.
	slab *slab[T]
	next uint64
	// tail is the oldest array the consumer still needs: the one that
	// holds rel.
	tail *slab[T]
}

// noNext stands for "no later array known" in consumerSide.
const noNext = ^uint64(0)

// New returns a ring with at least capacity slots, all allocated here:
// capacity is rounded up to a power of two, minimum 2, and no later call
// allocates. It is Make with Initial 0 and no Init.
func New[T any](capacity int, policy Policy, multiProducer bool) *Ring[T] {
	return Make(Config[T]{Capacity: capacity, Policy: policy, MultiProducer: multiProducer})
}

// Make returns a ring as cfg describes. It panics on an unknown policy or a
// capacity above 2^40 (callers validate configuration first).
func Make[T any](cfg Config[T]) *Ring[T] {
	if cfg.Policy > DropOldest {
		panic("BUG: ring: unknown policy " + cfg.Policy.String())
	}
	if cfg.Capacity > maxCapacity {
		panic("BUG: ring: capacity too large")
	}
	size := roundSize(cfg.Capacity)
	initial := size
	if cfg.Initial > 0 {
		initial = min(roundSize(cfg.Initial), size)
	}
	var zero T
	r := &Ring[T]{
		size:      size,
		policy:    cfg.Policy,
		multi:     cfg.MultiProducer,
		grows:     initial < size,
		init:      cfg.Init,
		slotBytes: int64(unsafe.Sizeof(zero)) + 8,
	}
	if r.multi {
		r.slotBytes += 8 // done
	}
	s := r.newSlab(initial, 0, 0)
	r.newest.Store(s)
	if !r.multi { // multi-producers look arrays up (slabOf) instead
		r.prod.seqs, r.prod.mask, r.prod.size, r.prod.slab = s.seqs, s.mask, initial, s
		r.prod.limit = initial
	}
	r.cons.mask, r.cons.slab, r.cons.tail = s.mask, s, s
	r.cons.next, r.cons.tailEnd = noNext, noNext
	return r
}

// roundSize rounds a requested slot count up to a power of two, minimum 2.
func roundSize(n int) uint64 {
	if n <= 2 {
		return 2
	}
	return 1 << bits.Len64(uint64(n-1))
}

// Slot returns the slot at a position the caller claimed (producer) or
// polled (consumer). The slot keeps its previous contents: a producer
// overwrites what it needs, reusing inner slices (on a new array, what Init
// put there).
func (r *Ring[T]) Slot(pos uint64) *T {
	s := r.slabOf(pos)
	return &s.vals[pos&s.mask]
}

// Segment returns the slots [pos, pos+n) as one slice, without copying, for
// a range the caller claimed or polled. Poll never returns a range that
// wraps around the end of its slot array, so for a polled range len is n. A
// claimed range may wrap; then the slice stops at the end of the array and
// the rest starts at Segment(pos+len, n-len).
func (r *Ring[T]) Segment(pos uint64, n int) []T {
	s := r.slabOf(pos)
	i := pos & s.mask
	end := min(i+uint64(max(n, 0)), s.mask+1)
	return s.vals[i:end:end]
}

// Cap returns the capacity: the bound the policy applies, whatever is
// allocated.
func (r *Ring[T]) Cap() int { return int(r.size) }

// Allocated returns the number of slots allocated: those of the current
// array plus those of older arrays the consumer has not released yet.
// Safe from any goroutine.
func (r *Ring[T]) Allocated() int { return int(r.allocated.Load()) }

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
