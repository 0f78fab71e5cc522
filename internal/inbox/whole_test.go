package inbox

import (
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// Put returns the end position of its events; Take moves Taken past them.
func TestPutEndAndTaken(t *testing.T) {
	q := New(Config{Capacity: 16, Width: 1})
	e1, err := q.Put(batch(1, 2, 3), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	e2, _ := q.Put(batch(4, 5), time.Time{})
	if e2-e1 != 2 {
		t.Fatalf("ends %d and %d: want the second 2 past the first", e1, e2)
	}
	var out component.Output
	q.Take(&out, 2, nil)
	if q.Taken() >= e1 {
		t.Fatalf("after taking 2 of 3 events, Taken %d reaches the first Put's end %d", q.Taken(), e1)
	}
	q.Take(&out, 1, nil)
	if q.Taken() != e1 {
		t.Fatalf("after taking the first Put, Taken %d, want %d", q.Taken(), e1)
	}
}

// Under Whole, Take goes past max to the end of the Put it is in, and no
// further; without it, Take stops at max.
func TestTakeWholePuts(t *testing.T) {
	for _, whole := range []bool{false, true} {
		q := New(Config{Capacity: 64, Width: 1, Whole: whole})
		_, _ = q.Put(batch(1, 2, 3), time.Time{})
		_, _ = q.Put(batch(4, 5, 6, 7, 8), time.Time{})
		_, _ = q.Put(batch(9), time.Time{})
		var out component.Output
		var sizes []int
		for {
			out.Reset()
			n := q.Take(&out, 2, nil)
			if n == 0 {
				break
			}
			if n != out.Len() {
				t.Fatalf("Take reported %d events and moved %d", n, out.Len())
			}
			for _, e := range out.Events() {
				if e.Seq != 0 {
					t.Fatalf("an event taken carries the inbox's mark in Seq (%d)", e.Seq)
				}
			}
			sizes = append(sizes, n)
		}
		want := []int{2, 2, 2, 2, 1}
		if whole {
			want = []int{3, 5, 1}
		}
		if len(sizes) != len(want) {
			t.Fatalf("whole=%v: takes of %v, want %v", whole, sizes, want)
		}
		for i := range want {
			if sizes[i] != want[i] {
				t.Fatalf("whole=%v: takes of %v, want %v", whole, sizes, want)
			}
		}
	}
}
