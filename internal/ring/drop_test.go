package ring

import (
	"testing"
)

func TestDropNewestCountsAndGaps(t *testing.T) {
	for _, multi := range []bool{false, true} {
		r := New[uint64](4, DropNewest, multi)
		// Offer 6 events: 4 fit, 2 are dropped.
		if got := publishN(r, 6, 0); got != 4 {
			t.Fatalf("multi=%v: claim of 6 on 4 free got %d", multi, got)
		}
		r.Drop(2)
		// Offer 1 more on a full ring: dropped.
		if got := publishN(r, 1, 6); got != 0 {
			t.Fatalf("multi=%v: claim on full ring got %d", multi, got)
		}
		r.Drop(1)
		vals, seqs := pollAll(r)
		if want := []uint64{0, 1, 2, 3}; !equalU64(vals, want) || !equalU64(seqs, want) {
			t.Fatalf("multi=%v: read %v seqs %v", multi, vals, seqs)
		}
		// The next events follow the 3 dropped sequence numbers 4, 5, 6.
		publishN(r, 2, 7)
		vals, seqs = pollAll(r)
		if !equalU64(vals, []uint64{7, 8}) || !equalU64(seqs, []uint64{7, 8}) {
			t.Fatalf("multi=%v: after drops read %v seqs %v, want seqs [7 8]", multi, vals, seqs)
		}
		st := r.Stats()
		if st.Published != 6 || st.Dropped != 3 || st.Consumed != 6 || st.Depth != 0 {
			t.Fatalf("multi=%v: stats %+v", multi, st)
		}
	}
}

func TestDropOldestEvictsOldestUnread(t *testing.T) {
	for _, multi := range []bool{false, true} {
		r := New[uint64](4, DropOldest, multi)
		publishN(r, 4, 0) // seqs 0..3 fill the ring
		// Two more evict seqs 0 and 1.
		if got := publishN(r, 2, 4); got != 2 {
			t.Fatalf("multi=%v: claim of 2 on a full drop_oldest ring got %d", multi, got)
		}
		if st := r.Stats(); st.Dropped != 2 || st.Evicted != 2 || st.Published != 4 || st.Depth != 4 {
			t.Fatalf("multi=%v: after eviction stats %+v", multi, st)
		}
		// The consumer holds seq 2 (the oldest slot): nothing can be evicted,
		// so the producer drops the new event instead (seq 6).
		pos, n := r.Poll(1)
		if n != 1 || r.Seq(pos) != 2 || *r.Slot(pos) != 2 {
			t.Fatalf("multi=%v: Poll(1) = seq %d value %d n %d, want seq 2", multi, r.Seq(pos), *r.Slot(pos), n)
		}
		if got := publishN(r, 1, 6); got != 0 {
			t.Fatalf("multi=%v: claim while the oldest slot is held got %d", multi, got)
		}
		r.Drop(1)
		r.Release(pos, n)
		// The released slot makes room for the next event (seq 7) without
		// evicting; one more (seq 8) evicts seq 3, now the oldest unread.
		if got := publishN(r, 1, 7); got != 1 {
			t.Fatalf("multi=%v: claim after release got %d", multi, got)
		}
		if d := r.Stats().Dropped; d != 3 {
			t.Fatalf("multi=%v: claim into a released slot evicted: Dropped = %d, want 3", multi, d)
		}
		if got := publishN(r, 1, 8); got != 1 {
			t.Fatalf("multi=%v: claim needing an eviction got %d", multi, got)
		}
		vals, seqs := pollAll(r)
		if !equalU64(vals, []uint64{4, 5, 7, 8}) || !equalU64(seqs, []uint64{4, 5, 7, 8}) {
			t.Fatalf("multi=%v: read %v seqs %v, want [4 5 7 8]", multi, vals, seqs)
		}
		st := r.Stats()
		if st.Dropped != 4 || st.Evicted != 3 || st.Published != 5 || st.Consumed != 5 || st.Depth != 0 {
			t.Fatalf("multi=%v: final stats %+v", multi, st)
		}
	}
}

func TestDropOldestEvictsOnlyWhatIsNeeded(t *testing.T) {
	r := New[uint64](8, DropOldest, false)
	publishN(r, 6, 0)
	if got := publishN(r, 4, 6); got != 4 { // 2 free, 2 evicted
		t.Fatalf("claim got %d, want 4", got)
	}
	_, seqs := pollAll(r)
	if !equalU64(seqs, []uint64{2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Fatalf("seqs %v, want 2..9", seqs)
	}
	if d := r.Stats().Dropped; d != 2 {
		t.Fatalf("Dropped = %d, want 2", d)
	}
}

func TestDropOldestCannotEvictClaimedUnpublished(t *testing.T) {
	r := New[uint64](4, DropOldest, false)
	publishN(r, 2, 0)
	pos, got := r.Claim(2) // claimed, not yet published
	if got != 2 {
		t.Fatalf("claim got %d", got)
	}
	// Only the 2 published events can be evicted.
	pos2, more := r.Claim(3)
	if more != 2 {
		t.Fatalf("claim needing 3 evictions got %d, want 2", more)
	}
	if d := r.Stats().Dropped; d != 2 {
		t.Fatalf("Dropped = %d, want 2", d)
	}
	r.Publish(pos, got)
	r.Publish(pos2, more)
	_, seqs := pollAll(r)
	if !equalU64(seqs, []uint64{2, 3, 4, 5}) {
		t.Fatalf("seqs %v, want [2 3 4 5]", seqs)
	}
}
