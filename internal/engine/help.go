package engine

import "time"

// Helping. Actors belong to a worker, but a worker with nothing of its own
// to run gives turns to its neighbours' actors: the actors on other
// (shared, not dedicated) workers joined by an edge to one of its own.
// This is what keeps a pipeline split over two workers moving when the
// operating system takes a core away from one of them: on a host busy
// with other processes a worker can be descheduled for milliseconds, its
// consumers' rings fill, its producers' drain, and without help the other
// worker would wait for it however much work it holds. With help, the
// worker still running drains the full rings and feeds the empty ones
// itself, so the pipeline runs at the speed of the CPU it gets, not of
// the slower of its workers.
//
// A worker helps only an actor that is scheduled (on its owner's run
// queue, so the owner will give it a turn of its own afterwards: timers,
// removal and the tenant's share stay the owner's business) and live, and
// only while holding the actor's running flag, which the owner takes for
// its own turns too; an owner that pops an actor a helper is running
// leaves it (saying so: missed), and the helper queues it on its owner
// again if the turn left work or the owner left it. Wakes made in a helped turn name the helper (actor.on), so each
// worker touches only its own queues.

const (
	// helpAfter is the number of consecutive idle passes after which a
	// worker looks for actors to help (a pass is well under a
	// microsecond): a worker that is only between two batches of its own
	// does not take its neighbours' work.
	helpAfter = 1
	// helpEvery spaces the looks after that.
	helpEvery = 1
	// helpScan bounds the neighbours one look examines, so that an idle
	// worker beside thousands of tenants costs little per pass; a cursor
	// carries the scan on at the next look.
	helpScan = 64
	// helpTurns bounds the turns one look gives, so that work of the
	// worker's own that arrives meanwhile waits at most that long.
	helpTurns = 16
)

// helpees are the neighbours a worker may help. Owned by the worker
// goroutine.
type helpees struct {
	list []*actor
	set  map[*actor]struct{}
	next int // cursor of the scan
}

// addNeighbours records the actors on other shared workers that a (just
// adopted by w) consumes from or produces to.
func (h *helpees) addNeighbours(w *worker, a *actor) {
	add := func(n *actor) {
		if n == nil || n.w == w || n.w.dedicated {
			return
		}
		if h.set == nil {
			h.set = map[*actor]struct{}{}
		}
		if _, ok := h.set[n]; ok {
			return
		}
		h.set[n] = struct{}{}
		h.list = append(h.list, n)
	}
	for _, in := range a.ins {
		for _, p := range in.l.producers {
			add(p)
		}
	}
	for _, rs := range a.outs {
		for _, r := range rs {
			for _, l := range r.links {
				add(l.consumer)
			}
		}
	}
}

// drop forgets the neighbour at i (it has left its worker).
func (h *helpees) drop(i int) {
	delete(h.set, h.list[i])
	last := len(h.list) - 1
	h.list[i] = h.list[last]
	h.list[last] = nil
	h.list = h.list[:last]
}

// helpOthers gives turns to scheduled neighbours that nobody is running
// and that have work, and reports whether it ran any.
func (w *worker) helpOthers() bool {
	h := &w.help
	if len(h.list) == 0 {
		return false
	}
	var now time.Time
	turns := 0
	for k := 0; k < helpScan && turns < helpTurns && len(h.list) > 0; k++ {
		if h.next >= len(h.list) {
			h.next = 0
		}
		i := h.next
		a := h.list[i]
		h.next++
		if a.done.Load() {
			h.drop(i)
			continue
		}
		if a.scheduled.Load() == 0 || !a.live.Load() {
			continue
		}
		if !a.running.CompareAndSwap(false, true) {
			continue
		}
		if now.IsZero() {
			now = time.Now()
		}
		if !a.live.Load() || a.finished || a.t.failed.Load() || !a.ready(now) {
			release(a, false)
			continue
		}
		w.helpTurn(a, now)
		turns++
		w.helped.Add(1)
		now = time.Now()
	}
	return turns > 0
}

// helpTurn runs one turn of a, another worker's actor, whose running flag
// w holds; it releases the flag and, if the turn left work or a timer the
// owner may have dropped meanwhile, queues a on its owner again.
func (w *worker) helpTurn(a *actor, now time.Time) {
	a.on = w
	a.busy.enter(now.UnixNano())
	a.t.runStep(a, now)
	w.turns.Add(1)
	end := time.Unix(0, a.busy.leave())
	a.on = a.w
	release(a, a.finished || a.t.failed.Load() || a.ready(end) || !a.nextDue().IsZero())
}

// release gives up the running flag a helper holds on a, and queues a on
// its owner again if more says its state needs a turn, or if the owner
// popped it meanwhile and left it (missed): wakes during that time found
// it still scheduled and did nothing.
func release(a *actor, more bool) {
	a.running.Store(false)
	if missed := a.missed.Swap(false); (more || missed) && a.scheduled.Load() == 0 && a.scheduled.CompareAndSwap(0, 1) {
		a.w.enqueueRemote(a)
	}
}
