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

// A ring made with a small initial size grows as claims need, up to its
// capacity, which stays the bound the policy applies. Init gives every slot
// of each new array its inner buffer once; slots then reuse it.
func ExampleMake() {
	r := ring.Make(ring.Config[[]byte]{
		Capacity: 8,
		Initial:  2,
		Policy:   ring.DropNewest,
		Init: func(slots [][]byte) {
			for i := range slots {
				slots[i] = make([]byte, 0, 16)
			}
		},
	})
	for _, word := range []string{"a", "bb", "ccc", "dddd", "eeeee"} {
		pos, ok := r.TryClaim(1)
		if !ok {
			r.Drop(1)
			continue
		}
		s := r.Slot(pos)
		*s = append((*s)[:0], word...)
		r.Publish(pos, 1)
		fmt.Println("published", word, "allocated", r.Allocated())
	}
	for {
		pos, n := r.Poll(8)
		if n == 0 {
			break
		}
		for i, s := range r.Segment(pos, n) {
			fmt.Printf("read %s (seq %d)\n", s, r.Seq(pos+uint64(i)))
		}
		r.Release(pos, n)
	}
	st := r.Stats()
	fmt.Println("capacity", st.Capacity, "allocated", st.Allocated)
	// Output:
	// published a allocated 2
	// published bb allocated 2
	// published ccc allocated 6
	// published dddd allocated 6
	// published eeeee allocated 6
	// read a (seq 0)
	// read bb (seq 1)
	// read ccc (seq 2)
	// read dddd (seq 3)
	// read eeeee (seq 4)
	// capacity 8 allocated 4
}
