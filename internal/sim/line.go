package sim

// line holds every request from its arrival to its completion, in order.
// Requests pass the dispatcher queue and the consumer strictly first in,
// first out, so one ring of arrival times serves both: with sequence numbers
// head ≤ mid ≤ tail, requests [head, mid) are inside the consumer and
// [mid, tail) wait in the dispatcher queue. A dispatch only moves mid; no
// timestamp is copied.
//
// The dispatch times of the requests inside the consumer live in a second
// ring indexed by sequence number, sized for the consumer's contents only.
// Both rings double when full and never shrink, so a bounded run stops
// allocating once the line has reached its longest length.
//
// The zero value is an empty line. Not safe for concurrent use.
type line struct {
	arrived    []int64 // by sequence number & (len-1); len is 0 or a power of two
	dispatched []int64 // by sequence number & (len-1); len is 0 or a power of two
	head       uint64  // oldest request inside the consumer
	mid        uint64  // oldest request in the dispatcher queue
	tail       uint64  // next request to arrive
}

// queued returns the length of the dispatcher queue.
func (l *line) queued() int { return int(l.tail - l.mid) }

// inside returns how many requests the consumer holds.
func (l *line) inside() int { return int(l.mid - l.head) }

// held returns how many requests the line holds: queued and inside.
func (l *line) held() int { return int(l.tail - l.head) }

// arrive appends a request that arrived at t.
func (l *line) arrive(t int64) {
	if l.tail-l.head == uint64(len(l.arrived)) {
		l.growArrived()
	}
	l.arrived[l.tail&uint64(len(l.arrived)-1)] = t
	l.tail++
}

// dispatch moves the n oldest queued requests into the consumer at time t.
func (l *line) dispatch(n int, t int64) {
	if n > l.queued() {
		panic("BUG: dispatching more requests than are queued")
	}
	if l.inside()+n > len(l.dispatched) {
		l.growDispatched(l.inside() + n)
	}
	m := uint64(len(l.dispatched) - 1)
	for s := l.mid; s < l.mid+uint64(n); s++ {
		l.dispatched[s&m] = t
	}
	l.mid += uint64(n)
}

// complete removes the oldest request inside the consumer and returns its
// arrival and dispatch times.
func (l *line) complete() (arrived, dispatched int64) {
	if l.head == l.mid {
		panic("BUG: completing a request in an empty consumer")
	}
	arrived = l.arrived[l.head&uint64(len(l.arrived)-1)]
	dispatched = l.dispatched[l.head&uint64(len(l.dispatched)-1)]
	l.head++
	return arrived, dispatched
}

// growArrived doubles the arrival ring. It is kept out of line so that
// arrive inlines.
//
//go:noinline
func (l *line) growArrived() {
	l.arrived = regrow(l.arrived, l.head, l.tail, 2*len(l.arrived))
}

// growDispatched makes the dispatch-time ring hold at least n requests.
//
//go:noinline
func (l *line) growDispatched(n int) {
	size := max(len(l.dispatched), 16)
	for size < n {
		size *= 2
	}
	l.dispatched = regrow(l.dispatched, l.head, l.mid, size)
}

// regrow returns a ring of the given size (a power of two, at least 64 when
// buf is empty) holding buf's entries for sequence numbers [from, to), each
// at its sequence number's new position.
func regrow(buf []int64, from, to uint64, size int) []int64 {
	size = max(size, 64)
	out := make([]int64, size)
	if len(buf) > 0 {
		om, nm := uint64(len(buf)-1), uint64(size-1)
		for s := from; s < to; s++ {
			out[s&nm] = buf[s&om]
		}
	}
	return out
}
