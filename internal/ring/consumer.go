package ring

import "math/bits"

// Poll returns up to max published events starting at pos, in publish
// order; n == 0 when there are none. The range never wraps around the end of
// the slot array, nor crosses into a newer array of a ring that grew (a
// batch stops there and the next Poll continues), so Segment(pos, n) is
// the whole batch. The consumer holds the slots [pos, pos+n) until it
// releases them and may poll again before releasing. Consumer side.
func (r *Ring[T]) Poll(max int) (pos uint64, n int) {
	if r.policy == DropOldest {
		return r.pollOldest(max)
	}
	h := r.cons.head
	if max <= 0 {
		return h, 0
	}
	avail := r.cons.limit - h
	if avail == 0 {
		avail = r.pollLimit(h) - h
		if avail == 0 {
			return h, 0
		}
	}
	k := min(uint64(max), avail, r.cons.mask+1-(h&r.cons.mask))
	r.cons.head = h + k
	r.cons.pollEnd = h + k
	r.noteBatch(k)
	return h, int(k)
}

// pollLimit reloads the published cursor, moves to the array holding h and
// returns the position up to which the consumer may poll from h: the
// published cursor, or the start of a newer array if that comes first.
func (r *Ring[T]) pollLimit(h uint64) uint64 {
	pub := r.published.Load()
	r.follow(h) // after the load: see follow
	r.cons.limit = min(pub, r.cons.next)
	return r.cons.limit
}

// pollOldest competes with producers' eviction for the head position.
func (r *Ring[T]) pollOldest(max int) (uint64, int) {
	for {
		hw := r.head.Load()
		h := hw &^ heldFlag
		if max <= 0 {
			return h, 0
		}
		// Eviction may have moved h past the limit, even into a newer array.
		if r.cons.limit <= h && r.pollLimit(h) <= h {
			return h, 0
		}
		k := min(uint64(max), r.cons.limit-h, r.cons.mask+1-(h&r.cons.mask))
		if r.cons.rel == r.cons.pollEnd && r.cons.rel != h {
			// Holding nothing, and producers evicted past the last release.
			// Every position below h is free, so released may say so before
			// the CAS; producers read it only once heldFlag is set, and then
			// it is exactly where the held slots start.
			r.cons.rel = h
			r.cons.pollEnd = h
			r.released.Store(h)
			r.retire()
		}
		if !r.head.CompareAndSwap(hw, (h+k)|heldFlag) {
			continue // a producer evicted: skip past the evicted events
		}
		r.cons.pollEnd = h + k
		r.noteBatch(k)
		return h, int(k)
	}
}

func (r *Ring[T]) noteBatch(k uint64) {
	r.cons.batches[bits.Len64(k)].Add(1)
}

// Release frees the n polled slots starting at pos for the producer.
// Releases are in poll order and may be partial (a prefix of what was
// polled). Releasing the last position of an older array of a ring that
// grew lets that array go. Consumer side.
func (r *Ring[T]) Release(pos uint64, n int) {
	if n <= 0 {
		return
	}
	end := pos + uint64(n)
	if pos != r.cons.rel || end > r.cons.pollEnd {
		panic("BUG: ring: Release of a range that is not the next polled one")
	}
	r.cons.rel = end
	r.released.Store(end)
	r.cons.consumed.Store(r.cons.consumed.Load() + uint64(n))
	if end >= r.cons.tailEnd {
		r.retire()
	}
	if r.policy == DropOldest && end == r.cons.pollEnd {
		r.head.And(^heldFlag)
	}
}

// Seq returns the edge sequence number of the event at a polled position.
// Consumer side.
func (r *Ring[T]) Seq(pos uint64) uint64 {
	s := r.slabOf(pos)
	return s.seqs[pos&s.mask]
}

// Seqs returns the edge sequence numbers of the polled slots [pos, pos+n)
// as one slice, without copying: Seqs(pos, n)[i] is Seq(pos+i), and for a
// range one Poll returned it lines up with Segment(pos, n). Consumer side;
// the slice is valid until the range is released.
func (r *Ring[T]) Seqs(pos uint64, n int) []uint64 {
	s := r.slabOf(pos)
	i := pos & s.mask
	end := min(i+uint64(max(n, 0)), s.mask+1)
	return s.seqs[i:end:end]
}
