package inbox

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/ring"
)

// ErrFull is returned by Put when the inbox had no room for the events
// until the deadline; nothing was queued.
var ErrFull = errors.New("inbox full")

// ErrClosed is returned by Put after Close; nothing was queued.
var ErrClosed = errors.New("inbox closed")

// Config describes an Inbox.
type Config struct {
	// Capacity is the most events the inbox holds, rounded up to a power
	// of two (at least 2). A single Put takes at most Capacity events.
	Capacity int
	// Width is how many fields each slot preallocates (the widest schema
	// put into the inbox), so steady-state Puts do not allocate.
	Width int
	// Wake is called after each Put that queued events (the source's
	// Context.Wake). Nil: nobody is woken.
	Wake func()
	// Whole makes Take hand out whole Puts: it may return more than it
	// was asked for, up to the end of the Put its last event belongs to,
	// so that a checkpoint taken between two Takes never holds part of a
	// Put (a request the client would send again whole).
	Whole bool
}

// Inbox is a bounded multi-producer, single-consumer queue of events.
//
// Put may be called from any number of goroutines at once; Take from one
// goroutine (the source's actor) at a time. Stats, Len and Cap are safe from
// any goroutine. After Close, Put refuses and waiting Puts return; Take
// still returns what was queued before.
type Inbox struct {
	r     *ring.Ring[event.Event]
	wake  func()
	whole bool
	// taken is the position after the last event Take moved: written by
	// the consumer, read by anyone (Taken).
	taken atomic.Uint64

	// room is closed and replaced when the consumer frees slots while
	// producers wait (waiters > 0).
	mu      sync.Mutex
	room    chan struct{}
	waiters atomic.Int32
	closed  atomic.Bool

	accepted, refused, refusedPuts atomic.Uint64
	waits, waitNanos               atomic.Uint64
}

// New returns an empty inbox.
func New(cfg Config) *Inbox {
	width := max(cfg.Width, 1)
	initial := min(max(cfg.Capacity, 2), 64)
	q := &Inbox{wake: cfg.Wake, whole: cfg.Whole, room: make(chan struct{})}
	q.r = ring.Make(ring.Config[event.Event]{
		Capacity: cfg.Capacity, Initial: initial, Policy: ring.Block, MultiProducer: true,
		Init: func(slots []event.Event) {
			for i := range slots {
				slots[i].Fields = make([]event.Value, 0, width)
			}
		},
	})
	return q
}

// Cap returns the most events the inbox holds.
func (q *Inbox) Cap() int { return q.r.Cap() }

// Len returns the events queued and not yet taken (approximate while
// producers and the consumer run).
func (q *Inbox) Len() int { return q.r.Len() }

// Put copies evs into the inbox, all of them or none, and returns their
// end: the position after the last of them. Every event ever put has a
// position, counting from 0 in the order Take hands them out; an event is
// taken once Taken is past its position. When there is no room Put waits
// until the consumer frees enough or until deadline (a zero deadline does
// not wait), and then returns ErrFull with nothing queued; after Close it
// returns ErrClosed. len(evs) must be at most Cap: callers split larger
// batches. The events are copied; evs may be reused once Put returns. A
// Put of nothing returns 0.
func (q *Inbox) Put(evs []event.Event, deadline time.Time) (end uint64, err error) {
	n := len(evs)
	if n == 0 {
		return 0, nil
	}
	if n > q.r.Cap() {
		panic("BUG: inbox: Put of more events than the capacity")
	}
	if q.closed.Load() {
		return 0, ErrClosed
	}
	if end, ok := q.tryPut(evs); ok {
		return end, nil
	}
	start := time.Now()
	q.waits.Add(1)
	defer func() { q.waitNanos.Add(uint64(time.Since(start))) }()
	var timer waitTimer
	defer timer.stop()
	for {
		if q.closed.Load() {
			return 0, q.refuse(n, ErrClosed)
		}
		left := time.Until(deadline)
		if left <= 0 {
			return 0, q.refuse(n, ErrFull)
		}
		q.mu.Lock()
		room := q.room
		q.waiters.Add(1)
		q.mu.Unlock()
		// Try again once registered: a Take between the failed try and
		// the registration saw no waiter and signalled nothing.
		if end, ok := q.tryPut(evs); ok {
			q.waiters.Add(-1)
			return end, nil
		}
		timer.wait(room, left)
		q.waiters.Add(-1)
	}
}

