package engine

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/plan"
	"github.com/greenwave/greenwave/internal/registry"
	"github.com/greenwave/greenwave/internal/spec"
	"github.com/greenwave/greenwave/internal/wait"
)

// Engine runs tenants on a fixed set of workers. Its methods are safe for
// concurrent use.
type Engine struct {
	cfg     Config
	reg     *registry.Registry
	workers []*worker

	mu struct {
		sync.Mutex
		tenants []*Tenant
		started bool
		closed  bool
		next    int   // placement offset for the next tenant
		load    []int // placed weight per worker
		// capped are the tenants with a memory limit, which the monitor
		// measures.
		capped []*Tenant
	}
	logMu sync.Mutex
	// closing stops the memory monitor and the checkpointer, which close
	// monitorDone and checkpointerDone.
	closing, monitorDone, checkpointerDone chan struct{}
	ckq                                    ckQueue
}

// New returns an engine; call Start before adding tenants' work runs.
func New(cfg Config) (*Engine, error) {
	cfg.defaults()
	strategy, err := wait.ParseStrategy(cfg.Wait)
	if err != nil {
		return nil, fmt.Errorf("wait strategy: %w", err)
	}
	if strategy == wait.Adaptive {
		wait.RoundTrip() // measured once, now rather than on a first idle turn
	}
	e := &Engine{cfg: cfg, reg: cfg.Registry, closing: make(chan struct{}), monitorDone: make(chan struct{}),
		checkpointerDone: make(chan struct{})}
	e.ckq.signal = make(chan struct{}, 1)
	for i := 0; i < cfg.Workers; i++ {
		e.workers = append(e.workers, newWorker(e, i, strategy))
	}
	return e, nil
}

// Registry returns the engine's type registry.
func (e *Engine) Registry() *registry.Registry { return e.reg }

// Workers returns the number of workers.
func (e *Engine) Workers() int { return len(e.workers) }

// Start starts the workers. It is idempotent.
func (e *Engine) Start() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.mu.started {
		return
	}
	e.mu.started = true
	for _, w := range e.workers {
		go w.run()
	}
	go e.monitor()
	go e.checkpointer()
	for _, t := range e.mu.tenants {
		t.startDedicated()
	}
}

// Compile compiles a parsed pipeline for this engine (its workers and
// registry), spreading successive tenants over the workers.
func (e *Engine) Compile(p *spec.Pipeline) (*plan.Plan, error) {
	// Placement reads and updates the engine's per-worker load, so the
	// whole compile holds the lock; compiling is rare.
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.mu.load == nil {
		e.mu.load = make([]int, len(e.workers))
	}
	ck, interval := e.checkpoints(p)
	pl, err := plan.Compile(p, plan.Options{Workers: len(e.workers), FirstWorker: e.mu.next, WorkerLoad: e.mu.load, Registry: e.reg, Now: e.cfg.Now,
		RingPerProducer: e.checkpointed(p.Tenant), Checkpoints: ck, CheckpointInterval: interval})
	if err != nil {
		return nil, err
	}
	e.mu.next++
	return pl, nil
}

// checkpointed reports whether the tenant of that name is checkpointed:
// in a store of its own, or in the state directory.
func (e *Engine) checkpointed(tenant string) bool {
	return e.cfg.StateDir != "" || e.storeOf(tenant) != nil
}

// checkpoints says how the run checkpoints the pipeline's tenant, for
// the components' Context.
func (e *Engine) checkpoints(p *spec.Pipeline) (component.Checkpoints, time.Duration) {
	if !e.checkpointed(p.Tenant) {
		return component.CheckpointsOff, 0
	}
	interval := p.Checkpoint.Interval
	if interval <= 0 {
		interval = e.cfg.CheckpointInterval
	}
	return component.CheckpointsOn, interval
}

// storeOf returns the tenant's checkpoint store, nil for the state
// directory.
func (e *Engine) storeOf(tenant string) CheckpointStore {
	if e.cfg.CheckpointStore == nil {
		return nil
	}
	return e.cfg.CheckpointStore(tenant)
}

// Run builds the plan's instances, rings and actors and hands the actors to
// the workers. The tenant runs until its sources finish, Stop is called, or
// it fails.
func (e *Engine) Run(pl *plan.Plan) (*Tenant, error) { return e.run(pl, 1) }

