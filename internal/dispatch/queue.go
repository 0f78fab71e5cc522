package dispatch

import (
	"container/heap"
	"time"
)

// fifo is a growable ring of requests: push at the back, retries at the
// front, pop from the front. Not safe for concurrent use.
type fifo[T any] struct {
	buf        []T
	head, size int
}

func (q *fifo[T]) len() int { return q.size }

func (q *fifo[T]) grow() {
	n := max(16, 2*len(q.buf))
	buf := make([]T, n)
	for i := range q.size {
		buf[i] = q.buf[(q.head+i)%len(q.buf)]
	}
	q.buf, q.head = buf, 0
}

func (q *fifo[T]) pushBack(v T) {
	if q.size == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.size)%len(q.buf)] = v
	q.size++
}

func (q *fifo[T]) pushFront(v T) {
	if q.size == len(q.buf) {
		q.grow()
	}
	q.head = (q.head - 1 + len(q.buf)) % len(q.buf)
	q.buf[q.head] = v
	q.size++
}

func (q *fifo[T]) popFront() T {
	if q.size == 0 {
		panic("BUG: pop from an empty dispatch queue")
	}
	var zero T
	v := q.buf[q.head]
	q.buf[q.head] = zero
	q.head = (q.head + 1) % len(q.buf)
	q.size--
	return v
}

// drain returns every request, oldest first, and empties the queue.
func (q *fifo[T]) drain() []T {
	out := make([]T, 0, q.size)
	for q.size > 0 {
		out = append(out, q.popFront())
	}
	return out
}

// delayed holds requests waiting for a retry, by due time (ties in the
// order they were added).
type delayed[T any] struct{ h retryHeap[T] }

type retryItem[T any] struct {
	due time.Time
	seq uint64
	v   T
}

type retryHeap[T any] []retryItem[T]

func (h retryHeap[T]) Len() int { return len(h) }
func (h retryHeap[T]) Less(i, j int) bool {
	if !h[i].due.Equal(h[j].due) {
		return h[i].due.Before(h[j].due)
	}
	return h[i].seq < h[j].seq
}
func (h retryHeap[T]) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *retryHeap[T]) Push(x any)   { *h = append(*h, x.(retryItem[T])) }
func (h *retryHeap[T]) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = retryItem[T]{}
	*h = old[:len(old)-1]
	return it
}

func (d *delayed[T]) len() int { return len(d.h) }

func (d *delayed[T]) add(due time.Time, seq uint64, v T) {
	heap.Push(&d.h, retryItem[T]{due: due, seq: seq, v: v})
}

// next returns the earliest due time, if any.
func (d *delayed[T]) next() (time.Time, bool) {
	if len(d.h) == 0 {
		return time.Time{}, false
	}
	return d.h[0].due, true
}

// popDue removes and returns the requests due at now, earliest first.
func (d *delayed[T]) popDue(now time.Time, into []T) []T {
	for len(d.h) > 0 && !d.h[0].due.After(now) {
		into = append(into, heap.Pop(&d.h).(retryItem[T]).v)
	}
	return into
}

// drain returns every waiting request, earliest due first.
func (d *delayed[T]) drain() []T {
	var out []T
	for len(d.h) > 0 {
		out = append(out, heap.Pop(&d.h).(retryItem[T]).v)
	}
	return out
}
