package ops

import (
	"slices"
	"testing"
)

// TestExpiryQueue: mixed in-order and out-of-order pushes, interleaved
// with pops, come out in order of at.
func TestExpiryQueue(t *testing.T) {
	var q expiryQueue
	var pending []int64
	next := int64(0)
	for i := range 5000 {
		at := next
		switch i % 7 {
		case 3:
			at -= int64(i % 50) // out of order
		default:
			next += int64(i % 3)
		}
		q.push(expiry{at: at, row: int32(i)})
		pending = append(pending, at)
		if i%5 == 4 {
			for range 3 {
				min := slices.Min(pending)
				if got := q.pop().at; got != min {
					t.Fatalf("step %d: popped %d, want %d", i, got, min)
				}
				pending = slices.Delete(pending, slices.Index(pending, min), slices.Index(pending, min)+1)
			}
		}
		if q.len() != len(pending) {
			t.Fatalf("step %d: len %d, want %d", i, q.len(), len(pending))
		}
	}
	slices.Sort(pending)
	for _, want := range pending {
		if got := q.pop().at; got != want {
			t.Fatalf("draining: popped %d, want %d", got, want)
		}
	}
	if q.len() != 0 {
		t.Fatalf("len %d after draining", q.len())
	}
}
