package engine

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greenwave/greenwave/internal/wait"
)

// worker is one goroutine running many actors cooperatively (see sched.go
// for how it picks them). A dedicated worker runs the single actor of a
// component that blocks on I/O; it exits when that actor is gone.
type worker struct {
	id        int
	e         *Engine
	parker    *wait.Parker
	idler     *wait.Idler
	dedicated bool

	// New actors and wakes from other goroutines arrive under mu and are
	// taken at the top of each round.
	mu struct {
		sync.Mutex
		incoming []*actor
		woken    []*actor
	}
	hasIncoming atomic.Bool
	hasWoken    atomic.Bool
	stop        atomic.Bool
	done        chan struct{}

	// Owned by the worker goroutine.
	tenants map[*Tenant]*tenantQueue
	round   round
	timers  timerHeap
	woken   []*actor // spare slice swapped with mu.woken
	actors  int
	// pushed records that other goroutines woke actors here since the
	// worker last parked.
	pushed bool
	// help is what the worker may run for other workers while idle (see
	// help.go); idleRun counts its consecutive idle passes.
	help    helpees
	idleRun int

	passes, idlePasses, turns atomic.Uint64
	// helped counts the turns it gave other workers' actors (see help.go).
	helped  atomic.Uint64
	nActors atomic.Int32
}

func newWorker(e *Engine, id int, strategy wait.Strategy) *worker {
	p := wait.NewParker()
	w := &worker{id: id, e: e, parker: p, done: make(chan struct{}), tenants: map[*Tenant]*tenantQueue{}}
	w.idler = wait.NewIdler(strategy, p)
	w.idler.SpinFor = e.cfg.SpinFor
	w.idler.MaxPark = maxPark
	return w
}

// newDedicatedWorker returns a worker for one I/O actor. It parks when
// idle: its actor waits on I/O or on its edges, and spinning would take a
// core from the workers.
func newDedicatedWorker(e *Engine) *worker {
	w := newWorker(e, -1, wait.Park)
	w.dedicated = true
	return w
}

// add hands actors to the worker; safe from any goroutine.
func (w *worker) add(as ...*actor) {
	w.mu.Lock()
	w.mu.incoming = append(w.mu.incoming, as...)
	w.mu.Unlock()
	w.hasIncoming.Store(true)
	w.parker.Unpark()
}

// enqueueRemote queues a woken actor from another goroutine.
func (w *worker) enqueueRemote(a *actor) {
	w.mu.Lock()
	w.mu.woken = append(w.mu.woken, a)
	w.mu.Unlock()
	w.hasWoken.Store(true)
	w.parker.Unpark()
}

// enqueue puts a scheduled actor on its tenant's queue. Worker goroutine
// only.
//
// It is idempotent: an actor already queued stays where it is, and one not
// adopted yet (woken by a producer on another worker before this worker took
// it in) is left for takeIncoming, which queues every new actor.
func (w *worker) enqueue(a *actor) {
	if a.tq == nil || a.queued {
		return
	}
	if a.gone {
		a.scheduled.Store(0)
		return
	}
	q := a.tq
	a.queued = true
	q.push(a)
	if !q.active {
		w.round.push(q)
	}
}

// takeIncoming adopts new actors: each gets its tenant's queue and a first
// turn.
func (w *worker) takeIncoming() {
	if !w.hasIncoming.Load() {
		return
	}
	w.mu.Lock()
	in := w.mu.incoming
	w.mu.incoming = nil
	w.hasIncoming.Store(false)
	w.mu.Unlock()
	for _, a := range in {
		q := w.tenants[a.t]
		if q == nil {
			q = &tenantQueue{t: a.t}
			w.tenants[a.t] = q
		}
		q.actors++
		a.tq = q
		w.actors++
		a.scheduled.Store(1)
		w.enqueue(a)
		if !w.dedicated {
			w.help.addNeighbours(w, a)
		}
		a.live.Store(true)
	}
	w.nActors.Store(int32(w.actors))
}

// takeWoken moves actors woken from other goroutines onto their queues
// and reports whether there were any.
func (w *worker) takeWoken() bool {
	if !w.hasWoken.Load() {
		return false
	}
	w.mu.Lock()
	woken := w.mu.woken
	w.mu.woken = w.woken[:0]
	w.hasWoken.Store(false)
	w.mu.Unlock()
	for i, a := range woken {
		w.enqueue(a)
		woken[i] = nil
	}
	w.woken = woken
	return len(woken) > 0
}

// fireTimers queues the actors whose timers are due.
func (w *worker) fireTimers(now int64) {
	for w.timers.len() > 0 && w.timers.top().at <= now {
		e := w.timers.pop()
		a := e.a
		if a.timerAt != e.at {
			continue // superseded
		}
		a.timerAt = 0
		if a.scheduled.Load() == 0 && a.scheduled.CompareAndSwap(0, 1) {
			w.enqueue(a)
		}
	}
}

