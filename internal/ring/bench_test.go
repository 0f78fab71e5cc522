package ring

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// Waiting in these benchmarks is a busy spin with a Gosched every 64 empty
// tries: producer and consumer each keep a core, as the runtime's busy-spin
// strategy would.

func benchRing(b *testing.B, producers, batch int) {
	r := New[uint64](4096, Block, producers > 1)
	total := uint64(b.N)
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for p := range producers {
		share := total / uint64(producers)
		if p == 0 {
			share += total % uint64(producers)
		}
		wg.Go(func() {
			misses := 0
			for i := uint64(0); i < share; {
				pos, got := r.Claim(int(min(uint64(batch), share-i)))
				if got == 0 {
					if misses++; misses%64 == 0 {
						runtime.Gosched()
					}
					continue
				}
				for j := range got {
					*r.Slot(pos + uint64(j)) = i + uint64(j)
				}
				r.Publish(pos, got)
				i += uint64(got)
			}
		})
	}
	var sum uint64
	misses := 0
	for done := uint64(0); done < total; {
		pos, n := r.Poll(batch)
		if n == 0 {
			if misses++; misses%64 == 0 {
				runtime.Gosched()
			}
			continue
		}
		for j := range n {
			sum += *r.Slot(pos + uint64(j))
		}
		r.Release(pos, n)
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
// poll and release of 64 events in one goroutine.
func BenchmarkRingRoundTrip(b *testing.B) {
	for _, c := range []struct {
		name   string
		policy Policy
		multi  bool
	}{{"block", Block, false}, {"drop_oldest", DropOldest, false}, {"multi", Block, true}} {
		b.Run(c.name, func(b *testing.B) {
			r := New[uint64](256, c.policy, c.multi)
			b.ReportAllocs()
			for b.Loop() {
				pos, got := r.Claim(64)
				for j := range got {
					*r.Slot(pos + uint64(j)) = uint64(j)
				}
				r.Publish(pos, got)
				p, n := r.Poll(64)
				r.Release(p, n)
			}
			b.SetBytes(0)
		})
	}
}