func (e *Engine) run(pl *plan.Plan, version int) (*Tenant, error) {
	e.mu.Lock()
	if e.mu.closed {
		e.mu.Unlock()
		return nil, fmt.Errorf("tenant %q: engine is closed", pl.Tenant)
	}
	e.mu.Unlock()
	t := &Tenant{Name: pl.Tenant, Plan: pl, e: e, done: make(chan struct{}), started: time.Now(), weight: 1, version: version}
	if pl.Weight > 0 {
		t.weight = pl.Weight
	}
	opt := plan.Options{Workers: len(e.workers), Registry: e.reg, Now: e.cfg.Now}
	opt.Checkpoints, opt.CheckpointInterval = e.checkpoints(pl.Pipeline)

	byPlan := map[*plan.Actor]*actor{}
	for _, pa := range pl.Actors {
		a := &actor{p: pa, t: t, name: pa.Name(),
			wmIn: event.MinWatermark, wmOut: event.MinWatermark, wmSent: event.MinWatermark}
		if pa.IO() {
			a.w = newDedicatedWorker(e)
		} else {
			a.w = e.workers[pa.Worker%len(e.workers)]
		}
		a.on = a.w
		if et := pa.Head().Comp.EventTime; pa.Head().Comp.Kind == component.KindSource {
			a.clock.bound = int64(et.MaxOutOfOrderness)
			a.clock.idleTimeout = et.IdleTimeout
		}
		hooks := plan.Hooks{Reject: a.rejectFunc(), Wake: func() { a.wake(nil) }, CloseTimeout: e.cfg.CloseTimeout}
		for i, n := range pa.Nodes {
			st := &stage{node: n, sink: i > 0 && n.Comp.Kind == component.KindSink}
			h := hooks
			if n.Comp.Kind == component.KindSink {
				h.Ack = a.ackFunc(st)
			}
			inst, err := pl.NewInstance(n, pa.Instance, pa.Parallelism, opt, h)
			if err != nil {
				t.closeAll(false)
				return nil, fmt.Errorf("tenant %q: %w", pl.Tenant, err)
			}
			if i == 0 && inst.Source != nil {
				a.src = inst.Source
			}
			if inst.Operator == nil {
				continue
			}
			st.op = inst.Operator
			if ip, ok := inst.Operator.(component.InPlace); ok && n.Comp.Spec.Stateless {
				st.inplace = ip
			}
			if tk, ok := inst.Operator.(component.Ticker); ok && tk.TickEvery() > 0 {
				st.ticker = tk
				st.next = time.Now().Add(tk.TickEvery())
			}
			st.closer, _ = inst.Operator.(component.Closer)
			if as, ok := inst.Operator.(component.Async); ok && n.Comp.Kind == component.KindSink {
				st.async = true
				st.maxIn = int64(max(as.MaxInFlight(), 1))
				a.async = append(a.async, st)
			}
			a.stages = append(a.stages, st)
		}
		skipUnreadKeys(a.stages)
		a.nextTick()
		a.sink = pa.Head().Comp.Kind == component.KindSink
		a.side = make([]atomic.Uint64, len(pa.Head().Comp.Spec.SideOutputs))
		if pa.Tail().Comp.Kind == component.KindSink {
			a.lat = newLatencyHistogram()
		}
		byPlan[pa] = a
		t.actors = append(t.actors, a)
	}
	if e.checkpointed(pl.Tenant) {
		if err := t.restore(); err != nil {
			t.closeAll(false)
			return nil, err
		}
	}
	if err := t.open(); err != nil {
		return nil, err
	}
	// Rings.
	for _, pln := range pl.Links {
		width := 1
		if s := pln.Edge.Schema(); s != nil {
			width = s.Width()
		}
		l := newLink(pln, width)
		l.consumer = byPlan[pln.Consumer]
		for _, p := range pln.Producers {
			l.producers = append(l.producers, byPlan[p])
		}
		t.links = append(t.links, l)
		l.consumer.ins = append(l.consumer.ins, input{l: l, port: pln.Edge.Port})
	}
	// Routes: for each producing actor, one route per (tail output, edge).
	for _, a := range t.actors {
		tail := a.p.Tail()
		nOut := 1 + len(tail.Comp.Spec.SideOutputs)
		if tail.Comp.Kind == component.KindSink {
			nOut = 0
		}
		a.outs = make([][]*route, nOut)
		for _, edge := range tail.Outputs {
			var ls []*link
			for _, l := range t.links {
				if l.p.Edge == edge {
					for _, p := range l.producers {
						if p == a {
							ls = append(ls, l)
						}
					}
				}
			}
			if len(ls) == 0 {
				continue // edge fused inside the actor
			}
			a.outs[edge.Output] = append(a.outs[edge.Output], newRoute(a, ls, edge.KeySlots))
		}
	}
	t.markTimed()
	t.endRestoredFinished()
	if t.ckpt != nil && t.ckpt.fresh {
		t.ckpt.checkpointFirst()
	}
	t.left.Store(int32(len(t.actors)))
	e.mu.Lock()
	e.mu.tenants = append(e.mu.tenants, t)
	if pl.Pipeline.Limits.Memory > 0 {
		// Copy on write: the monitor reads it without the lock.
		e.mu.capped = append(slices.Clip(e.mu.capped), t)
	}
	started := e.mu.started
	e.mu.Unlock()
	if len(t.actors) == 0 {
		close(t.done)
		return t, nil
	}
	perWorker := map[*worker][]*actor{}
	for _, a := range t.actors {
		perWorker[a.w] = append(perWorker[a.w], a)
		if a.w.dedicated {
			t.dedicated = append(t.dedicated, a.w)
		}
	}
	for w, as := range perWorker {
		w.add(as...)
	}
	if started {
		t.startDedicated()
	}
	return t, nil
}

