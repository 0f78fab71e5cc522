package ring

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
	"weak"
)

// growing returns a ring that starts with 2 slots and grows up to capacity.
func growing(capacity int, pol Policy, multi bool) *Ring[uint64] {
	return Make(Config[uint64]{Capacity: capacity, Initial: 2, Policy: pol, MultiProducer: multi})
}

func TestMakeRoundsInitialAndAllocatesOnlyIt(t *testing.T) {
	for _, c := range []struct{ capacity, initial, cap, alloc int }{
		{4096, 64, 4096, 64}, {4096, 50, 4096, 64}, {4096, 0, 4096, 4096}, {4096, -3, 4096, 4096},
		{4096, 4096, 4096, 4096}, {4096, 9000, 4096, 4096}, {100, 1, 128, 2}, {0, 0, 2, 2},
	} {
		r := Make(Config[uint64]{Capacity: c.capacity, Initial: c.initial})
		if r.Cap() != c.cap || r.Allocated() != c.alloc || r.Stats().Allocated != c.alloc {
			t.Errorf("Make(capacity %d, initial %d): Cap %d, Allocated %d; want %d, %d",
				c.capacity, c.initial, r.Cap(), r.Allocated(), c.cap, c.alloc)
		}
	}
	mustPanic(t, "Make with policy 7", func() { Make(Config[int]{Capacity: 4, Policy: Policy(7)}) })
}

// TestGrowthDoublesOnDemandAndPolicyJudgesCapacity fills a ring that
// starts with 2 slots without reading it: it grows by doubling as claims
// need, and the policy applies only once it holds its capacity.
func TestGrowthDoublesOnDemandAndPolicyJudgesCapacity(t *testing.T) {
	for _, pol := range []Policy{Block, DropNewest, DropOldest} {
		for _, multi := range []bool{false, true} {
			name := fmt.Sprintf("%v multi=%v", pol, multi)
			r := growing(16, pol, multi)
			var allocs []int
			for v := uint64(0); v < 16; v++ {
				if got := publishN(r, 1, v); got != 1 {
					t.Fatalf("%s: event %d not accepted below capacity", name, v)
				}
				allocs = append(allocs, r.Allocated())
			}
			want := []int{2, 2, 6, 6, 6, 6, 14, 14, 14, 14, 14, 14, 14, 14, 30, 30}
			if fmt.Sprint(allocs) != fmt.Sprint(want) {
				t.Fatalf("%s: allocated after each event %v, want %v (2, then 4, 8, 16 beside the older arrays)", name, allocs, want)
			}
			st := r.Stats()
			if st.Depth != 16 || st.Dropped != 0 || st.Capacity != 16 {
				t.Fatalf("%s: full ring stats %+v", name, st)
			}
			// The ring holds its capacity: now the policy applies.
			got := publishN(r, 3, 16)
			switch pol {
			case Block, DropNewest:
				if got != 0 {
					t.Fatalf("%s: claim on a ring holding its capacity got %d", name, got)
				}
				r.Drop(3)
			case DropOldest:
				if got != 3 || r.Stats().Evicted != 3 {
					t.Fatalf("%s: claim on a full drop_oldest ring got %d, stats %+v", name, got, r.Stats())
				}
			}
			vals, seqs := pollAll(r)
			first := uint64(0)
			if pol == DropOldest {
				first = 3
			}
			for i := range vals {
				if vals[i] != first+uint64(i) || seqs[i] != first+uint64(i) {
					t.Fatalf("%s: read %v seqs %v", name, vals, seqs)
				}
			}
			if len(vals) != 16 {
				t.Fatalf("%s: read %d events, want 16", name, len(vals))
			}
			if a := r.Allocated(); a != 16 {
				t.Fatalf("%s: %d slots allocated after reading everything, want 16", name, a)
			}
			if st := r.Stats(); st.Dropped != 3 || st.Published+st.Dropped != 19 {
				t.Fatalf("%s: final stats %+v", name, st)
			}
		}
	}
}

