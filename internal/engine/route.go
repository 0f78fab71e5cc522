package engine

import (
	"time"

	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/ring"
)

// route delivers one of an actor's outputs along one logical edge: to a
// single ring, or hash-partitioned over the rings of a keyed consumer's
// instances. It is owned by the producing actor.
type route struct {
	src      *actor  // the producing actor (its on: the worker running its turn)
	links    []*link // by partition
	keySlots []int   // empty: partition by Event.Key
	parts    []uint16
	// Per partition: events of the batch bound there, how many of them are
	// delivered, and the claim of the current push.
	total, done, got, seen []int
	base                   []uint64
	cur                    int // single partition: next batch index
	lossless               bool
	// blockedOn is the ring a Block-policy push is waiting for, and since
	// when; nil when not blocked.
	blockedOn    *link
	blockedSince time.Time
}

// broadcast marks a control record in parts: it goes to every partition.
const broadcast = ^uint16(0)

func newRoute(src *actor, links []*link, keySlots []int) *route {
	n := len(links)
	return &route{src: src, links: links, keySlots: keySlots,
		total: make([]int, n), done: make([]int, n), got: make([]int, n), seen: make([]int, n), base: make([]uint64, n)}
}

// start prepares the route for a new batch: with several partitions it
// hashes every event once and counts the events bound to each.
func (r *route) start(evs []event.Event) {
	r.cur = 0
	if len(r.links) == 1 {
		return
	}
	if cap(r.parts) < len(evs) {
		r.parts = make([]uint16, len(evs), 2*len(evs))
	}
	r.parts = r.parts[:len(evs)]
	for p := range r.total {
		r.total[p], r.done[p] = 0, 0
	}
	n := uint64(len(r.links))
	// h % n, as a mask when n is a power of two (no division per event).
	mask, pow2 := n-1, n&(n-1) == 0
	if len(evs) == 1 && evs[0].IsControl() {
		// Control records go to every partition.
		r.parts[0] = broadcast
		for p := range r.total {
			r.total[p] = 1
		}
		return
	}
	for i := range evs {
		e := &evs[i]
		h := e.Key
		if len(r.keySlots) > 0 {
			h = 0
			for _, s := range r.keySlots {
				h = e.Get(s).Hash(h)
			}
		}
		var p uint16
		if pow2 {
			p = uint16(h & mask)
		} else {
			p = uint16(h % n)
		}
		r.parts[i] = p
		r.total[p]++
	}
}

// push delivers as much of evs as the rings accept. It returns true when
// the whole batch has been delivered (or dropped under a drop policy) and
// whether any event moved.
func (r *route) push(evs []event.Event) (complete, moved bool) {
	var blocked *link
	// Control records are never dropped: they wait for room.
	r.lossless = len(evs) == 1 && evs[0].IsControl()
	if len(r.links) == 1 {
		complete, moved = r.pushAll(r.links[0], evs)
		if !complete {
			blocked = r.links[0]
		}
	} else {
		complete, moved, blocked = r.pushParts(evs)
	}
	if !complete {
		if r.blockedOn == nil {
			r.blockedOn = blocked
			r.blockedSince = time.Now()
			if len(blocked.producers) == 1 {
				blocked.blocked.enter(r.blockedSince.UnixNano())
			}
		}
		blocked.waiting.Store(true)
		return false, moved
	}
	if r.blockedOn != nil {
		if len(r.blockedOn.producers) == 1 {
			r.blockedOn.blocked.leave()
		} else {
			r.blockedOn.ring.AddBlocked(time.Since(r.blockedSince))
		}
		r.blockedOn = nil
		for _, l := range r.links {
			if l.waiting.Load() {
				l.waiting.Store(false)
			}
		}
	}
	return true, moved
}

