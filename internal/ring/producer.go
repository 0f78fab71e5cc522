package ring

import (
	"runtime"
	"time"
)

// Claim reserves up to n slots for writing and returns the first position
// and how many were reserved; the slots are pos, pos+1, ..., pos+got-1.
// On a ring that can grow, a claim that does not fit in the allocated
// slots but fits within the capacity grows the ring (see Ring) and gets
// all n.
//
// When the ring holds its capacity:
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
		return r.claimMulti(n, false)
	}
	c := r.prod.claim
	if n <= 0 {
		return c, 0
	}
	want := uint64(n)
	if r.prod.limit-c < want {
		r.makeRoom(c, c+want, false)
	}
	want = min(want, r.prod.limit-c)
	r.prod.claim = c + want
	return c, int(want)
}

// TryClaim reserves exactly n slots, or none: ok is false, and nothing is
// claimed, evicted or dropped, when the ring cannot take all n now (n above
// Cap never fits). It grows the ring like Claim and, under DropOldest,
// evicts the oldest unread events only when that makes room for all n.
// n <= 0 claims nothing and reports ok. A successful claim must be
// published like Claim's. Panics after Close.
func (r *Ring[T]) TryClaim(n int) (pos uint64, ok bool) {
	if r.closed.Load() {
		panic("BUG: ring: TryClaim after Close")
	}
	if r.multi {
		if n > r.Cap() {
			return wordPos(r.prod.word.Load()), false
		}
		pos, got := r.claimMulti(n, true)
		return pos, n <= 0 || got == n
	}
	c := r.prod.claim
	if n <= 0 {
		return c, true
	}
	want := uint64(n)
	if want > r.size {
		return c, false
	}
	if r.prod.limit-c < want {
		r.makeRoom(c, c+want, true)
		if r.prod.limit-c < want {
			return c, false
		}
	}
	r.prod.claim = c + want
	return c, true
}

// makeRoom recomputes the single producer's claim limit for a claim from c
// up to target: it reloads the consumer's free bound, grows the ring when
// that lets more be claimed, and under DropOldest evicts (all: only if the
// whole claim then fits).
func (r *Ring[T]) makeRoom(c, target uint64, all bool) {
	// A fresh bound can be lower than the cached one (under DropOldest the
	// consumer's released cursor may trail an eviction), and both are
	// valid, so keep the higher.
	b := max(r.prod.bound, r.freeBound())
	lim := r.limit(b, r.prod.start, r.prod.size)
	if lim < target && c == r.prod.pub && r.growable(b, r.prod.start, r.prod.size) {
		r.growSingle(c, target-c)
		lim = r.limit(b, r.prod.start, r.prod.size)
	}
	if lim < target && r.policy == DropOldest {
		b = max(b, r.evict(target, all))
		lim = r.limit(b, r.prod.start, r.prod.size)
	}
	r.prod.bound, r.prod.limit = b, lim
}

func (r *Ring[T]) claimMulti(n int, all bool) (uint64, int) {
	for {
		w := r.prod.word.Load()
		c := wordPos(w)
		if n <= 0 {
			return c, 0
		}
		want := uint64(n)
		// bound is read after c and only grows, so the limit is >= c.
		lim := r.prod.boundMulti.Load() + r.size
		if r.grows || lim-c < want {
			var retry bool
			if lim, retry = r.makeRoomMulti(w, c+want, all); retry {
				continue
			}
		}
		free := lim - c
		if free < want {
			if all {
				return c, 0
			}
			want = free
			if want == 0 {
				return c, 0
			}
		}
		if r.prod.word.CompareAndSwap(w, w+want) {
			return c, int(want)
		}
	}
}