// TestGrowthSizesAClaimThatNeedsMore: one claim larger than twice the
// array grows straight to what it needs, at most the capacity.
func TestGrowthSizesAClaimThatNeedsMore(t *testing.T) {
	for _, multi := range []bool{false, true} {
		r := growing(64, Block, multi)
		if got := publishN(r, 20, 0); got != 20 || r.Allocated() != 2+32 {
			t.Fatalf("multi=%v: claim of 20 got %d, allocated %d; want 20 and 2+32", multi, got, r.Allocated())
		}
		if got := publishN(r, 100, 20); got != 44 || r.Allocated() != 2+32+64 {
			t.Fatalf("multi=%v: claim of 100 got %d, allocated %d; want 44 and 2+32+64", multi, got, r.Allocated())
		}
		if vals, _ := pollAll(r); len(vals) != 64 || vals[63] != 63 {
			t.Fatalf("multi=%v: read %d events", multi, len(vals))
		}
		if a := r.Allocated(); a != 64 {
			t.Fatalf("multi=%v: allocated %d after reading, want 64", multi, a)
		}
	}
}

// TestGrowthChainWhileTheConsumerHoldsOlderArrays grows the ring several
// times while the consumer holds slots in every older array, and checks
// that held slots, their sequence numbers and Segment stay right until
// released, that Poll stops at every array boundary, and that each older
// array is let go when its last position is released.
func TestGrowthChainWhileTheConsumerHoldsOlderArrays(t *testing.T) {
	for _, pol := range []Policy{Block, DropNewest, DropOldest} {
		for _, multi := range []bool{false, true} {
			name := fmt.Sprintf("%v multi=%v", pol, multi)
			r := growing(64, pol, multi)
			type held struct {
				pos uint64
				n   int
			}
			var polls []held
			var v uint64
			// Each round fills the current array, so the next one grows the
			// ring; the consumer polls but releases nothing.
			for _, n := range []int{2, 4, 8, 16, 32} {
				if got := publishN(r, n, v); got != n {
					t.Fatalf("%s: claim of %d got %d", name, n, got)
				}
				v += uint64(n)
				for {
					pos, k := r.Poll(1000)
					if k == 0 {
						break
					}
					polls = append(polls, held{pos, k})
				}
			}
			if a := r.Allocated(); a != 2+4+8+16+32 {
				t.Fatalf("%s: allocated %d, want 62", name, a)
			}
			// Every Poll ended at an array boundary or at the end of an
			// array: position 2 is index 2 of the 4-slot array that starts
			// there, so 2-3 and then 4-5 (indices 0 and 1), and so on.
			wantPolls := []held{{0, 2}, {2, 2}, {4, 2}, {6, 2}, {8, 6}, {14, 2}, {16, 14}, {30, 2}, {32, 30}}
			if fmt.Sprint(polls) != fmt.Sprint(wantPolls) {
				t.Fatalf("%s: polls %v, want %v", name, polls, wantPolls)
			}
			for _, h := range polls {
				seg := r.Segment(h.pos, h.n)
				if len(seg) != h.n || &seg[0] != r.Slot(h.pos) || &seg[h.n-1] != r.Slot(h.pos+uint64(h.n-1)) {
					t.Fatalf("%s: Segment and Slot disagree on the batch at %d", name, h.pos)
				}
				seqs := r.Seqs(h.pos, h.n)
				if len(seqs) != h.n {
					t.Fatalf("%s: Seqs of the batch at %d has len %d, want %d", name, h.pos, len(seqs), h.n)
				}
				for i := range seg {
					p := h.pos + uint64(i)
					if seg[i] != p || r.Seq(p) != p || seqs[i] != p {
						t.Fatalf("%s: held position %d reads value %d seq %d (Seqs %d)", name, p, seg[i], r.Seq(p), seqs[i])
					}
				}
			}
			// Release array by array; each older one goes once released.
			wantAlloc := []int{60, 60, 56, 56, 48, 48, 32, 32, 32}
			for i, h := range polls {
				r.Release(h.pos, h.n)
				if a := r.Allocated(); a != wantAlloc[i] {
					t.Fatalf("%s: after releasing %v allocated %d, want %d", name, h, a, wantAlloc[i])
				}
			}
			if st := r.Stats(); st.Consumed != 62 || st.Depth != 0 || st.Dropped != 0 {
				t.Fatalf("%s: stats %+v", name, st)
			}
		}
	}
}