// endRestoredFinished marks the actors a checkpoint says had finished as
// finished again, closing their outputs: their consumers drain what they
// hold and end. Called before the workers see the actors.
func (t *Tenant) endRestoredFinished() {
	for _, a := range t.actors {
		if !a.restoredFinished {
			continue
		}
		a.srcDone, a.flushed, a.finished, a.closedOuts = true, true, true, true
		a.flushNext = len(a.stages)
		for _, rs := range a.outs {
			for _, r := range rs {
				for _, l := range r.links {
					l.producerDone(nil)
				}
			}
		}
	}
}

// open calls Open on every instance that has it, sinks first so that
// everything downstream is ready when a source starts taking input, except
// in the actors a checkpoint says had finished, which do not run. On the
// first failure it closes what it opened and returns the error at the
// component's position.
func (t *Tenant) open() error {
	ctx, cancel := context.WithTimeout(context.Background(), t.e.cfg.OpenTimeout)
	defer cancel()
	for i := len(t.actors) - 1; i >= 0; i-- {
		a := t.actors[i]
		if a.restoredFinished {
			// Finished in an earlier run: nothing runs, and opening
			// could undo what that run left (a file sink truncates).
			continue
		}
		for k := len(a.p.Nodes) - 1; k >= 0; k-- {
			n := a.p.Nodes[k]
			var o component.Opener
			if k == 0 && a.src != nil {
				o, _ = a.src.(component.Opener)
			} else if st := a.stageOf(n); st != nil {
				o, _ = st.op.(component.Opener)
			}
			if o == nil {
				continue
			}
			if err := o.Open(ctx); err != nil {
				t.closeAll(true)
				c := n.Comp
				return fmt.Errorf("tenant %q: %w", t.Name, spec.Errorf(c.Pos, c.Desc(), "%v", err))
			}
			a.opened = append(a.opened, n)
		}
	}
	return nil
}

// closeAll releases the instances of a tenant that will not run: the
// sources, and (when opened is set) the operators that were opened.
func (t *Tenant) closeAll(opened bool) {
	for _, a := range t.actors {
		if a.src != nil {
			_ = a.src.Close()
		}
		if !opened {
			continue
		}
		for _, n := range a.opened {
			if st := a.stageOf(n); st != nil && st.closer != nil && !st.closed {
				st.closed = true
				_ = st.closer.Close()
			}
		}
	}
}

// startDedicated starts the goroutines of the tenant's IO actors.
func (t *Tenant) startDedicated() {
	for _, w := range t.dedicated {
		go w.run()
	}
}

// rejectFunc returns the Reject callback for the actor's components: it
// counts the event and reports the first few.
func (a *actor) rejectFunc() func(error) {
	return func(err error) {
		n := a.rejected.Add(1)
		limit := uint64(a.t.e.cfg.RejectReports)
		switch {
		case n <= limit:
			a.t.e.logf("tenant %q: %s: rejected: %v", a.t.Name, a.name, err)
		case n == limit+1:
			a.t.e.logf("tenant %q: %s: more rejected events; only counting them from now on", a.t.Name, a.name)
		}
	}
}

