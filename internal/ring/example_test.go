package ring_test

import (
	"fmt"

	"github.com/greenwave/greenwave/internal/ring"
)

// A producer claims slots, fills them in place and publishes them; the
// consumer polls a batch, reads it and releases it. Under drop_newest the
// events that do not fit are dropped and the consumer sees the gap in Seq.
func Example() {
	r := ring.New[int](4, ring.DropNewest, false)

	offer := []int{10, 11, 12, 13, 14, 15}
	pos, got := r.Claim(len(offer))
	for i := range got {
		*r.Slot(pos + uint64(i)) = offer[i]
	}
	r.Publish(pos, got)
	r.Drop(len(offer) - got) // 14 and 15 did not fit

	if _, got = r.Claim(1); got == 0 { // full: 16 is dropped too
		r.Drop(1)
	}

	p, n := r.Poll(16)
	for i := range n {
		fmt.Println(r.Seq(p+uint64(i)), *r.Slot(p + uint64(i)))
	}
	r.Release(p, n)

	pos, got = r.Claim(1)
	*r.Slot(pos) = 17
	r.Publish(pos, got)
	p, n = r.Poll(16)
	fmt.Println(r.Seq(p), *r.Slot(p), "after a gap of", r.Stats().Dropped)
	r.Release(p, n)
	// Output:
	// 0 10
	// 1 11
	// 2 12
	// 3 13
	// 7 17 after a gap of 3
}