// TestOlderArrayBecomesGarbage: once the consumer has released every
// position of an older array, nothing in the ring refers to it.
func TestOlderArrayBecomesGarbage(t *testing.T) {
	for _, multi := range []bool{false, true} {
		// 8 slots: an array of 2 uint64 could share its memory block with
		// other small objects and never be reported collected.
		r := Make(Config[uint64]{Capacity: 64, Initial: 8, MultiProducer: multi})
		first := weak.Make(&r.newest.Load().vals[0])
		publishN(r, 8, 0)
		publishN(r, 1, 8) // grows: the first array holds 0..7
		runtime.GC()
		if first.Value() == nil {
			t.Fatalf("multi=%v: first array collected while it holds unread events", multi)
		}
		pollAll(r)
		runtime.GC()
		runtime.GC()
		if first.Value() != nil {
			t.Fatalf("multi=%v: first array still referenced after every position in it was released", multi)
		}
		// The ring must stay alive for the check to mean anything.
		if got := publishN(r, 1, 9); got != 1 {
			t.Fatalf("multi=%v: ring unusable after the old array went", multi)
		}
		runtime.KeepAlive(r)
	}
}

// TestRingThatStaysSmallKeepsItsFirstArray: a ring with room for 4096
// that never holds more than 10 events stays at its initial 64 slots.
func TestRingThatStaysSmallKeepsItsFirstArray(t *testing.T) {
	for _, multi := range []bool{false, true} {
		r := Make(Config[uint64]{Capacity: 4096, Initial: 64, MultiProducer: multi})
		var wg sync.WaitGroup
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(1, 1))
			for v := uint64(0); v < 100_000; {
				// Published minus released, as this producer sees it, is at
				// least what the ring holds.
				room := 10 - r.Len()
				if room <= 0 {
					runtime.Gosched()
					continue
				}
				v += uint64(publishN(r, min(1+rng.IntN(room), int(100_000-v)), v))
			}
			r.Close()
		})
		var next uint64
		consume(r, 2, func(val, seq uint64) {
			if val != next || seq != next {
				t.Fatalf("multi=%v: event %d: value %d seq %d", multi, next, val, seq)
			}
			next++
		})
		wg.Wait()
		if a := r.Allocated(); a != 64 || next != 100_000 {
			t.Fatalf("multi=%v: %d slots allocated after %d events, want 64", multi, a, next)
		}
		if st := r.Stats(); st.Allocated != 64 || st.AllocatedBytes != 64*r.slotBytes {
			t.Fatalf("multi=%v: stats %+v", multi, st)
		}
	}
	// The bytes: 8 for the value, 8 for its sequence number, and 8 more
	// for the multi-producer commit flag.
	for multi, want := range map[bool]int64{false: 64 * 16, true: 64 * 24} {
		r := Make(Config[uint64]{Capacity: 4096, Initial: 64, MultiProducer: multi})
		if b := r.Stats().AllocatedBytes; b != want {
			t.Errorf("multi=%v: AllocatedBytes %d, want %d", multi, b, want)
		}
	}
}