func (q *Inbox) refuse(n int, err error) error {
	q.refused.Add(uint64(n))
	q.refusedPuts.Add(1)
	return err
}

// putEnd marks, in the Seq of an inbox slot (which no edge has numbered
// yet), the last event of a Put.
const putEnd = 1

// tryPut claims n slots at once and copies evs in, or claims nothing.
func (q *Inbox) tryPut(evs []event.Event) (uint64, bool) {
	n := len(evs)
	pos, ok := q.r.TryClaim(n)
	if !ok {
		return 0, false
	}
	for done := 0; done < n; {
		seg := q.r.Segment(pos+uint64(done), n-done)
		for i := range seg {
			seg[i].CopyFrom(&evs[done+i])
			seg[i].Seq = 0
		}
		done += len(seg)
	}
	q.r.Slot(pos + uint64(n) - 1).Seq = putEnd
	q.r.Publish(pos, n)
	q.accepted.Add(uint64(n))
	if q.wake != nil {
		q.wake()
	}
	return pos + uint64(n), true
}

// Take moves up to max queued events into out, oldest first. side, when
// set, routes each event: it returns the index of the side output of out
// the event goes to (a dead letter), or -1 for out itself. It returns how
// many events it moved: more than max under Config.Whole when the Put of
// the max-th event goes on. Consumer side: one goroutine at a time.
func (q *Inbox) Take(out *component.Output, max int, side func(e *event.Event) int) int {
	moved := 0
	atEnd := true // the last event moved ends its Put
	for {
		want := max - moved
		if want <= 0 {
			if !q.whole || atEnd {
				break
			}
			// A Put is published whole, so the rest of it is there: one
			// event at a time, to stop at its end.
			want = 1
		}
		pos, n := q.r.Poll(want)
		if n == 0 {
			break
		}
		seg := q.r.Segment(pos, n)
		for i := range seg {
			dst := out
			if side != nil {
				if k := side(&seg[i]); k >= 0 {
					dst = out.Side(k)
				}
			}
			e := dst.Next()
			e.CopyFrom(&seg[i])
			e.Seq = 0
		}
		atEnd = seg[n-1].Seq == putEnd
		q.r.Release(pos, n)
		moved += n
		q.taken.Store(pos + uint64(n))
	}
	if moved > 0 && q.waiters.Load() > 0 {
		q.signal()
	}
	return moved
}

// Taken returns the position after the last event Take moved: every event
// whose Put ended at or before it has been taken. Safe from any goroutine;
// exact on the consumer's.
func (q *Inbox) Taken() uint64 { return q.taken.Load() }

// signal wakes every producer waiting for room.
func (q *Inbox) signal() {
	q.mu.Lock()
	close(q.room)
	q.room = make(chan struct{})
	q.mu.Unlock()
}

// Close makes later Puts return ErrClosed and wakes the waiting ones, which
// return ErrClosed too. Events already queued stay for Take. Idempotent;
// safe from any goroutine.
func (q *Inbox) Close() {
	if q.closed.Swap(true) {
		return
	}
	q.signal()
}

// Stats is a snapshot of an inbox's figures.
type Stats struct {
	// Capacity is the bound; Depth the events queued now.
	Capacity, Depth int
	// Accepted counts events queued; Refused those Put gave up on (full
	// until the deadline, or closed), in RefusedPuts calls.
	Accepted, Refused, RefusedPuts uint64
	// Waits counts Puts that found no room at first and waited;
	// WaitTime is the time they spent waiting, in total.
	Waits    uint64
	WaitTime time.Duration
}

// Fill returns Depth over Capacity.
func (s Stats) Fill() float64 {
	if s.Capacity == 0 {
		return 0
	}
	return float64(s.Depth) / float64(s.Capacity)
}

// Stats returns the inbox's figures. Safe from any goroutine.
func (q *Inbox) Stats() Stats {
	return Stats{
		Capacity: q.r.Cap(), Depth: q.r.Len(),
		Accepted: q.accepted.Load(), Refused: q.refused.Load(), RefusedPuts: q.refusedPuts.Load(),
		Waits: q.waits.Load(), WaitTime: time.Duration(q.waitNanos.Load()),
	}
}
