package ops

// recency orders a keyed operator's entries (ids, small ints the operator
// reuses) by their last update, for evict_oldest (the least recently
// updated entry) and ttl (entries not updated for a while).
//
// An update appends (id, sequence number, time) to a FIFO and notes the
// sequence number as the id's stamp; nothing else is touched, so the cost
// per update is one sequential write whatever the number of entries. An
// entry older than its id's stamp is stale and skipped when it reaches the
// front. The FIFO is compacted in place, dropping consumed and stale
// entries, when it is full and at least half of it can go, so its length
// stays within about twice the ids held and steady-state use does not
// allocate.
//
// The zero value is empty. It is owned by one operator.
type recency struct {
	seq    uint64
	stamps []uint64 // by id: the seq of its last update; 0 when not held
	q      []touch
	head   int // q[head:] is pending
	live   int // ids held
}

// touch is one update of an entry: its id, its sequence number and the
// time it was made (unix nanoseconds of processing time; 0 when the
// operator has no ttl).
type touch struct {
	at  int64
	seq uint64
	id  int32
}

// update records that id was updated at time at.
func (r *recency) update(id int32, at int64) {
	r.seq++
	if int(id) >= len(r.stamps) {
		r.growStamps(id)
	}
	if r.stamps[id] == 0 {
		r.live++
	} else if n := len(r.q); n > r.head && r.q[n-1].id == id {
		// The newest entry is this id's: move it forward in place.
		r.q[n-1] = touch{at: at, seq: r.seq, id: id}
		r.stamps[id] = r.seq
		return
	}
	r.stamps[id] = r.seq
	if n := len(r.q); n == cap(r.q) && n-r.live >= n/2 {
		// At least half of q is consumed or stale: reclaim it rather than grow.
		r.compact()
	}
	r.q = append(r.q, touch{at: at, seq: r.seq, id: id})
}

//go:noinline
func (r *recency) growStamps(id int32) {
	r.stamps = append(r.stamps, make([]uint64, int(id)+1-len(r.stamps)+len(r.stamps)/2)...)
}

// forget drops id: the operator no longer holds it.
func (r *recency) forget(id int32) {
	if int(id) < len(r.stamps) && r.stamps[id] != 0 {
		r.stamps[id] = 0
		r.live--
	}
}

// oldest returns the least recently updated id held and the time of its
// last update, without removing it; ok is false when none is held.
func (r *recency) oldest() (id int32, at int64, ok bool) {
	for r.head < len(r.q) {
		x := r.q[r.head]
		if r.stamps[x.id] == x.seq {
			return x.id, x.at, true
		}
		r.head++
	}
	r.q, r.head = r.q[:0], 0
	return 0, 0, false
}

// compact moves the live entries to the front of q, in order.
func (r *recency) compact() {
	n := 0
	for _, x := range r.q[r.head:] {
		if r.stamps[x.id] == x.seq {
			r.q[n] = x
			n++
		}
	}
	r.q, r.head = r.q[:n], 0
}

// appendOrder appends the number of ids held and each id with the time of
// its last update, least recently updated first. Restoring them with update
// in that order gives a recency that orders them alike.
func (r *recency) appendOrder(b []byte) []byte {
	b = appendUvarint(b, uint64(r.live))
	n := 0
	for _, x := range r.q[r.head:] {
		if r.stamps[x.id] == x.seq {
			b = appendUvarint(b, uint64(x.id))
			b = appendVarint(b, x.at)
			n++
		}
	}
	if n != r.live {
		panic("BUG: recency holds a different number of ids than its FIFO")
	}
	return b
}