func (r *route) pushAll(l *link, evs []event.Event) (complete, moved bool) {
	rest := evs[r.cur:]
	if len(rest) == 0 {
		return true, false
	}
	pos, got := l.ring.Claim(len(rest))
	for i := 0; i < got; {
		seg := l.ring.Segment(pos+uint64(i), got-i)
		for k := range seg {
			seg[k].CopyFrom(&rest[i+k])
		}
		i += len(seg)
	}
	if got > 0 {
		l.ring.Publish(pos, got)
		l.consumer.wake(r.src.on)
		if r.lossless {
			l.ctlSent.Add(uint64(got))
		}
	}
	r.cur += got
	if got < len(rest) && l.policy != ring.Block && !r.lossless {
		l.ring.Drop(len(rest) - got)
		r.cur = len(evs)
	}
	return r.cur >= len(evs), got > 0
}

// maxFastParts bounds the partitions fastParts handles (its cursors live
// in fixed arrays on the stack).
const maxFastParts = 8

// fastParts copies the batch when every partition's ring gave all the
// slots its events need on the batch's first push and the batch is not a
// broadcast control record: each event then goes to the next claimed slot
// of its partition, with no bookkeeping of what is left. It reports
// whether it did.
func (r *route) fastParts(evs []event.Event) bool {
	n := len(r.links)
	if n > maxFastParts || (len(evs) == 1 && r.parts[0] == broadcast) {
		return false
	}
	// Each partition's claimed slots as at most two slices (the claim may
	// wrap around its array's end, or start in an older array), looked up
	// once per batch rather than once per event.
	var segA, segB [maxFastParts][]event.Event
	for p, l := range r.links {
		g := r.got[p]
		if r.done[p] != 0 || g != r.total[p] {
			return false
		}
		if g == 0 {
			continue
		}
		a := l.ring.Segment(r.base[p], g)
		if len(a) < g {
			b := l.ring.Segment(r.base[p]+uint64(len(a)), g-len(a))
			if len(a)+len(b) < g {
				return false
			}
			segB[p] = b
		}
		segA[p] = a
	}
	var next [maxFastParts]int
	for i := range evs {
		p := r.parts[i] % maxFastParts
		k := next[p]
		next[p]++
		if a := segA[p]; k < len(a) {
			a[k].CopyFrom(&evs[i])
		} else {
			segB[p][k-len(a)].CopyFrom(&evs[i])
		}
	}
	return true
}

// pushParts claims, for every partition with events left, as many slots as
// its ring gives, then copies the batch in one pass.
func (r *route) pushParts(evs []event.Event) (complete, moved bool, blocked *link) {
	any := false
	for p, l := range r.links {
		r.got[p], r.seen[p] = 0, 0
		want := r.total[p] - r.done[p]
		if want == 0 {
			continue
		}
		pos, got := l.ring.Claim(want)
		r.base[p], r.got[p] = pos, got
		if got > 0 {
			any = true
		}
	}
	if any && r.fastParts(evs) {
		// Copied in one pass.
	} else if any {
		for i := range evs {
			p := r.parts[i]
			if p == broadcast {
				for q, l := range r.links {
					if r.got[q] > 0 && r.done[q] == 0 {
						l.ring.Slot(r.base[q]).CopyFrom(&evs[i])
					}
				}
				continue
			}
			s := r.seen[p] - r.done[p]
			r.seen[p]++
			if s < 0 || s >= r.got[p] {
				continue
			}
			r.links[p].ring.Slot(r.base[p] + uint64(s)).CopyFrom(&evs[i])
		}
	}
	complete = true
	for p, l := range r.links {
		if g := r.got[p]; g > 0 {
			l.ring.Publish(r.base[p], g)
			l.consumer.wake(r.src.on)
			if r.lossless {
				l.ctlSent.Add(uint64(g))
			}
			r.done[p] += g
			moved = true
		}
		if left := r.total[p] - r.done[p]; left > 0 {
			if l.policy != ring.Block && !r.lossless {
				l.ring.Drop(left)
				r.done[p] = r.total[p]
				continue
			}
			complete = false
			if blocked == nil {
				blocked = l
			}
		}
	}
	return complete, moved, blocked
}
