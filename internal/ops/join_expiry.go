package ops

// expiry asks for a row to be dropped once the watermark passes at.
type expiry struct {
	at  int64
	row int32
}

// expiryQueue orders expiries by at. Streams mostly arrive in time order,
// and a side's expiries are its times plus a constant, so most pushes are
// in order: those go to a FIFO (constant time, sequential memory), the
// others to a binary heap; the earliest is at the front of one of them.
// The zero value is empty. Steady-state use does not allocate.
type expiryQueue struct {
	fifo []expiry
	head int // fifo[head:] is pending
	heap expiryHeap
}

func (q *expiryQueue) len() int { return len(q.fifo) - q.head + len(q.heap) }

func (q *expiryQueue) push(x expiry) {
	if n := len(q.fifo); n == q.head || q.fifo[n-1].at <= x.at {
		if q.head > 0 && q.head >= len(q.fifo)/2 {
			// Reuse the consumed front instead of growing.
			n = copy(q.fifo, q.fifo[q.head:])
			q.fifo, q.head = q.fifo[:n], 0
		}
		q.fifo = append(q.fifo, x)
		return
	}
	q.heap.push(x)
}

// peek returns the earliest expiry; the queue must not be empty.
func (q *expiryQueue) peek() expiry {
	if q.head == len(q.fifo) || (len(q.heap) > 0 && q.heap[0].at < q.fifo[q.head].at) {
		return q.heap[0]
	}
	return q.fifo[q.head]
}

// pop removes and returns the earliest expiry; the queue must not be empty.
func (q *expiryQueue) pop() expiry {
	if q.head == len(q.fifo) || (len(q.heap) > 0 && q.heap[0].at < q.fifo[q.head].at) {
		return q.heap.pop()
	}
	x := q.fifo[q.head]
	q.head++
	if q.head == len(q.fifo) {
		q.fifo, q.head = q.fifo[:0], 0
	}
	return x
}

// expiryHeap is a binary min-heap of expiries by at. The zero value is
// empty.
type expiryHeap []expiry

func (h *expiryHeap) push(x expiry) {
	*h = append(*h, x)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].at <= s[i].at {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (h *expiryHeap) pop() expiry {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && s[c+1].at < s[c].at {
			c++
		}
		if s[i].at <= s[c].at {
			break
		}
		s[i], s[c] = s[c], s[i]
		i = c
	}
	*h = s
	return top
}
