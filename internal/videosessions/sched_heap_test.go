package videosessions

import (
	"slices"
	"testing"
)

// The heap yields entries in (due, idx) order while tops are moved later,
// which is how the video_sessions profile uses it.
func TestSchedHeapOrder(t *testing.T) {
	var r rng
	var q schedHeap
	ref := map[int32]int64{}
	for i := range int32(500) {
		due := r.intn(100)
		q.push(schedEntry{due: due, idx: i})
		ref[i] = due
	}
	prev := schedEntry{due: -1}
	for range 5000 {
		top := q.top()
		// The top is the minimum of the reference set.
		for idx, due := range ref {
			if (schedEntry{due: due, idx: idx}).before(top) {
				t.Fatalf("top %+v, but %d is due at %d", top, idx, due)
			}
		}
		if top.before(prev) {
			t.Fatalf("top %+v came after %+v", top, prev)
		}
		prev = top
		next := top.due + r.intn(50)
		q.retop(next)
		ref[top.idx] = next
	}
	got := make([]int32, 0, len(q.h))
	for _, e := range q.h {
		got = append(got, e.idx)
	}
	slices.Sort(got)
	if len(got) != 500 || got[0] != 0 || got[499] != 499 {
		t.Fatalf("heap lost entries: %d left", len(got))
	}
}
