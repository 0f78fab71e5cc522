package ring

import (
	"testing"
)

func TestCapacityRoundsUpToPowerOfTwo(t *testing.T) {
	for _, c := range []struct{ in, want int }{
		{-5, 2}, {0, 2}, {1, 2}, {2, 2}, {3, 4}, {4, 4}, {5, 8}, {1000, 1024}, {4096, 4096}, {4097, 8192},
	} {
		if got := New[uint64](c.in, Block, false).Cap(); got != c.want {
			t.Errorf("New(%d).Cap() = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestNewRejectsUnknownPolicy(t *testing.T) {
	mustPanic(t, "New with policy 7", func() { New[int](4, Policy(7), false) })
}

func TestBlockClaimsNoMoreThanFree(t *testing.T) {
	for _, multi := range []bool{false, true} {
		r := New[uint64](4, Block, multi)
		if got := publishN(r, 3, 0); got != 3 {
			t.Fatalf("multi=%v: first claim got %d, want 3", multi, got)
		}
		if got := publishN(r, 5, 3); got != 1 {
			t.Fatalf("multi=%v: claim on 1 free slot got %d, want 1", multi, got)
		}
		if _, got := r.Claim(1); got != 0 {
			t.Fatalf("multi=%v: claim on full ring got %d, want 0", multi, got)
		}
		pos, n := r.Poll(2)
		if pos != 0 || n != 2 {
			t.Fatalf("multi=%v: Poll(2) = %d, %d; want 0, 2", multi, pos, n)
		}
		// Polled but unreleased slots stay unavailable to the producer.
		if _, got := r.Claim(1); got != 0 {
			t.Fatalf("multi=%v: claim while consumer holds everything got %d", multi, got)
		}
		r.Release(pos, n)
		if got := publishN(r, 3, 4); got != 2 {
			t.Fatalf("multi=%v: claim after releasing 2 got %d, want 2", multi, got)
		}
		vals, seqs := pollAll(r)
		if want := []uint64{2, 3, 4, 5}; !equalU64(vals, want) || !equalU64(seqs, want) {
			t.Fatalf("multi=%v: read %v seqs %v, want %v", multi, vals, seqs, want)
		}
	}
}

func TestSlotsKeepContentsBetweenLaps(t *testing.T) {
	r := New[[]int](2, Block, false)
	for lap := range 3 {
		pos, got := r.Claim(2)
		if got != 2 {
			t.Fatalf("lap %d: claim got %d", lap, got)
		}
		for i := range got {
			s := r.Slot(pos + uint64(i))
			if lap > 0 && cap(*s) == 0 {
				t.Fatalf("lap %d: slot %d lost its backing array", lap, i)
			}
			*s = append((*s)[:0], lap, i)
		}
		r.Publish(pos, got)
		p, n := r.Poll(2)
		if n != 2 || (*r.Slot(p))[0] != lap {
			t.Fatalf("lap %d: poll got %d events, first %v", lap, n, *r.Slot(p))
		}
		r.Release(p, n)
	}
}

func TestPollReturnsNothingWhenEmptyAndRespectsMax(t *testing.T) {
	r := New[uint64](8, Block, false)
	if _, n := r.Poll(4); n != 0 {
		t.Fatalf("Poll on empty ring returned %d", n)
	}
	publishN(r, 5, 0)
	if _, n := r.Poll(0); n != 0 {
		t.Fatalf("Poll(0) returned %d", n)
	}
	pos, n := r.Poll(3)
	if pos != 0 || n != 3 {
		t.Fatalf("Poll(3) = %d, %d", pos, n)
	}
	// A second poll before releasing continues where the first stopped.
	pos2, n2 := r.Poll(3)
	if pos2 != 3 || n2 != 2 {
		t.Fatalf("second Poll(3) = %d, %d; want 3, 2", pos2, n2)
	}
	// Partial release in order.
	r.Release(pos, 1)
	if l := r.Len(); l != 4 {
		t.Fatalf("Len after releasing 1 of 5 = %d", l)
	}
	r.Release(pos+1, 4)
	if l := r.Len(); l != 0 {
		t.Fatalf("Len after releasing all = %d", l)
	}
}

func TestMisuseIsABug(t *testing.T) {
	r := New[uint64](4, Block, false)
	pos, got := r.Claim(2)
	mustPanic(t, "Publish beyond the claim", func() { r.Publish(pos, got+1) })
	mustPanic(t, "Publish not at the next position", func() { r.Publish(pos+1, 1) })
	r.Publish(pos, got)
	p, n := r.Poll(2)
	mustPanic(t, "Release out of order", func() { r.Release(p+1, 1) })
	mustPanic(t, "Release beyond the poll", func() { r.Release(p, n+1) })
	r.Release(p, n)
}

func TestCloseAndDrained(t *testing.T) {
	for _, pol := range []Policy{Block, DropNewest, DropOldest} {
		for _, multi := range []bool{false, true} {
			r := New[uint64](4, pol, multi)
			publishN(r, 3, 0)
			if r.Drained() {
				t.Fatalf("%v multi=%v: Drained before Close", pol, multi)
			}
			r.Close()
			r.Close() // idempotent
			if r.Drained() {
				t.Fatalf("%v multi=%v: Drained with 3 unread events", pol, multi)
			}
			pos, n := r.Poll(8)
			if r.Drained() {
				t.Fatalf("%v multi=%v: Drained while events are polled but not released", pol, multi)
			}
			r.Release(pos, n)
			if !r.Drained() {
				t.Fatalf("%v multi=%v: not Drained after releasing everything", pol, multi)
			}
			if !r.Stats().Closed {
				t.Fatalf("%v multi=%v: Stats.Closed false after Close", pol, multi)
			}
			mustPanic(t, "Claim after Close", func() { r.Claim(1) })
			mustPanic(t, "Publish after Close", func() { r.Publish(pos+3, 1) })
		}
	}
}

func TestDrainedAfterEviction(t *testing.T) {
	r := New[uint64](2, DropOldest, false)
	publishN(r, 2, 0)
	publishN(r, 2, 2) // evicts 0 and 1
	r.Close()
	vals, _ := pollAll(r)
	if !equalU64(vals, []uint64{2, 3}) {
		t.Fatalf("read %v, want [2 3]", vals)
	}
	if !r.Drained() {
		t.Fatal("not Drained after reading every surviving event")
	}
}

func TestPollStopsAtTheEndOfTheArrayAndSegmentIsTheBatch(t *testing.T) {
	for _, pol := range []Policy{Block, DropOldest} {
		r := New[uint64](8, pol, false)
		publishN(r, 6, 0)
		pollAll(r)
		// Positions 6..11 wrap: slots 6, 7, then 0..3.
		if got := publishN(r, 6, 6); got != 6 {
			t.Fatalf("%v: claim across the end got %d", pol, got)
		}
		pos, n := r.Poll(100)
		if pos != 6 || n != 2 {
			t.Fatalf("%v: Poll across the end = %d, %d; want 6, 2", pol, pos, n)
		}
		seg := r.Segment(pos, n)
		if len(seg) != 2 || seg[0] != 6 || seg[1] != 7 || &seg[0] != r.Slot(pos) {
			t.Fatalf("%v: Segment(6, 2) = %v, not the slots", pol, seg)
		}
		r.Release(pos, n)
		pos, n = r.Poll(100)
		if seg := r.Segment(pos, n); pos != 8 || n != 4 || len(seg) != 4 || seg[0] != 8 || seg[3] != 11 {
			t.Fatalf("%v: Poll after the end = %d, %d, segment %v", pol, pos, n, seg)
		}
		r.Release(pos, n)
		// A claimed range may wrap: Segment stops at the end of the array.
		cpos, got := r.Claim(4) // positions 12..15: slots 4..7
		if seg := r.Segment(cpos, got); len(seg) != 4 {
			t.Fatalf("%v: Segment of an unwrapped claim has len %d", pol, len(seg))
		}
		r.Publish(cpos, got)
		pollAll(r)
		cpos, got = r.Claim(4) // positions 16..19: slots 0..3
		r.Publish(cpos, got)
		pollAll(r)
		cpos, got = r.Claim(6) // positions 20..25: slots 4..7, 0..1
		if first := r.Segment(cpos, got); len(first) != 4 || len(r.Segment(cpos+4, got-4)) != 2 {
			t.Fatalf("%v: wrapped claim segments have len %d and %d", pol, len(first), len(r.Segment(cpos+4, got-4)))
		}
		r.Publish(cpos, got)
	}
}