// TestInitRunsOnceOnEveryNewArray checks that Init sees every allocated
// slot exactly once, before the producer gets it.
func TestInitRunsOnceOnEveryNewArray(t *testing.T) {
	const sentinel = 1 << 62
	for _, multi := range []bool{false, true} {
		var mu sync.Mutex
		var arrays []int
		seen := map[*uint64]int{}
		r := Make(Config[uint64]{Capacity: 256, Initial: 4, MultiProducer: multi, Init: func(s []uint64) {
			mu.Lock()
			defer mu.Unlock()
			arrays = append(arrays, len(s))
			for i := range s {
				seen[&s[i]]++
				s[i] = sentinel
			}
		}})
		// Every claimed slot that was never written before must hold what
		// Init put there.
		written := map[*uint64]bool{}
		var v uint64
		for round := range 200 {
			pos, got := r.Claim(1 + round%37)
			for i := range got {
				s := r.Slot(pos + uint64(i))
				if !written[s] && *s != sentinel {
					t.Fatalf("multi=%v: fresh slot holds %d, not Init's value", multi, *s)
				}
				written[s] = true
				*s = v
				v++
			}
			r.Publish(pos, got)
			if round%3 == 0 {
				pollAll(r)
			}
		}
		pollAll(r)
		// Fill the ring: the last array has the capacity.
		for pos, got := r.Claim(256); got > 0; pos, got = r.Claim(256) {
			for i := range got {
				if s := r.Slot(pos + uint64(i)); !written[s] && *s != sentinel {
					t.Fatalf("multi=%v: fresh slot holds %d, not Init's value", multi, *s)
				}
			}
			r.Publish(pos, got)
		}
		pollAll(r)
		total := 0
		for k, n := range arrays {
			if k == 0 && n != 4 || k > 0 && n < 2*arrays[k-1] {
				t.Fatalf("multi=%v: Init saw arrays of %v", multi, arrays)
			}
			total += n
		}
		if len(seen) != total {
			t.Fatalf("multi=%v: Init saw %d distinct slots in arrays totalling %d", multi, len(seen), total)
		}
		for _, n := range seen {
			if n != 1 {
				t.Fatalf("multi=%v: Init saw a slot %d times", multi, n)
			}
		}
		if arrays[len(arrays)-1] != 256 || r.Allocated() != 256 {
			t.Fatalf("multi=%v: arrays %v, allocated %d; want the last at capacity", multi, arrays, r.Allocated())
		}
	}
}

// TestSteadyStateAfterGrowthDoesNotAllocate runs laps on a ring that has
// grown to its capacity: no call allocates any more.
func TestSteadyStateAfterGrowthDoesNotAllocate(t *testing.T) {
	for _, pol := range []Policy{Block, DropNewest, DropOldest} {
		for _, multi := range []bool{false, true} {
			r := growing(64, pol, multi)
			publishN(r, 64, 0) // grows to 64
			pollAll(r)
			if r.Allocated() != 64 {
				t.Fatalf("%v multi=%v: allocated %d", pol, multi, r.Allocated())
			}
			var v uint64
			allocs := testing.AllocsPerRun(1000, func() {
				pos, got := r.Claim(80) // more than fits: exercises the full path
				for i := 0; i < got; {
					seg := r.Segment(pos+uint64(i), got-i)
					for j := range seg {
						seg[j] = v
						v++
					}
					i += len(seg)
				}
				r.Publish(pos, got)
				r.Drop(80 - got)
				if p, ok := r.TryClaim(3); ok {
					*r.Slot(p) = v
					*r.Slot(p + 1) = v
					r.Segment(p+2, 1)[0] = v
					r.Publish(p, 3)
				}
				p, n := r.Poll(50)
				_ = r.Seq(p) + *r.Slot(p) + r.Segment(p, n)[0] + r.Seqs(p, n)[0]
				r.Release(p, n)
				_ = r.Len()
			})
			if allocs != 0 {
				t.Errorf("%v multi=%v: %v allocations per round after growth, want 0", pol, multi, allocs)
			}
		}
	}
}

// consumeHolding reads r until it is drained like consume, but polls up to
// three batches before releasing them, so that it often holds slots in an
// older array while reading a newer one. It checks that held slots do not
// change before they are released.
func consumeHolding(t *testing.T, r *Ring[uint64], seed uint64, check func(val, seq uint64)) {
	rng := rand.New(rand.NewPCG(seed, 8))
	type batch struct {
		pos uint64
		n   int
	}
	var held []batch
	var snapshot []uint64
	release := func() {
		i := 0
		for _, b := range held {
			for k := range b.n {
				if v := *r.Slot(b.pos + uint64(k)); v != snapshot[i] {
					t.Errorf("held slot %d changed from %x to %x", b.pos+uint64(k), snapshot[i], v)
				}
				i++
			}
			r.Release(b.pos, b.n)
		}
		held, snapshot = held[:0], snapshot[:0]
	}
	for !r.Drained() {
		pos, n := r.Poll(1 + rng.IntN(2*r.Cap()))
		if n == 0 {
			release()
			runtime.Gosched()
			continue
		}
		seg, seqs := r.Segment(pos, n), r.Seqs(pos, n)
		for i := range n {
			p := pos + uint64(i)
			if seqs[i] != r.Seq(p) {
				t.Errorf("Seqs(%d, %d)[%d] = %d, Seq(%d) = %d", pos, n, i, seqs[i], p, r.Seq(p))
			}
			check(seg[i], seqs[i])
			snapshot = append(snapshot, seg[i])
		}
		held = append(held, batch{pos, n})
		if len(held) == 3 || rng.IntN(2) == 0 {
			release()
		}
	}
}

