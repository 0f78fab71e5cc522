package ring

import "sync/atomic"

// slab is one allocated slot array. The positions from start up to the
// next slab's start map into it, position p at index p&mask. Its fields are
// set before it is published (stored in Ring.newest and in the previous
// slab's next) and immutable after, apart from the slots, which belong to
// whichever side owns them, and prev, which the consumer clears.
type slab[T any] struct {
	vals []T
	// seqs[i] is the sequence number of the event in vals[i].
	seqs  []uint64
	mask  uint64
	start uint64
	epoch int
	// done[i] is, on a multi-producer ring, the end of a published range
	// that starts at the position with index i, awaiting commit.
	done []atomic.Uint64
	// prev is the slab before this one, until the consumer has released
	// every position in it and clears the link so that it can be
	// collected. next is the slab after this one, once allocated.
	prev, next atomic.Pointer[slab[T]]
}

// newSlab allocates an array of size slots for positions from start on and
// runs Init on it.
func (r *Ring[T]) newSlab(size, start uint64, epoch int) *slab[T] {
	s := &slab[T]{
		vals:  make([]T, size),
		seqs:  make([]uint64, size),
		mask:  size - 1,
		start: start,
		epoch: epoch,
	}
	if r.multi {
		s.done = make([]atomic.Uint64, size)
	}
	if r.init != nil {
		r.init(s.vals)
	}
	r.allocated.Add(int64(size))
	return s
}

// slabOf returns the array that holds pos, a position the caller owns
// (claimed and unpublished, or polled and unreleased): the newest array, or
// an older one found through prev. Owned positions are never below the
// released cursor, so the walk never meets a cleared link.
func (r *Ring[T]) slabOf(pos uint64) *slab[T] {
	s := r.newest.Load()
	for pos < s.start {
		s = s.prev.Load()
	}
	return s
}

// slabAt is slabOf for the multi-producer commit, which may look up a
// position it no longer owns: nil if that position's array is gone.
func (r *Ring[T]) slabAt(pos uint64) *slab[T] {
	s := r.newest.Load()
	for s != nil && pos < s.start {
		s = s.prev.Load()
	}
	return s
}

// follow moves the consumer to the array holding position h, which it is
// about to poll, learning of newer arrays through next. It must run after
// the load of the published cursor that the coming poll relies on: a
// producer links a new array before it publishes any position in it, so an
// array not found here holds no position below that cursor. Consumer side.
func (r *Ring[T]) follow(h uint64) {
	if !r.grows {
		return
	}
	for {
		if r.cons.next == noNext {
			s := r.cons.slab.next.Load()
			if s == nil {
				return
			}
			r.cons.next = s.start
		}
		if h < r.cons.next {
			return
		}
		s := r.cons.slab.next.Load()
		r.cons.slab, r.cons.mask, r.cons.next = s, s.mask, noNext
		if r.cons.tailEnd == noNext {
			r.cons.tailEnd = s.start
		}
		r.retire()
	}
}

// retire lets go of the arrays below the consumer's current one in which
// it holds nothing: every position in them is released. Consumer side.
func (r *Ring[T]) retire() {
	for r.cons.tail != r.cons.slab && r.cons.rel >= r.cons.tailEnd {
		old := r.cons.tail
		s := old.next.Load()
		s.prev.Store(nil) // nothing refers to old any more
		r.allocated.Add(-int64(old.mask + 1))
		r.cons.tail = s
		r.cons.tailEnd = noNext
		if s != r.cons.slab {
			r.cons.tailEnd = s.next.Load().start
		}
	}
}