// makeRoomMulti returns the claim limit for a multi-producer claim from the
// cursor word w up to target, making room as makeRoom does; retry reports
// that w is stale (the ring grew, or is growing) and the claim must start
// over.
func (r *Ring[T]) makeRoomMulti(w, target uint64, all bool) (lim uint64, retry bool) {
	start, size := uint64(0), r.size
	if r.grows {
		if w&frozenBit != 0 {
			runtime.Gosched() // another producer is installing a new array
			return 0, true
		}
		s := r.newest.Load()
		if s.epoch != wordEpoch(w) {
			return 0, true // the ring grew since w was read
		}
		start, size = s.start, s.mask+1
	}
	bound := r.prod.boundMulti.Load()
	if lim = r.limit(bound, start, size); lim >= target {
		return lim, false
	}
	bound = max(bound, r.freeBound())
	r.raiseBoundMulti(bound)
	lim = r.limit(bound, start, size)
	if lim < target && r.growable(bound, start, size) {
		r.growMulti(wordEpoch(w), target-wordPos(w))
		return 0, true
	}
	if lim < target && r.policy == DropOldest {
		bound = max(bound, r.evict(target, all))
		r.raiseBoundMulti(bound)
		lim = r.limit(bound, start, size)
	}
	return lim, false
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
// producer, without evicting: the consumer's released cursor, or under
// DropOldest, while the consumer holds nothing, the poll position.
func (r *Ring[T]) freeBound() uint64 {
	if r.policy == DropOldest {
		if hw := r.head.Load(); hw&heldFlag == 0 {
			return hw
		}
	}
	return r.released.Load()
}

// evict (DropOldest) evicts the oldest unread events, if the consumer holds
// no slot, so that a claim ending at target keeps the ring within its
// capacity, and returns the new free bound. With all it evicts only if that
// makes room for the whole claim.
func (r *Ring[T]) evict(target uint64, all bool) uint64 {
	need := target - min(target, r.size) // positions below need must be free
	for {
		hw := r.head.Load()
		if hw&heldFlag != 0 {
			// The oldest slots are held: eviction cannot free them.
			return r.released.Load()
		}
		if hw >= need {
			return hw
		}
		k := min(need-hw, r.published.Load()-hw)
		if k == 0 || (all && k < need-hw) {
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
	r.prod.seq = stampSeq(r.prod.seqs, r.prod.mask, pos, end, r.prod.seq)
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
	if end > wordPos(r.prod.word.Load()) || pos < r.published.Load() {
		panic("BUG: ring: Publish of a range that is not claimed and unpublished")
	}
	s := r.slabOf(pos)
	s.done[pos&s.mask].Store(end)
	for {
		if !r.prod.commit.CompareAndSwap(0, 1) {
			return // the holder will commit this range
		}
		cur := r.published.Load()
		seq := r.prod.seq
		if r.grows {
			s = r.slabOf(cur)
		}
		for {
			// A value left from an earlier lap, or from an array that no
			// longer holds cur, is at most cur.
			e := s.done[cur&s.mask].Load()
			if e <= cur {
				if r.grows {
					if next := r.slabOf(cur); next != s {
						s = next // cur is the first position of a newer array
						continue
					}
				}
				break
			}
			if r.prod.pendingDrops.Load() != 0 {
				seq += r.prod.pendingDrops.Swap(0)
			}
			seq = stampSeq(s.seqs, s.mask, cur, e, seq)
			cur = e
			r.published.Store(cur)
		}
		r.prod.seq = seq
		r.prod.commit.Store(0)
		// A range marked done while this producer held the turn, after its
		// last look, would otherwise wait for the next Publish. (Once the
		// turn is let go, cur may be committed and its array gone: nil.)
		if r.grows {
			if s = r.slabAt(cur); s == nil {
				return
			}
		}
		if s.done[cur&s.mask].Load() <= cur {
			return
		}
	}
}

// stampSeq numbers the slots [pos, end) of the array whose sequence numbers
// are seqs from seq and returns the next sequence number. It walks plain
// slices (at most two, at the wrap) so the loop has no masking or bounds
// checks.
func stampSeq(seqs []uint64, mask, pos, end, seq uint64) uint64 {
	for pos != end {
		i := pos & mask
		s := seqs[i:min(i+(end-pos), mask+1)]
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
