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
	links    []*link // by partition
	keySlots []int   // empty: partition by Event.Key
	parts    []uint16
	cur      []int // per partition: next batch index to deliver
	// blockedOn is the ring a Block-policy push is waiting for, and since
	// when (monotonic nanos); nil when not blocked.
	blockedOn    *link
	blockedSince time.Time
}

func newRoute(links []*link, keySlots []int) *route {
	return &route{links: links, keySlots: keySlots, cur: make([]int, len(links))}
}

// start prepares the route for a new batch.
func (r *route) start(evs []event.Event) {
	for i := range r.cur {
		r.cur[i] = 0
	}
	if len(r.links) == 1 {
		return
	}
	if cap(r.parts) < len(evs) {
		r.parts = make([]uint16, len(evs), 2*len(evs))
	}
	r.parts = r.parts[:len(evs)]
	n := uint64(len(r.links))
	for i := range evs {
		e := &evs[i]
		h := e.Key
		if len(r.keySlots) > 0 {
			h = 0
			for _, s := range r.keySlots {
				h = e.Get(s).Hash(h)
			}
		}
		r.parts[i] = uint16(h % n)
	}
}

// push delivers as much of evs as the rings accept. It returns true when
// the whole batch has been delivered (or dropped under a drop policy) and
// whether any event moved.
func (r *route) push(evs []event.Event) (complete, moved bool) {
	complete = true
	for p, l := range r.links {
		if r.cur[p] >= len(evs) {
			continue
		}
		var ok, m bool
		if len(r.links) == 1 {
			ok, m = r.pushAll(l, evs, p)
		} else {
			ok, m = r.pushPart(l, evs, p)
		}
		moved = moved || m
		if !ok {
			complete = false
			if r.blockedOn == nil {
				r.blockedOn = l
				r.blockedSince = time.Now()
			}
		}
	}
	if complete && r.blockedOn != nil {
		r.blockedOn.ring.AddBlocked(time.Since(r.blockedSince))
		r.blockedOn = nil
	}
	return complete, moved
}

func (r *route) pushAll(l *link, evs []event.Event, p int) (complete, moved bool) {
	rest := evs[r.cur[p]:]
	pos, got := l.ring.Claim(len(rest))
	for i := 0; i < got; i++ {
		l.ring.Slot(pos + uint64(i)).CopyFrom(&rest[i])
	}
	if got > 0 {
		l.ring.Publish(pos, got)
		l.consumer.w.parker.Unpark()
	}
	r.cur[p] += got
	if got < len(rest) && l.policy != ring.Block {
		l.ring.Drop(len(rest) - got)
		r.cur[p] = len(evs)
	}
	return r.cur[p] >= len(evs), got > 0
}

func (r *route) pushPart(l *link, evs []event.Event, p int) (complete, moved bool) {
	want := 0
	part := uint16(p)
	for i := r.cur[p]; i < len(evs); i++ {
		if r.parts[i] == part {
			want++
		}
	}
	if want == 0 {
		r.cur[p] = len(evs)
		return true, false
	}
	pos, got := l.ring.Claim(want)
	i := r.cur[p]
	for k := 0; k < got; i++ {
		if r.parts[i] == part {
			l.ring.Slot(pos + uint64(k)).CopyFrom(&evs[i])
			k++
		}
	}
	if got > 0 {
		l.ring.Publish(pos, got)
		l.consumer.w.parker.Unpark()
	}
	if got == want {
		r.cur[p] = len(evs)
		return true, got > 0
	}
	r.cur[p] = i
	if l.policy != ring.Block {
		l.ring.Drop(want - got)
		r.cur[p] = len(evs)
		return true, got > 0
	}
	return false, got > 0
}