// TestGrowthUnderConcurrentProducersKeepsEverySequence runs producers
// against a consumer that holds batches across array boundaries, on rings
// that grow from 2 slots, and checks every event's value and sequence
// number; under drop_newest the gaps the consumer sees must add up to the
// drops exactly.
func TestGrowthUnderConcurrentProducersKeepsEverySequence(t *testing.T) {
	const perProducer = 40_000
	for _, pol := range []Policy{Block, DropNewest} {
		for _, producers := range []int{1, 3} {
			for _, capacity := range []int{64, 4096} {
				t.Run(fmt.Sprintf("%v/%dp/%d", pol, producers, capacity), func(t *testing.T) {
					r := growing(capacity, pol, producers > 1)
					var wg sync.WaitGroup
					for p := range uint64(producers) {
						wg.Go(func() {
							rng := rand.New(rand.NewPCG(p, 9))
							for i := uint64(0); i < perProducer; {
								want := min(1+rng.IntN(capacity/4), int(perProducer-i))
								pos, got := r.Claim(want)
								for k := 0; k < got; {
									seg := r.Segment(pos+uint64(k), got-k)
									for j := range seg {
										seg[j] = p<<32 | (i + uint64(k+j))
									}
									k += len(seg)
								}
								r.Publish(pos, got)
								if pol == Block {
									i += uint64(got)
									if got == 0 {
										runtime.Gosched()
									}
									continue
								}
								r.Drop(want - got)
								i += uint64(want)
							}
						})
					}
					go func() { wg.Wait(); r.Close() }()

					offered := uint64(producers * perProducer)
					next := make([]uint64, producers)
					var count, gaps uint64
					prevSeq := int64(-1)
					consumeHolding(t, r, 10, func(val, seq uint64) {
						p, i := val>>32, val&(1<<32-1)
						if pol == Block && i != next[p] || i < next[p] {
							t.Errorf("producer %d: event %d after %d", p, i, next[p])
						}
						next[p] = i + 1
						if pol == Block && seq != count || int64(seq) <= prevSeq {
							t.Errorf("event %d has seq %d after %d", count, seq, prevSeq)
						}
						if producers == 1 && seq != i {
							t.Errorf("single producer: event %d has seq %d", i, seq)
						}
						gaps += uint64(int64(seq) - prevSeq - 1)
						prevSeq = int64(seq)
						count++
					})
					if t.Failed() {
						return
					}
					gaps += offered - uint64(prevSeq+1)
					st := r.Stats()
					if st.Published != count || st.Consumed != count || st.Published+st.Dropped != offered || gaps != st.Dropped {
						t.Fatalf("received %d, gaps %d, stats %+v", count, gaps, st)
					}
					if pol == Block && count != offered {
						t.Fatalf("received %d of %d", count, offered)
					}
					if st.Allocated <= 2 || st.Allocated > capacity {
						t.Fatalf("allocated %d after draining, want grown and at most %d", st.Allocated, capacity)
					}
				})
			}
		}
	}
}

