package ring

import "time"

// Claim reserves up to n slots for writing and returns the first position
// and how many were reserved; the slots are pos, pos+1, ..., pos+got-1.
//
// When the ring is full:
//   - Block: got < n, possibly 0; the producer retries later (AddBlocked
//     records how long it waited).
//   - DropNewest: got < n; the producer places what fits and calls Drop for
//     the rest.
//   - DropOldest: the oldest unread events are evicted (counted in Dropped)
//     to make room. A slot the consumer holds (between Poll and Release) is
//     never evicted, and slots are reused in position order, so while the
//     consumer holds the oldest slots no room can be made: got < n and the
//     producer calls Drop for the rest.
//
// Every claimed slot must be published, in position order (one Publish per
// Claim, or several covering it in order). Panics after Close.
func (r *Ring[T]) Claim(n int) (pos uint64, got int) {
	if r.closed.Load() {
		panic("BUG: ring: Claim after Close")
	}
	if r.multi {
		return r.claimMulti(n)
	}
	c := r.prod.claim
	if n <= 0 {
		return c, 0
	}
	want := uint64(n)
	free := r.prod.bound + r.size - c
	if free < want {
		// A fresh bound can be lower than the cached one (under DropOldest
		// the consumer's released cursor may trail an eviction), and both
		// are valid, so keep the higher.
		r.prod.bound = max(r.prod.bound, r.freeBound(c+want))
		free = r.prod.bound + r.size - c
	}
	want = min(want, free)
	r.prod.claim = c + want
	return c, int(want)
}

func (r *Ring[T]) claimMulti(n int) (uint64, int) {
	for {
		c := r.prod.claimMulti.Load()
		if n <= 0 {
			return c, 0
		}
		want := uint64(n)
		// bound is read after c and only grows, so bound+size >= c.
		bound := r.prod.boundMulti.Load()
		free := bound + r.size - c
		if free < want {
			bound = max(bound, r.freeBound(c+want))
			r.raiseBoundMulti(bound)
			free = bound + r.size - c
		}
		want = min(want, free)
		if want == 0 {
			return c, 0
		}
		if r.prod.claimMulti.CompareAndSwap(c, c+want) {
			return c, int(want)
		}
	}
}

// raiseBoundMulti stores b as the cached bound unless another producer
// already stored a higher one.
func (r *Ring[T]) raiseBoundMulti(b uint64) {
	for {
		old := r.prod.boundMulti.Load()
		if old >= b || r.prod.boundMulti.CompareAndSwap(old, b) {
			return
		}
	}
}

// freeBound returns a position below which every slot is free for the
// producer. Under DropOldest it first evicts the oldest unread events, if
// the consumer holds no slot, so that a claim ending at target fits.
func (r *Ring[T]) freeBound(target uint64) uint64 {
	if r.policy != DropOldest {
		return r.released.Load()
	}
	for {
		hw := r.head.Load()
		if hw&heldFlag != 0 {
			// The oldest slots are held: eviction cannot free them.
			return r.released.Load()
		}
		need := target - r.size // positions below need must be free
		if hw >= need {
			return hw
		}
		k := min(need-hw, r.published.Load()-hw)
		if k == 0 {
			return hw // the rest of the window is claimed, not yet published
		}
		if r.head.CompareAndSwap(hw, hw+k) {
			r.prod.evicted.Add(k)
			r.prod.dropped.Add(k)
			return hw + k
		}
	}
}

// Publish makes the n claimed slots starting at pos visible to the consumer
// and gives them the next n sequence numbers of the edge. On a
// multi-producer ring they become visible once every earlier claimed
// position is published too; Publish never waits for that.
func (r *Ring[T]) Publish(pos uint64, n int) {
	if r.closed.Load() {
		panic("BUG: ring: Publish after Close")
	}
	if n <= 0 {
		return
	}
	if r.multi {
		r.publishMulti(pos, n)
		return
	}
	end := pos + uint64(n)
	if pos != r.prod.pub || end > r.prod.claim {
		panic("BUG: ring: Publish of a range that is not the next claimed one")
	}
	r.prod.seq = r.stampSeq(pos, end, r.prod.seq)
	r.prod.pub = end
	r.published.Store(end)
}

// publishMulti marks the range done and then commits, in position order,
// every done range that follows the published cursor. Committing is
// combined: one producer at a time holds the commit turn (a try-lock) and
// commits other producers' done ranges as well as its own, so no producer
// ever waits for another. A producer that finds the turn taken leaves; the
// holder re-checks for done ranges after letting go, so none is left
// behind.
func (r *Ring[T]) publishMulti(pos uint64, n int) {
	end := pos + uint64(n)
	if end > r.prod.claimMulti.Load() || pos < r.published.Load() {
		panic("BUG: ring: Publish of a range that is not claimed and unpublished")
	}
	r.done[pos&r.mask].Store(end)
	for {
		if !r.prod.commit.CompareAndSwap(0, 1) {
			return // the holder will commit this range
		}
		cur := r.published.Load()
		seq := r.prod.seq
		for {
			// A value left from an earlier lap is at most cur.
			e := r.done[cur&r.mask].Load()
			if e <= cur {
				break
			}
			if r.prod.pendingDrops.Load() != 0 {
				seq += r.prod.pendingDrops.Swap(0)
			}
			seq = r.stampSeq(cur, e, seq)
			cur = e
			r.published.Store(cur)
		}
		r.prod.seq = seq
		r.prod.commit.Store(0)
		// A range marked done while this producer held the turn, after its
		// last look, would otherwise wait for the next Publish.
		if r.done[cur&r.mask].Load() <= cur {
			return
		}
	}
}

// stampSeq numbers the slots [pos, end) from seq and returns the next
// sequence number. It walks plain slices (at most two, at the wrap) so the
// loop has no masking or bounds checks.
func (r *Ring[T]) stampSeq(pos, end, seq uint64) uint64 {
	for pos != end {
		i := pos & r.mask
		s := r.seqs[i:min(i+(end-pos), r.size)]
		for k := range s {
			s[k] = seq + uint64(k)
		}
		seq += uint64(len(s))
		pos += uint64(len(s))
	}
	return seq
}

// Drop counts n events the producer discarded. They consume sequence
// numbers, so the consumer sees a gap before the next published event.
func (r *Ring[T]) Drop(n int) {
	if n <= 0 {
		return
	}
	if r.multi {
		r.prod.pendingDrops.Add(uint64(n))
	} else {
		r.prod.seq += uint64(n)
	}
	r.prod.dropped.Add(uint64(n))
}

// AddBlocked adds time the producer spent unable to publish because the
// ring was full (Block policy); Stats reports the total.
func (r *Ring[T]) AddBlocked(d time.Duration) {
	if d > 0 {
		r.prod.blocked.Add(int64(d))
	}
}