// arm sets the actor's timer to its next due time, unless an earlier timer
// is already set.
//
// Timers far off are rounded up to a grid (a power of two near a
// sixteenth of the wait, at most about a millisecond), so that the timers
// of many slow actors fall due together and one wake-up serves them all;
// a timer never fires early. Thousands of tenants at a few events a second
// then cost a worker hundreds of wake-ups a second, not one per event.
func (w *worker) arm(a *actor, now time.Time) {
	due := a.nextDue()
	if due.IsZero() {
		return
	}
	at := due.UnixNano()
	if gap := at - now.UnixNano(); gap > timerGridMin*16 {
		grid := int64(1) << (bits.Len64(uint64(min(gap/16, timerGridMax))) - 1)
		at = (at + grid - 1) &^ (grid - 1)
	}
	if a.timerAt != 0 && a.timerAt <= at {
		return
	}
	a.timerAt = at
	w.timers.push(timerEntry{at: at, a: a})
}

const (
	// Timer grids (see arm) lie between these, in nanoseconds.
	timerGridMin = 1 << 10 // about 1 µs
	timerGridMax = 1 << 20 // about 1 ms

	// maxPark bounds a park without a timer, as a safety net.
	maxPark = 100 * time.Millisecond
)

func (w *worker) run() {
	defer close(w.done)
	if w.e.cfg.Pin && !w.dedicated {
		runtime.LockOSThread()
		if err := wait.PinToCPU(w.id % runtime.NumCPU()); err != nil {
			w.e.logf("worker %d: cannot pin to a CPU: %v", w.id, err)
		}
	}
	adopted := false
	for {
		if w.hasIncoming.Load() {
			w.takeIncoming()
			adopted = true
		}
		if w.actors == 0 && (w.stop.Load() || (w.dedicated && adopted)) {
			return
		}
		if w.takeWoken() {
			w.pushed = true
		}
		if w.timers.len() > 0 {
			w.fireTimers(time.Now().UnixNano())
		}
		w.passes.Add(1)
		q := w.round.pop()
		if q == nil {
			w.idlePasses.Add(1)
			w.idleRun++
			if w.idleRun >= helpAfter && w.idleRun%helpEvery == 0 && w.helpOthers() {
				w.idleRun = 0
				continue
			}
			// Wait by the strategy until work arrives or the next timer
			// is due. pushed tells the idler whether work came from other
			// goroutines since the last park: if not, only timers make
			// work here, and spinning would wait for a known time.
			var until time.Time
			if w.timers.len() > 0 {
				until = time.Unix(0, w.timers.top().at)
			}
			if w.idler.Wait(w.hasWork, until, w.pushed) {
				w.pushed = false
			}
			continue
		}
		w.idleRun = 0
		w.idler.Worked()
		w.serve(q)
	}
}

// serve gives one tenant its visit of the round: turns of its actors while
// its deficit lasts.
func (w *worker) serve(q *tenantQueue) {
	// While served, q counts as active, so that actors of the tenant woken
	// during the visit join q without putting it in the round twice.
	q.active = true
	weight := q.t.weight
	q.deficit += time.Duration(float64(quantum) * weight)
	now := time.Now()
	for q.deficit > 0 {
		a := q.pop()
		if a == nil {
			break
		}
		a.scheduled.Store(0)
		if !a.running.CompareAndSwap(false, true) {
			// Another worker is helping it. Say so, and leave it unless
			// the helper finished meanwhile: the helper, once done,
			// queues it here again (work may have arrived during its
			// turn while this queue still held it, so wakes were no-ops).
			a.missed.Store(true)
			if !a.running.CompareAndSwap(false, true) {
				continue
			}
			a.missed.Store(false)
		}
		if a.finished || a.t.failed.Load() {
			// Finished in a turn another worker ran, or failed.
			w.remove(a)
			a.running.Store(false)
			continue
		}
		a.busy.enter(now.UnixNano())
		a.t.runStep(a, now)
		w.turns.Add(1)
		end := time.Unix(0, a.busy.leave())
		cost := max(end.Sub(now), minTurnCost)
		now = end
		q.deficit -= cost
		if a.finished || a.t.failed.Load() {
			w.remove(a)
			a.running.Store(false)
			continue
		}
		if a.ready(now) {
			a.running.Store(false)
			if a.scheduled.Load() == 0 && a.scheduled.CompareAndSwap(0, 1) {
				w.enqueue(a)
			}
			continue
		}
		w.arm(a, now)
		a.running.Store(false)
	}
	q.active = false
	if q.head != nil {
		w.round.push(q)
		return
	}
	// A tenant with nothing left keeps no credit: it would otherwise
	// save up time while idle and run in a burst later.
	q.deficit = 0
}

// remove takes a finished or failed actor off the worker.
func (w *worker) remove(a *actor) {
	if a.gone {
		return
	}
	a.gone = true
	a.live.Store(false)
	a.timerAt = 0
	q := a.tq
	q.actors--
	if q.actors == 0 {
		delete(w.tenants, a.t)
	}
	w.actors--
	w.nActors.Store(int32(w.actors))
	a.t.actorGone(a)
}

// hasWork re-checks, after announcing the intent to park, whether anything
// arrived, so that a wake-up sent just before parking is not lost.
func (w *worker) hasWork() bool {
	return w.hasIncoming.Load() || w.hasWoken.Load() || w.stop.Load() || w.round.head != nil
}
