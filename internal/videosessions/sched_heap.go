package videosessions

// schedHeap is a binary min-heap of (due, idx) entries ordered by due time,
// ties broken by idx so the order is deterministic. The key is stored in the
// entry, not looked up in the session, to keep sifting within the heap's own
// cache lines. The zero value is an empty heap; it is not safe for
// concurrent use.
type schedHeap struct {
	h []schedEntry
}

type schedEntry struct {
	due int64
	idx int32
}

func (a schedEntry) before(b schedEntry) bool {
	return a.due < b.due || (a.due == b.due && a.idx < b.idx)
}

// push adds an entry.
func (q *schedHeap) push(e schedEntry) {
	q.h = append(q.h, e)
	i := len(q.h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !q.h[i].before(q.h[parent]) {
			break
		}
		q.h[i], q.h[parent] = q.h[parent], q.h[i]
		i = parent
	}
}

// top returns the earliest entry; the heap must not be empty.
func (q *schedHeap) top() schedEntry { return q.h[0] }

// retop gives the earliest entry a new, later due time and restores the
// heap order. It allocates nothing.
func (q *schedHeap) retop(due int64) {
	h := q.h
	h[0].due = due
	i, n := 0, len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && h[r].before(h[l]) {
			c = r
		}
		if !h[c].before(h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}
