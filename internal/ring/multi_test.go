package ring

import (
	"sync"
	"testing"
)

func TestMultiProducerCommitsInPositionOrder(t *testing.T) {
	r := New[uint64](8, Block, true)
	posA, gotA := r.Claim(2)
	posB, gotB := r.Claim(3)
	if posA != 0 || gotA != 2 || posB != 2 || gotB != 3 {
		t.Fatalf("claims = (%d,%d) (%d,%d)", posA, gotA, posB, gotB)
	}
	for i := range 3 {
		*r.Slot(posB + uint64(i)) = 20 + uint64(i)
	}
	r.Publish(posB, gotB) // B is done first, but A's range comes before it
	if _, n := r.Poll(8); n != 0 || r.Len() != 0 {
		t.Fatalf("B's range became visible before A's: Poll returned %d", n)
	}
	r.Drop(4) // numbered when the next range is committed
	for i := range 2 {
		*r.Slot(posA + uint64(i)) = 10 + uint64(i)
	}
	r.Publish(posA, gotA) // commits A and then B
	vals, seqs := pollAll(r)
	if !equalU64(vals, []uint64{10, 11, 20, 21, 22}) {
		t.Fatalf("read %v", vals)
	}
	if !equalU64(seqs, []uint64{4, 5, 6, 7, 8}) {
		t.Fatalf("seqs %v, want the 4 drops before the first committed range", seqs)
	}
	mustPanic(t, "Publish of an already published range", func() { r.Publish(posA, gotA) })
	mustPanic(t, "Publish of an unclaimed range", func() { r.Publish(5, 1) })
}

func TestMultiProducerSplitPublish(t *testing.T) {
	r := New[uint64](8, Block, true)
	pos, got := r.Claim(6)
	for i := range got {
		*r.Slot(pos + uint64(i)) = uint64(i)
	}
	r.Publish(pos+3, 3)
	r.Publish(pos, 3)
	vals, seqs := pollAll(r)
	if want := []uint64{0, 1, 2, 3, 4, 5}; !equalU64(vals, want) || !equalU64(seqs, want) {
		t.Fatalf("read %v seqs %v", vals, seqs)
	}
}

// TestMultiProducerNoRangeLeftUncommitted has producers publish at the
// same moment, round after round, and checks after each round that every
// published range is visible: a range marked done while another producer
// held the commit turn must not wait for a later Publish.
func TestMultiProducerNoRangeLeftUncommitted(t *testing.T) {
	const producers, rounds = 3, 10_000
	r := New[uint64](64, Block, true)
	var finish sync.WaitGroup
	release := make(chan struct{})
	for range producers {
		go func() {
			for {
				if _, ok := <-release; !ok {
					return
				}
				pos, got := r.Claim(1)
				*r.Slot(pos) = pos
				r.Publish(pos, got)
				finish.Done()
			}
		}()
	}
	for round := range rounds {
		finish.Add(producers)
		for range producers {
			release <- struct{}{}
		}
		finish.Wait()
		if l := r.Len(); l != producers {
			t.Fatalf("round %d: %d of %d published events visible", round, l, producers)
		}
		if vals, _ := pollAll(r); len(vals) != producers {
			t.Fatalf("round %d: read %d events", round, len(vals))
		}
	}
	close(release)
}