// TestGrowthUnderDropOldestAccountsForEveryEvent is the drop_oldest
// counterpart, with producers that never wait.
func TestGrowthUnderDropOldestAccountsForEveryEvent(t *testing.T) {
	const perProducer = 40_000
	for _, producers := range []int{1, 3} {
		t.Run(fmt.Sprintf("%dp", producers), func(t *testing.T) {
			r := growing(16, DropOldest, producers > 1)
			var wg sync.WaitGroup
			for p := range uint64(producers) {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(p, 11))
					for i := uint64(0); i < perProducer; {
						want := min(1+rng.IntN(12), int(perProducer-i))
						pos, got := r.Claim(want)
						for j := range got {
							*r.Slot(pos + uint64(j)) = p<<32 | (i + uint64(j))
						}
						r.Publish(pos, got)
						r.Drop(want - got)
						i += uint64(want)
					}
				})
			}
			go func() { wg.Wait(); r.Close() }()
			last := make([]int64, producers)
			for i := range last {
				last[i] = -1
			}
			var count, gaps uint64
			prevSeq := int64(-1)
			consumeHolding(t, r, 12, func(val, seq uint64) {
				p, i := val>>32, int64(val&(1<<32-1))
				if i <= last[p] || int64(seq) <= prevSeq {
					t.Errorf("producer %d: event %d (seq %d) after %d (seq %d)", p, i, seq, last[p], prevSeq)
				}
				if producers == 1 && seq != uint64(i) {
					t.Errorf("single producer: event %d has seq %d", i, seq)
				}
				last[p] = i
				gaps += uint64(int64(seq) - prevSeq - 1)
				prevSeq = int64(seq)
				count++
			})
			if t.Failed() {
				return
			}
			offered := uint64(producers * perProducer)
			gaps += offered - uint64(prevSeq+1)
			st := r.Stats()
			if st.Published != count || st.Consumed != count || st.Published+st.Dropped != offered || gaps != st.Dropped {
				t.Fatalf("received %d, gaps %d, stats %+v", count, gaps, st)
			}
			if st.Dropped == 0 || st.Allocated != 16 {
				t.Fatalf("no drops, or not grown to capacity: %+v", st)
			}
		})
	}
}

// TestGrowthWaitsForOutstandingClaims: a single producer with a claim not
// yet published gets what fits in the current array; the next claim, made
// with nothing outstanding, grows the ring.
func TestGrowthWaitsForOutstandingClaims(t *testing.T) {
	r := growing(16, Block, false)
	pos, got := r.Claim(1)
	if got != 1 {
		t.Fatalf("first claim got %d", got)
	}
	pos2, got2 := r.Claim(4)
	if got2 != 1 || r.Allocated() != 2 {
		t.Fatalf("claim with one outstanding got %d (allocated %d), want 1 and no growth", got2, r.Allocated())
	}
	*r.Slot(pos) = 0
	*r.Slot(pos2) = 1
	r.Publish(pos, got)
	r.Publish(pos2, got2)
	if got := publishN(r, 4, 2); got != 4 || r.Allocated() != 2+4 {
		t.Fatalf("claim with nothing outstanding got %d, allocated %d; want 4, 2+4", got, r.Allocated())
	}
	if vals, seqs := pollAll(r); fmt.Sprint(vals, seqs) != "[0 1 2 3 4 5] [0 1 2 3 4 5]" {
		t.Fatalf("read %v seqs %v", vals, seqs)
	}
}

