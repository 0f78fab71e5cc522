package ring

import (
	"fmt"
	"testing"
)

func TestHotPathDoesNotAllocate(t *testing.T) {
	for _, pol := range []Policy{Block, DropNewest, DropOldest} {
		for _, multi := range []bool{false, true} {
			r := New[uint64](8, pol, multi)
			var v uint64
			allocs := testing.AllocsPerRun(1000, func() {
				pos, got := r.Claim(12) // more than fits: exercises the full path
				for i := range got {
					*r.Slot(pos + uint64(i)) = v
					v++
				}
				r.Publish(pos, got)
				r.Drop(12 - got)
				p, n := r.Poll(5)
				_ = r.Seq(p)
				r.Release(p, n)
				_ = r.Len()
			})
			if allocs != 0 {
				t.Errorf("%s: %v allocations per round, want 0", fmt.Sprintf("%v multi=%v", pol, multi), allocs)
			}
		}
	}
}
