package ring

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// consume reads r until it is drained, polling up to a random batch size,
// and calls check for each event.
func consume(r *Ring[uint64], seed uint64, check func(val, seq uint64)) {
	rng := rand.New(rand.NewPCG(seed, 1))
	for !r.Drained() {
		pos, n := r.Poll(1 + rng.IntN(2*r.Cap()))
		if n == 0 {
			runtime.Gosched()
			continue
		}
		for i := range n {
			p := pos + uint64(i)
			check(*r.Slot(p), r.Seq(p))
		}
		r.Release(pos, n)
	}
}

func TestBlockOneProducerNoLossExactOrder(t *testing.T) {
	const n = 50_000
	for _, capacity := range []int{2, 64, 4096} {
		t.Run(fmt.Sprint(capacity), func(t *testing.T) {
			r := New[uint64](capacity, Block, false)
			go func() {
				rng := rand.New(rand.NewPCG(uint64(capacity), 2))
				for i := uint64(0); i < n; {
					want := 1 + rng.IntN(2*capacity)
					pos, got := r.Claim(min(want, int(n-i)))
					if got == 0 {
						runtime.Gosched()
						continue
					}
					for j := range got {
						*r.Slot(pos + uint64(j)) = i + uint64(j)
					}
					r.Publish(pos, got)
					i += uint64(got)
				}
				r.Close()
			}()
			var next uint64
			consume(r, 3, func(val, seq uint64) {
				if val != next || seq != next {
					t.Fatalf("event %d: value %d seq %d", next, val, seq)
				}
				next++
			})
			if next != n {
				t.Fatalf("received %d events, want %d", next, n)
			}
			if st := r.Stats(); st.Published != n || st.Consumed != n || st.Dropped != 0 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func TestBlockManyProducersNoLossPerProducerOrder(t *testing.T) {
	const producers, perProducer = 4, 10_000
	for _, capacity := range []int{2, 64, 4096} {
		t.Run(fmt.Sprint(capacity), func(t *testing.T) {
			r := New[uint64](capacity, Block, true)
			var wg sync.WaitGroup
			for p := range uint64(producers) {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(p, 4))
					for i := uint64(0); i < perProducer; {
						want := 1 + rng.IntN(capacity)
						pos, got := r.Claim(min(want, int(perProducer-i)))
						if got == 0 {
							runtime.Gosched()
							continue
						}
						for j := range got {
							*r.Slot(pos + uint64(j)) = p<<32 | (i + uint64(j))
						}
						r.Publish(pos, got)
						i += uint64(got)
					}
				})
			}
			go func() { wg.Wait(); r.Close() }()
			next := make([]uint64, producers)
			var count uint64
			consume(r, 5, func(val, seq uint64) {
				p, i := val>>32, val&(1<<32-1)
				if i != next[p] {
					t.Fatalf("producer %d: got event %d, want %d", p, i, next[p])
				}
				if seq != count {
					t.Fatalf("event %d has seq %d", count, seq)
				}
				next[p]++
				count++
			})
			if count != producers*perProducer {
				t.Fatalf("received %d events, want %d", count, producers*perProducer)
			}
		})
	}
}

// TestDropPoliciesAccountForEveryEvent offers events without ever waiting
// and checks that published + dropped == offered and that the gaps the
// consumer sees add up to the drops.
func TestDropPoliciesAccountForEveryEvent(t *testing.T) {
	const perProducer = 50_000
	for _, pol := range []Policy{DropNewest, DropOldest} {
		for _, producers := range []int{1, 3} {
			t.Run(fmt.Sprintf("%v/%dp", pol, producers), func(t *testing.T) {
				r := New[uint64](8, pol, producers > 1)
				var wg sync.WaitGroup
				for p := range uint64(producers) {
					wg.Go(func() {
						rng := rand.New(rand.NewPCG(p, 6))
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

				offered := uint64(producers * perProducer)
				last := make([]int64, producers)
				for i := range last {
					last[i] = -1
				}
				var count, gaps uint64
				prevSeq := int64(-1)
				consume(r, 7, func(val, seq uint64) {
					p, i := val>>32, int64(val&(1<<32-1))
					if i <= last[p] {
						t.Fatalf("producer %d: event %d after %d", p, i, last[p])
					}
					last[p] = i
					if int64(seq) <= prevSeq {
						t.Fatalf("seq %d after %d", seq, prevSeq)
					}
					if producers == 1 && seq != uint64(i) {
						t.Fatalf("single producer: event %d has seq %d", i, seq)
					}
					gaps += uint64(int64(seq) - prevSeq - 1)
					prevSeq = int64(seq)
					count++
				})
				gaps += offered - uint64(prevSeq+1) // drops after the last event
				st := r.Stats()
				if st.Published != count || st.Consumed != count {
					t.Fatalf("received %d, stats %+v", count, st)
				}
				if st.Published+st.Dropped != offered {
					t.Fatalf("published %d + dropped %d != offered %d", st.Published, st.Dropped, offered)
				}
				if gaps != st.Dropped {
					t.Fatalf("gaps add up to %d, dropped %d", gaps, st.Dropped)
				}
				if st.Dropped == 0 {
					t.Fatalf("no drops: the test did not exercise %v", pol)
				}
			})
		}
	}
}

// TestDropOldestNeverEvictsAHeldSlot holds polled slots while producers try
// hard to evict, and checks that the held contents never change. The race
// detector also reports any producer write to a held slot.
func TestDropOldestNeverEvictsAHeldSlot(t *testing.T) {
	for _, producers := range []int{1, 2} {
		t.Run(fmt.Sprintf("%dp", producers), func(t *testing.T) {
			r := New[uint64](4, DropOldest, producers > 1)
			var wg sync.WaitGroup
			for p := range uint64(producers) {
				wg.Go(func() {
					for i := uint64(0); i < 20_000; i++ {
						pos, got := r.Claim(3)
						for j := range got {
							*r.Slot(pos + uint64(j)) = p<<32 | i
						}
						r.Publish(pos, got)
						r.Drop(3 - got)
					}
				})
			}
			go func() { wg.Wait(); r.Close() }()
			seen := make([]uint64, 0, 4)
			var held int
			for !r.Drained() {
				pos, n := r.Poll(2)
				if n == 0 {
					runtime.Gosched()
					continue
				}
				seen = seen[:0]
				for i := range n {
					seen = append(seen, *r.Slot(pos + uint64(i)))
				}
				runtime.Gosched() // let producers run while we hold the slots
				for i := range n {
					if v := *r.Slot(pos + uint64(i)); v != seen[i] {
						t.Fatalf("held slot %d changed from %x to %x", pos+uint64(i), seen[i], v)
					}
				}
				r.Release(pos, n)
				held += n
			}
			if st := r.Stats(); st.Dropped == 0 || held == 0 {
				t.Fatalf("nothing evicted or nothing read: %+v", st)
			}
		})
	}
}
