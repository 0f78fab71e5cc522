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

// expiryHeap holds the expiries that arrived out of order.
type expiryHeap = minHeap[expiry]

func (e expiry) due() int64 { return e.at }
