package engine

import (
	"sync/atomic"
	"time"
)

// Scheduling. A worker runs only actors that have work: an actor is put on
// its worker's run queue when something makes work for it (a producer
// published into one of its input rings, a consumer freed room it waits
// for, its timer fell due, its push source or async sink called Wake, its
// tenant is stopping) and taken off when a turn leaves it with nothing to
// do. An idle actor costs its worker nothing, so thousands of small
// tenants share a worker without a pass over all of them.
//
// Each actor has a scheduled flag. Whoever sets it (compare-and-swap from
// 0) puts the actor on the queue; the worker clears it just before the
// actor's turn, so that work made during the turn schedules it again and
// no wake-up is lost. After the turn the worker asks the actor whether it
// still has work and requeues it (at the back) if so; otherwise it arms the
// actor's next timer, if any.
//
// The run queue is per tenant: a worker keeps one FIFO of actors per
// tenant with work and serves the tenants by deficit round robin. Each
// visit adds quantum × the tenant's weight to the tenant's deficit and runs
// its actors while the deficit is positive, charging each turn the time it
// took. A tenant running flat out thus gets its weighted share of the
// worker while others have work, and all of it when they have none; a
// tenant that only has a little work is served within one round.

// quantum is the worker time a tenant of weight 1 is granted per round.
const quantum = 50 * time.Microsecond

// minTurnCost is the least a turn is charged, so that a visit is bounded in
// turns even when the clock does not move (a coarse clock, or a test's
// fake one).
const minTurnCost = 100 * time.Nanosecond

// wake schedules the actor. from is the worker whose goroutine calls it,
// or nil from any other goroutine; a wake from the actor's own worker
// queues it without a lock. When the actor is already scheduled it is one
// atomic load.
func (a *actor) wake(from *worker) {
	if a.scheduled.Load() != 0 || !a.scheduled.CompareAndSwap(0, 1) {
		return
	}
	if from == a.w {
		a.w.enqueue(a)
		return
	}
	a.w.enqueueRemote(a)
}

// tenantQueue is one tenant's run queue on one worker. Owned by the worker
// goroutine.
type tenantQueue struct {
	t          *Tenant
	head, tail *actor // actors with work, linked by actor.next
	deficit    time.Duration
	actors     int          // actors of the tenant on this worker
	active     bool         // in the worker's round
	next       *tenantQueue // link in the worker's round
}

func (q *tenantQueue) push(a *actor) {
	a.next = nil
	if q.tail == nil {
		q.head = a
	} else {
		q.tail.next = a
	}
	q.tail = a
}

func (q *tenantQueue) pop() *actor {
	a := q.head
	if a == nil {
		return nil
	}
	q.head = a.next
	if q.head == nil {
		q.tail = nil
	}
	a.next = nil
	a.queued = false
	return a
}

// round is the FIFO of tenant queues with work on one worker.
type round struct{ head, tail *tenantQueue }

func (r *round) push(q *tenantQueue) {
	q.active = true
	q.next = nil
	if r.tail == nil {
		r.head = q
	} else {
		r.tail.next = q
	}
	r.tail = q
}

func (r *round) pop() *tenantQueue {
	q := r.head
	if q == nil {
		return nil
	}
	r.head = q.next
	if r.head == nil {
		r.tail = nil
	}
	q.next = nil
	q.active = false
	return q
}

// timerHeap is a min-heap of actors' next due times. An entry is current
// while it equals the actor's timerAt; others are skipped when they come
// up (lazy deletion), so rescheduling never searches the heap.
type timerHeap struct{ h []timerEntry }

type timerEntry struct {
	at int64 // unix ns
	a  *actor
}

func (t *timerHeap) len() int { return len(t.h) }

func (t *timerHeap) push(e timerEntry) {
	t.h = append(t.h, e)
	i := len(t.h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if t.h[p].at <= t.h[i].at {
			break
		}
		t.h[i], t.h[p] = t.h[p], t.h[i]
		i = p
	}
}

func (t *timerHeap) top() timerEntry { return t.h[0] }

func (t *timerHeap) pop() timerEntry {
	top := t.h[0]
	n := len(t.h) - 1
	t.h[0] = t.h[n]
	t.h[n] = timerEntry{}
	t.h = t.h[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && t.h[r].at < t.h[l].at {
			m = r
		}
		if t.h[i].at <= t.h[m].at {
			break
		}
		t.h[i], t.h[m] = t.h[m], t.h[i]
		i = m
	}
	return top
}

// schedState is the part of an actor the scheduler owns.
type schedState struct {
	// scheduled is set while the actor is on a run queue or about to be
	// (see wake).
	scheduled atomic.Uint32
	// running is held (compare-and-swap) by whichever goroutine runs a
	// turn of the actor or otherwise touches its state: its worker, or a
	// worker helping (see help.go). live is set while the actor is adopted
	// by its worker and not removed: only a live actor is helped.
	running, live atomic.Bool
	// missed is set by the worker when it popped the actor while a helper
	// was running it, and left it: the helper queues it again.
	missed atomic.Bool
	// Owned by the worker goroutine:
	next    *actor       // link in its tenant queue
	queued  bool         // in its tenant queue
	tq      *tenantQueue // its tenant's queue on its worker
	timerAt int64        // due time of its current timer entry (0: none)
	gone    bool         // removed from the worker
	// busy is the time its turns took, counted while a turn lasts (an
	// I/O actor stuck in a write is busy all along); backPressured the
	// time it waited with a batch that did not fit downstream. Written by
	// the goroutine running its turn (its worker or a helper, holding
	// running).
	busy, backPressured stateClock
	// done is set once the actor has left its worker.
	done atomic.Bool
}