func TestTryClaimIsAllOrNothing(t *testing.T) {
	for _, pol := range []Policy{Block, DropNewest, DropOldest} {
		for _, multi := range []bool{false, true} {
			for _, grow := range []bool{false, true} {
				name := fmt.Sprintf("%v multi=%v grow=%v", pol, multi, grow)
				r := New[uint64](8, pol, multi)
				if grow {
					r = growing(8, pol, multi)
				}
				if p, ok := r.TryClaim(9); ok || p != 0 {
					t.Fatalf("%s: TryClaim above capacity = %d, %v", name, p, ok)
				}
				if p, ok := r.TryClaim(0); !ok || p != 0 {
					t.Fatalf("%s: TryClaim(0) = %d, %v", name, p, ok)
				}
				pos, ok := r.TryClaim(5)
				if !ok || pos != 0 {
					t.Fatalf("%s: TryClaim(5) on an empty ring = %d, %v", name, pos, ok)
				}
				for i := range uint64(5) {
					*r.Slot(pos + i) = i
				}
				r.Publish(pos, 5)
				// The consumer holds the oldest slot, so not even drop_oldest
				// can make room for 4.
				hp, hn := r.Poll(1)
				if p, ok := r.TryClaim(4); ok {
					t.Fatalf("%s: TryClaim(4) with 3 free = %d, %v", name, p, ok)
				}
				if st := r.Stats(); st.Depth != 5 || st.Dropped != 0 || st.Published != 5 {
					t.Fatalf("%s: a failed TryClaim changed the ring: %+v", name, st)
				}
				r.Release(hp, hn)
				// The next claim starts where the failed ones would have.
				pos, ok = r.TryClaim(3)
				if !ok || pos != 5 {
					t.Fatalf("%s: TryClaim(3) with 3 free = %d, %v", name, pos, ok)
				}
				for i := range uint64(3) {
					*r.Slot(pos + i) = 5 + i
				}
				r.Publish(pos, 3)
				// Under drop_oldest a TryClaim that eviction can satisfy evicts
				// just enough; the others fail.
				pos, ok = r.TryClaim(2)
				if pol != DropOldest {
					if ok {
						t.Fatalf("%s: TryClaim(2) on a full ring succeeded", name)
					}
					pollAll(r)
					continue
				}
				// The ring holds 1..7 (0 was released): one eviction is enough.
				if !ok || pos != 8 || r.Stats().Evicted != 1 {
					t.Fatalf("%s: TryClaim(2) on a full drop_oldest ring = %d, %v, stats %+v", name, pos, ok, r.Stats())
				}
				*r.Slot(pos) = 8
				*r.Slot(pos + 1) = 9
				r.Publish(pos, 2)
				if vals, _ := pollAll(r); fmt.Sprint(vals) != "[2 3 4 5 6 7 8 9]" {
					t.Fatalf("%s: read %v", name, vals)
				}
				r.Close()
				mustPanic(t, "TryClaim after Close", func() { r.TryClaim(1) })
			}
		}
	}
}

// TestTryClaimUnderContention has producers make all-or-nothing claims of
// random sizes on a multi-producer ring that grows, and checks that every
// successful claim arrives whole and contiguous, in each producer's order,
// and that failed ones left no trace.
func TestTryClaimUnderContention(t *testing.T) {
	const producers, claims = 4, 5_000
	for _, pol := range []Policy{Block, DropNewest} {
		t.Run(pol.String(), func(t *testing.T) {
			r := growing(64, pol, true)
			accepted := make([]uint64, producers) // events, per producer
			var wg sync.WaitGroup
			for p := range uint64(producers) {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(p, 13))
					for c := uint64(0); c < claims; {
						n := 1 + rng.IntN(24)
						pos, ok := r.TryClaim(n)
						if !ok {
							if pol == DropNewest {
								r.Drop(n)
								c++
							} else {
								runtime.Gosched()
							}
							continue
						}
						// Value: producer, claim number, size, index in the claim.
						for i := range n {
							*r.Slot(pos + uint64(i)) = p<<48 | c<<16 | uint64(n)<<8 | uint64(i)
						}
						r.Publish(pos, n)
						accepted[p] += uint64(n)
						c++
					}
				})
			}
			go func() { wg.Wait(); r.Close() }()
			nextClaim := make([]int64, producers)
			var run, runLen uint64 // the claim being read and how much of it
			var count uint64
			consume(r, 14, func(val, seq uint64) {
				p, c, n, i := val>>48, int64(val>>16&0xffffffff), val>>8&0xff, val&0xff
				if i != runLen || (i > 0 && val>>8 != run>>8) {
					t.Errorf("event %x breaks claim %x at index %d", val, run, runLen)
				}
				if i == 0 {
					if c < nextClaim[p] {
						t.Errorf("producer %d: claim %d after %d", p, c, nextClaim[p])
					}
					nextClaim[p] = c + 1
				}
				run, runLen = val, i+1
				if runLen == n {
					runLen = 0
				}
				count++
			})
			wg.Wait()
			var sum uint64
			for _, a := range accepted {
				sum += a
			}
			st := r.Stats()
			if count != sum || st.Published != sum || runLen != 0 {
				t.Fatalf("read %d, accepted %d, last claim cut at %d; stats %+v", count, sum, runLen, st)
			}
			if pol == DropNewest && st.Dropped == 0 {
				t.Fatal("no claim failed: the test did not exercise contention")
			}
			if st.Allocated != 64 {
				t.Fatalf("allocated %d, want grown to 64", st.Allocated)
			}
		})
	}
}

