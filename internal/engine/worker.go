package engine

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greenwave/greenwave/internal/wait"
)

// worker is one goroutine running many actors cooperatively.
type worker struct {
	id     int
	e      *Engine
	parker *wait.Parker
	idler  *wait.Idler

	// actors is owned by the worker goroutine. New actors arrive through
	// incoming (guarded by mu) and are adopted at the top of a pass.
	actors []*actor
	mu     struct {
		sync.Mutex
		incoming []*actor
	}
	hasIncoming atomic.Bool
	stop        atomic.Bool
	done        chan struct{}

	passes, idlePasses atomic.Uint64
	nActors            atomic.Int32
}

func newWorker(e *Engine, id int, strategy wait.Strategy) *worker {
	p := wait.NewParker()
	w := &worker{id: id, e: e, parker: p, done: make(chan struct{})}
	w.idler = wait.NewIdler(strategy, p)
	w.idler.SpinFor = e.cfg.SpinFor
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

func (w *worker) adopt() {
	if !w.hasIncoming.Load() {
		return
	}
	w.mu.Lock()
	w.actors = append(w.actors, w.mu.incoming...)
	w.mu.incoming = nil
	w.hasIncoming.Store(false)
	w.mu.Unlock()
}

const (
	minPark = 50 * time.Microsecond
	maxPark = 100 * time.Millisecond
)

func (w *worker) run() {
	defer close(w.done)
	if w.e.cfg.Pin {
		runtime.LockOSThread()
		if err := wait.PinToCPU(w.id % runtime.NumCPU()); err != nil {
			w.e.logf("worker %d: cannot pin to a CPU: %v", w.id, err)
		}
	}
	for {
		w.adopt()
		if w.stop.Load() && len(w.actors) == 0 {
			return
		}
		now := time.Now()
		worked := false
		for i := 0; i < len(w.actors); i++ {
			a := w.actors[i]
			if a.t.failed.Load() {
				w.remove(i)
				i--
				a.t.actorGone(a)
				continue
			}
			did := a.t.runStep(a, now)
			worked = worked || did
			if a.finished || a.t.failed.Load() {
				w.remove(i)
				i--
				a.t.actorGone(a)
			}
		}
		w.passes.Add(1)
		w.nActors.Store(int32(len(w.actors)))
		if worked {
			w.idler.Worked()
			continue
		}
		w.idlePasses.Add(1)
		w.idler.MaxPark = w.parkLimit(now)
		w.idler.Idle(w.hasWork)
	}
}

func (w *worker) remove(i int) {
	copy(w.actors[i:], w.actors[i+1:])
	w.actors[len(w.actors)-1] = nil
	w.actors = w.actors[:len(w.actors)-1]
}

// hasWork re-checks, after announcing the intent to park, whether any
// actor could make progress, so that a wake-up sent just before parking is
// not lost.
func (w *worker) hasWork() bool {
	if w.hasIncoming.Load() || w.stop.Load() {
		return true
	}
	now := time.Now()
	for _, a := range w.actors {
		if a.t.failed.Load() || a.ready(now) {
			return true
		}
	}
	return false
}

// parkLimit bounds a park by the earliest timer among the actors.
func (w *worker) parkLimit(now time.Time) time.Duration {
	limit := maxPark
	for _, a := range w.actors {
		if due := a.nextDue(); !due.IsZero() {
			if d := due.Sub(now); d < limit {
				limit = d
			}
		}
	}
	if limit < minPark {
		limit = minPark
	}
	return limit
}