// Tenants returns the tenants started so far.
func (e *Engine) Tenants() []*Tenant {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*Tenant(nil), e.mu.tenants...)
}

// Stop stops every tenant gracefully and waits until they are done or the
// timeout passes (0: wait forever). It reports whether all finished.
func (e *Engine) Stop(timeout time.Duration) bool {
	ts := e.Tenants()
	for _, t := range ts {
		t.Stop()
	}
	var deadline <-chan time.Time
	if timeout > 0 {
		tm := time.NewTimer(timeout)
		defer tm.Stop()
		deadline = tm.C
	}
	for _, t := range ts {
		select {
		case <-t.Done():
		case <-deadline:
			return false
		}
	}
	return true
}

// Close stops the workers once they have no actors left and waits for
// them. Call Stop first for a graceful end; tenants still running when
// Close is called are failed. It also waits, for at most CloseTimeout, for
// the goroutines of the tenants' I/O components (a failed file sink writes
// what it holds, then closes its file): when Close returns, nothing of a
// tenant writes any more, unless one of them was still blocked then (that
// is logged).
func (e *Engine) Close() {
	e.mu.Lock()
	if e.mu.closed {
		e.mu.Unlock()
		return
	}
	e.mu.closed = true
	started := e.mu.started
	e.mu.Unlock()
	for _, t := range e.Tenants() {
		select {
		case <-t.Done():
		default:
			t.fail(fmt.Errorf("tenant %q: engine closed while running", t.Name))
		}
	}
	for _, w := range e.workers {
		w.stop.Store(true)
		w.parker.Unpark()
	}
	close(e.closing)
	if started {
		for _, w := range e.workers {
			<-w.done
		}
		e.awaitTenants(e.cfg.CloseTimeout)
		<-e.monitorDone
		<-e.checkpointerDone
		return
	}
	// Nothing ever ran the tenants' actors, so nothing else will close
	// what their Open took (a bound port, an open file).
	for _, t := range e.Tenants() {
		t.closeAll(true)
	}
}

// awaitTenants waits up to d for every tenant to be done: with the workers
// gone, what can still run is the tenants' dedicated I/O goroutines.
func (e *Engine) awaitTenants(d time.Duration) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for _, t := range e.Tenants() {
		select {
		case <-t.Done():
		case <-deadline.C:
			e.logf("engine closed with tenant %q's I/O still running after %v", t.Name, d)
			return
		}
	}
}

// unplace takes a finished tenant's actors off the workers' load, so that
// later tenants are placed by what still runs.
func (e *Engine) unplace(pl *plan.Plan) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.mu.load == nil {
		return
	}
	for _, a := range pl.Actors {
		if a.Worker >= 0 && a.Worker < len(e.mu.load) {
			e.mu.load[a.Worker] -= plan.Weight(a)
		}
	}
}

// WorkerStats describes one worker.
type WorkerStats struct {
	ID     int
	Actors int
	// Load is the placement weight of the running tenants' actors on the
	// worker (see plan.Weight).
	Load               int
	Passes, IdlePasses uint64
	// Helped counts the turns the worker gave other workers' actors
	// while it had nothing of its own to run (see help.go).
	Helped uint64
	Idle   wait.IdleStats
}

// WorkerStats returns the workers' figures.
func (e *Engine) WorkerStats() []WorkerStats {
	var out []WorkerStats
	e.mu.Lock()
	load := append([]int(nil), e.mu.load...)
	e.mu.Unlock()
	for _, w := range e.workers {
		l := 0
		if w.id < len(load) {
			l = load[w.id]
		}
		out = append(out, WorkerStats{ID: w.id, Actors: int(w.nActors.Load()), Load: l, Passes: w.passes.Load(), IdlePasses: w.idlePasses.Load(),
			Helped: w.helped.Load(), Idle: w.idler.Stats()})
	}
	return out
}

func (e *Engine) logf(format string, args ...any) {
	e.logMu.Lock()
	defer e.logMu.Unlock()
	fmt.Fprintf(e.cfg.Log, "greenwave: "+format+"\n", args...)
}