// TestMultiProducersGrowOnce: producers that need room at the same moment
// wait for one growth instead of each allocating an array.
func TestMultiProducersGrowOnce(t *testing.T) {
	var mu sync.Mutex
	var arrays []int
	r := Make(Config[uint64]{Capacity: 1 << 12, Initial: 2, MultiProducer: true, Init: func(s []uint64) {
		mu.Lock()
		arrays = append(arrays, len(s))
		mu.Unlock()
	}})
	var wg sync.WaitGroup
	start := make(chan struct{})
	for p := range uint64(4) {
		wg.Go(func() {
			<-start
			for i := range uint64(256) {
				produceBlocking(r, p<<32|i*4, 4, 4)
			}
		})
	}
	close(start)
	wg.Wait()
	for k := 1; k < len(arrays); k++ {
		if arrays[k] != 2*arrays[k-1] {
			t.Fatalf("arrays %v: not one doubling at a time", arrays)
		}
	}
	if got := r.Len(); got != 4096 || arrays[len(arrays)-1] != 4096 {
		t.Fatalf("Len %d, arrays %v", got, arrays)
	}
	pollAll(r)
}

// TestMultiProducerGrowthFreezesClaims stretches the moment a growth
// installs a new array, while other producers keep claiming: none may
// claim a position in the old array that the new one takes over (the race
// detector reports two producers writing one slot; the consumer, a lost or
// repeated event).
func TestMultiProducerGrowthFreezesClaims(t *testing.T) {
	testHookFrozen = func() { time.Sleep(time.Millisecond) }
	defer func() { testHookFrozen = nil }()
	const producers, perProducer = 4, 3_000
	for round := range 5 {
		r := growing(1<<12, Block, true)
		var wg sync.WaitGroup
		for p := range uint64(producers) {
			wg.Go(func() {
				for i := uint64(0); i < perProducer; i += 3 {
					produceBlocking(r, p<<32|i, 3, 3)
				}
			})
		}
		go func() { wg.Wait(); r.Close() }()
		next := make([]uint64, producers)
		var count uint64
		consume(r, 15, func(val, seq uint64) {
			p, i := val>>32, val&(1<<32-1)
			if i != next[p] || seq != count {
				t.Errorf("round %d: producer %d: event %d (seq %d), want %d (seq %d)", round, p, i, seq, next[p], count)
			}
			next[p] = i + 1
			count++
		})
		if count != producers*perProducer {
			t.Fatalf("round %d: read %d events, want %d", round, count, producers*perProducer)
		}
	}
}

// TestTryClaimEvictsOnlyWhenThatIsEnough: under drop_oldest, when evicting
// every published event would still not make room (the rest is claimed,
// not yet published), TryClaim evicts nothing.
func TestTryClaimEvictsOnlyWhenThatIsEnough(t *testing.T) {
	for _, multi := range []bool{false, true} {
		r := New[uint64](8, DropOldest, multi)
		publishN(r, 1, 0)
		pos, got := r.Claim(7) // outstanding
		if _, ok := r.TryClaim(2); ok || got != 7 {
			t.Fatalf("multi=%v: TryClaim(2) succeeded with 1 published and 7 claimed", multi)
		}
		if st := r.Stats(); st.Dropped != 0 || st.Depth != 1 {
			t.Fatalf("multi=%v: a failed TryClaim evicted: %+v", multi, st)
		}
		r.Publish(pos, got)
		if p, ok := r.TryClaim(2); !ok || p != 8 || r.Stats().Evicted != 2 {
			t.Fatalf("multi=%v: TryClaim(2) once evicting 2 is enough = %d, %v; stats %+v", multi, p, ok, r.Stats())
		}
	}
}
