package ring

import "runtime"

// A multi-producer ring's claim cursor, producerSide.word, carries the
// epoch of the array claims go to in its top bits, so that a producer's
// compare-and-swap of the cursor also checks that the array it sized its
// claim by is still current, and frozenBit while a producer installs a new
// array. Positions stay below 2^57: more than four years at a billion
// events a second.
const (
	epochShift = 58
	frozenBit  = uint64(1) << 57
	posMask    = frozenBit - 1
)

// testHookFrozen, set only by tests, runs while a multi-producer growth
// holds claims frozen, to widen that window.
var testHookFrozen func()

func wordPos(w uint64) uint64 { return w & posMask }
func wordEpoch(w uint64) int  { return int(w >> epochShift) }

// limit is the position below which a producer may claim, given a free
// bound b (every position below it is free) and the current array, which
// holds the positions from start on in size slots: a position must find its
// slot free in the array, and the ring must not hold more than its
// capacity.
func (r *Ring[T]) limit(b, start, size uint64) uint64 {
	return min(max(b, start)+size, b+r.size)
}

// growable reports whether a larger array would let more be claimed than
// the current one, which holds the positions from start on in size slots.
func (r *Ring[T]) growable(b, start, size uint64) bool {
	return size < r.size && max(b, start)+size < b+r.size
}

// nextSize is the size of the array that replaces one of size slots for a
// claim of want: twice as large, or more if the claim needs it, at most the
// capacity.
func (r *Ring[T]) nextSize(size, want uint64) uint64 {
	n := 2 * size
	for n < want && n < r.size {
		n *= 2
	}
	return min(n, r.size)
}

// growSingle gives the single producer a new array for the positions from
// c, its next claim, on; want is the claim that did not fit. Every earlier
// claim is published, so no claimed slot stays behind in the old array.
func (r *Ring[T]) growSingle(c, want uint64) {
	old := r.prod.slab
	s := r.newSlab(r.nextSize(r.prod.size, want), c, old.epoch+1)
	r.link(old, s) // before any position in s is published
	r.prod.seqs, r.prod.mask, r.prod.size, r.prod.start, r.prod.slab = s.seqs, s.mask, s.mask+1, c, s
}

// link makes s, the array that follows old, the newest.
func (r *Ring[T]) link(old, s *slab[T]) {
	s.prev.Store(old)
	old.next.Store(s)
	r.newest.Store(s)
}

// growMulti gives a multi-producer ring a new array after a claim of want
// did not fit in the array of epoch e. One producer at a time grows the
// ring; another that needs room meanwhile waits for it, so that its claim,
// too, is judged against the capacity and not against the array being
// replaced. The caller reloads the claim cursor afterwards.
func (r *Ring[T]) growMulti(e int, want uint64) {
	if !r.prod.growing.CompareAndSwap(false, true) {
		for r.prod.growing.Load() {
			runtime.Gosched()
		}
		return
	}
	old := r.newest.Load()
	if wordEpoch(r.prod.word.Load()) != e || old.epoch != e {
		r.prod.growing.Store(false) // another producer grew the ring first
		return
	}
	// Allocating (and running Init) happens before claims stop, so other
	// producers wait only for the few stores below.
	s := r.newSlab(r.nextSize(old.mask+1, want), 0, e+1)
	var w uint64
	for {
		w = r.prod.word.Load()
		if r.prod.word.CompareAndSwap(w, w|frozenBit) {
			break
		}
	}
	if testHookFrozen != nil {
		testHookFrozen()
	}
	c := wordPos(w)
	s.start = c // s is published by link
	r.link(old, s)
	r.prod.word.Store(uint64(e+1)<<epochShift | c)
	r.prod.growing.Store(false)
}
