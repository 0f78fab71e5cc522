package ring

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestMaxBatchSincePerReader: two readers each see the largest batch
// since their own previous read (to a power of two; a full-capacity batch
// exactly), and reading resets nothing for the other.
func TestMaxBatchSincePerReader(t *testing.T) {
	r := New[uint64](16, Block, false)
	var a, b [BatchBuckets]uint64 // two readers' previous snapshots
	since := func(prev *[BatchBuckets]uint64) int {
		st := r.Stats()
		m := MaxBatchSince(prev, &st.Batches, st.Capacity)
		*prev = st.Batches
		return m
	}
	publishN(r, 8, 0)
	p, n := r.Poll(3)
	r.Release(p, n)
	p, n = r.Poll(5)
	r.Release(p, n)
	if m := since(&a); m != 4 {
		t.Fatalf("reader a: max batch %d, want 4 (5 rounded down to a power of two)", m)
	}
	if m := since(&a); m != 0 {
		t.Fatalf("reader a again with no polls: %d, want 0", m)
	}
	publishN(r, 2, 8)
	p, n = r.Poll(8)
	r.Release(p, n)
	if m := since(&a); m != 2 {
		t.Fatalf("reader a: %d, want 2", m)
	}
	if m := since(&b); m != 4 {
		t.Fatalf("reader b, first read: %d, want 4 (a's reads reset nothing)", m)
	}
	full := New[uint64](16, Block, false)
	publishN(full, 16, 0)
	p, n = full.Poll(16)
	full.Release(p, n)
	var zero [BatchBuckets]uint64
	if st := full.Stats(); MaxBatchSince(&zero, &st.Batches, st.Capacity) != 16 {
		t.Fatalf("a batch of the whole capacity: %d, want 16", MaxBatchSince(&zero, &st.Batches, st.Capacity))
	}
}

func TestStatsDepthBlockedAndCounts(t *testing.T) {
	r := New[uint64](8, Block, false)
	publishN(r, 6, 0)
	p, n := r.Poll(2)
	if l := r.Len(); l != 6 {
		t.Fatalf("Len with 2 polled, unreleased = %d, want 6", l)
	}
	r.Release(p, n)
	r.AddBlocked(1500 * time.Nanosecond)
	r.AddBlocked(-time.Second) // ignored
	r.AddBlocked(500 * time.Nanosecond)
	st := r.Stats()
	want := Stats{Policy: Block, Capacity: 8, Allocated: 8, AllocatedBytes: 8 * 16, Published: 6, Consumed: 2, Depth: 4, BlockedNanos: 2000}
	want.Batches[2] = 1 // one poll of 2
	if st != want {
		t.Fatalf("Stats = %+v\nwant    %+v", st, want)
	}
}

// TestStatsWhileRunning reads Stats from a third goroutine during a
// transfer; the race detector checks that it only reads atomically.
func TestStatsWhileRunning(t *testing.T) {
	const n = 50_000
	for _, pol := range []Policy{Block, DropOldest} {
		r := New[uint64](64, pol, false)
		var stop atomic.Bool
		var wg sync.WaitGroup
		var maxSeen int
		var prev [BatchBuckets]uint64
		wg.Go(func() {
			for !stop.Load() {
				st := r.Stats()
				maxSeen = max(maxSeen, MaxBatchSince(&prev, &st.Batches, st.Capacity))
				prev = st.Batches
				if st.Depth > st.Capacity {
					t.Errorf("%v: Depth %d above capacity", pol, st.Depth)
				}
			}
		})
		go func() { produceBlocking(r, 0, n, 16); r.Close() }()
		var got int
		consume(r, 1, func(uint64, uint64) { got++ })
		stop.Store(true)
		wg.Wait()
		st := r.Stats()
		maxSeen = max(maxSeen, MaxBatchSince(&prev, &st.Batches, st.Capacity)) // batches after the reader's last read
		if pol == Block && got != n {
			t.Fatalf("%v: received %d, want %d", pol, got, n)
		}
		if maxSeen < 1 || maxSeen > 64 {
			t.Fatalf("%v: MaxBatch seen by the reader = %d, want 1..64", pol, maxSeen)
		}
	}
}

// TestOfferedCountsPublishedAndDroppedWithoutReset: Offered is published
// plus dropped and resets nothing.
func TestOfferedCountsPublishedAndDroppedWithoutReset(t *testing.T) {
	r := New[int](4, DropNewest, false)
	pos, got := r.Claim(6)
	r.Publish(pos, got)
	r.Drop(6 - got)
	if _, n := r.Poll(8); n != 4 {
		t.Fatalf("polled %d, want 4", n)
	}
	if o := r.Offered(); o != 6 {
		t.Fatalf("Offered %d, want 6", o)
	}
	var zero [BatchBuckets]uint64
	if st := r.Stats(); MaxBatchSince(&zero, &st.Batches, st.Capacity) != 4 {
		t.Fatalf("max batch %d after Offered, want 4", MaxBatchSince(&zero, &st.Batches, st.Capacity))
	}
}
