package ring

import (
	"fmt"
	"sync"
	"testing"

	"github.com/greenwave/greenwave/internal/wait"
)

// Waiting in these benchmarks is what a runtime worker does with the
// spin_then_park strategy: a side that finds nothing to do spins a little,
// then parks until the other side unparks it after its next publish or
// release. Spinning on Poll without a pause was slower: the consumer's
// constant reloads of the published cursor slow the producer's stores.

type benchSide struct {
	parker *wait.Parker
	idler  *wait.Idler
}

func newBenchSide() benchSide {
	p := wait.NewParker()
	return benchSide{parker: p, idler: wait.NewIdler(wait.SpinThenPark, p)}
}

func benchRing(b *testing.B, producers, batch int) {
	r := New[uint64](4096, Block, producers > 1)
	total := uint64(b.N)
	consumer := newBenchSide()
	sides := make([]benchSide, producers)
	hasData := func() bool { return r.Len() > 0 }
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for p := range producers {
		share := total / uint64(producers)
		if p == 0 {
			share += total % uint64(producers)
		}
		me := newBenchSide()
		sides[p] = me
		hasRoom := func() bool { return r.Len() < r.Cap() }
		wg.Go(func() {
			for i := uint64(0); i < share; {
				pos, got := r.Claim(int(min(uint64(batch), share-i)))
				if got == 0 {
					me.idler.Idle(hasRoom)
					continue
				}
				me.idler.Worked()
				for k := 0; k < got; { // a claimed range may wrap: up to two segments
					seg := r.Segment(pos+uint64(k), got-k)
					for j := range seg {
						seg[j] = i + uint64(k+j)
					}
					k += len(seg)
				}
				r.Publish(pos, got)
				consumer.parker.Unpark()
				i += uint64(got)
			}
		})
	}
	var sum uint64
	for done := uint64(0); done < total; {
		pos, n := r.Poll(batch)
		if n == 0 {
			consumer.idler.Idle(hasData)
			continue
		}
		consumer.idler.Worked()
		for _, v := range r.Segment(pos, n) {
			sum += v
		}
		r.Release(pos, n)
		for _, s := range sides {
			s.parker.Unpark()
		}
		done += uint64(n)
	}
	wg.Wait()
	if sum == 0 && total > 1 {
		b.Fatal("consumer read nothing")
	}
}

func benchBatches(b *testing.B, producers int) {
	for _, batch := range []int{16, 256, 1024} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchRing(b, producers, batch) })
	}
}

func BenchmarkRing1P1C(b *testing.B) { benchBatches(b, 1) }

func BenchmarkRing2P1C(b *testing.B) { benchBatches(b, 2) }

// BenchmarkChannel1P1C is the naive baseline: a buffered channel of the
// same capacity, one event per operation.
func BenchmarkChannel1P1C(b *testing.B) {
	ch := make(chan uint64, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for i := range uint64(b.N) {
			ch <- i
		}
		close(ch)
	}()
	var sum uint64
	for v := range ch {
		sum += v
	}
	_ = sum
}

// BenchmarkRingRoundTrip measures the calls themselves: claim, publish,
// poll and release of 64 events in one goroutine. The grown cases run on a
// ring that started with 2 slots and grew to its capacity before the
// timer starts.
func BenchmarkRingRoundTrip(b *testing.B) {
	for _, c := range []struct {
		name    string
		policy  Policy
		multi   bool
		initial int
	}{
		{"block", Block, false, 0}, {"drop_oldest", DropOldest, false, 0}, {"multi", Block, true, 0},
		{"block-grown", Block, false, 2}, {"multi-grown", Block, true, 2},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := Make(Config[uint64]{Capacity: 256, Initial: c.initial, Policy: c.policy, MultiProducer: c.multi})
			if c.initial > 0 {
				pos, got := r.Claim(256)
				r.Publish(pos, got)
				pollAll(r)
				if r.Allocated() != 256 {
					b.Fatalf("allocated %d, want 256", r.Allocated())
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				pos, got := r.Claim(64)
				seg := r.Segment(pos, got)
				for j := range seg {
					seg[j] = uint64(j)
				}
				r.Publish(pos, got)
				p, n := r.Poll(64)
				r.Release(p, n)
			}
		})
	}
}
