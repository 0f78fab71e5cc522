package engine

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/plan"
)

// Tenant is one running plan. Its methods are safe for concurrent use.
type Tenant struct {
	Name string
	Plan *plan.Plan
	e    *Engine

	actors []*actor
	links  []*link
	// weight is the tenant's share of worker time relative to others.
	weight float64
	// dedicated are the goroutines of its IO actors.
	dedicated []*worker
	version   int
	// ckpt is its checkpointing, nil without a state directory.
	ckpt *tenantCkpt

	stopping atomic.Bool
	failed   atomic.Bool
	left     atomic.Int32
	done     chan struct{}
	started  time.Time

	mu struct {
		sync.Mutex
		err      error
		finished time.Time
	}
}

// Done is closed when every actor of the tenant has finished (or the
// tenant has failed and its actors have been removed).
func (t *Tenant) Done() <-chan struct{} { return t.done }

// Err returns the failure that stopped the tenant, or nil.
func (t *Tenant) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.mu.err
}

// Stop asks the tenant to stop gracefully: its sources stop reading, then
// every edge drains and every operator flushes. Wait on Done.
func (t *Tenant) Stop() {
	if t.stopping.Swap(true) {
		return
	}
	t.wakeAll()
}

// Wait blocks until the tenant is done and returns its failure, if any.
func (t *Tenant) Wait() error {
	<-t.done
	return t.Err()
}

func (t *Tenant) wakeAll() {
	for _, a := range t.actors {
		a.wake(nil)
	}
}

// fail records the first failure and stops the tenant's actors.
func (t *Tenant) fail(err error) {
	t.mu.Lock()
	if t.mu.err == nil {
		t.mu.err = err
	}
	t.mu.Unlock()
	if !t.failed.Swap(true) {
		if !errors.Is(err, ErrAborted) {
			t.e.logf("tenant %q failed: %v", t.Name, err)
		}
		t.wakeAll()
	}
}

// ErrAborted is the error of a tenant stopped by Abort.
var ErrAborted = errors.New("aborted")

// Abort stops the tenant at once, as a crash would, but for its own
// process: sources read no more, operators are neither flushed nor told
// that event time is over, nothing drains. Sinks keep what they already
// received (a file sink writes its buffer; an async sink publishes it) and
// are closed. Err then reports ErrAborted. A checkpointed tenant resumes
// from its last checkpoint, wherever it runs next; Abort after Checkpoint
// hands work over with nothing to redo. Wait on Done.
func (t *Tenant) Abort() {
	t.fail(fmt.Errorf("tenant %q: %w", t.Name, ErrAborted))
}

// actorGone is called by a worker when it drops an actor (finished or
// failed). A failed actor's operators are released (a source closed, a
// sink's buffer handed on, every Closer closed); on a shared worker that
// runs on a goroutine of its own, because a Close may wait on I/O (an
// async sink gives its messages in flight up to CloseTimeout to be
// acknowledged) and a worker never waits on I/O: the other tenants on it
// keep running. The tenant is done once every actor is gone and released.
func (t *Tenant) actorGone(a *actor) {
	if !t.failed.Load() || a.finished {
		t.actorReleased(a)
		return
	}
	a.finished = true
	if a.w.dedicated {
		a.release()
		a.closeOutputs()
		t.actorReleased(a)
		return
	}
	// Consumers on this worker hear now that nothing more comes.
	a.closeOutputs()
	go func() {
		a.release()
		t.actorReleased(a)
	}()
}

// release lets go of what a failed actor holds; errors here are
// secondary to the failure. Only the goroutine that removed the actor
// calls it: no worker runs the actor any more.
func (a *actor) release() {
	defer func() { _ = recover() }()
	if a.src != nil && !a.flushed {
		_ = a.src.Close()
	}
	if a.sink && !a.flushed {
		// Keep what the sink already received (a file sink writes and
		// closes its file on Flush).
		a.flushed = true
		var scratch component.Output
		_ = a.stages[0].op.Flush(&scratch)
	}
	_ = a.closeStages()
}

// actorReleased counts a gone actor off; the last one ends the tenant.
func (t *Tenant) actorReleased(a *actor) {
	defer a.done.Store(true)
	if t.left.Add(-1) == 0 {
		if t.ckpt != nil && !t.failed.Load() && !t.stopping.Load() {
			// Ended by itself: a last checkpoint says so, and a restart
			// has nothing left to run.
			t.ckpt.begin(time.Now())
		}
		t.mu.Lock()
		t.mu.finished = time.Now()
		t.mu.Unlock()
		t.e.unplace(t.Plan)
		close(t.done)
	}
}

// runStep gives actor a one turn, turning a panic or an operator error into
// a tenant failure that names the tenant, the operator and the event.
func (t *Tenant) runStep(a *actor, now time.Time) (worked bool) {
	defer func() {
		if p := recover(); p != nil {
			stack := debug.Stack()
			t.fail(a.failure(fmt.Errorf("panic: %v", p), stack, true))
			worked = true
		}
	}()
	a.turns.Add(1)
	w, err := a.step(now)
	if err != nil {
		t.fail(a.failure(err, nil, false))
		return true
	}
	return w
}

// failure builds the error for a failed turn. For a panic, it replays the
// batch one event at a time on copies to find the event that triggers it;
// the tenant is failing anyway, so the operator's state no longer matters.
func (a *actor) failure(cause error, stack []byte, panicked bool) error {
	var oe *opError
	stageIdx := a.curStage
	if errors.As(cause, &oe) {
		stageIdx = oe.stage
		cause = oe.err
	}
	op := a.p.Head().Name()
	if stageIdx >= 0 && stageIdx < len(a.stages) {
		op = a.stages[stageIdx].node.Name()
	}
	var ev string
	if stageIdx >= 0 && stageIdx < len(a.stages) && len(a.curBatch) > 0 {
		culprit := &a.curBatch[0]
		if i := a.findFailing(a.stages[stageIdx], a.curBatch); i >= 0 {
			culprit = &a.curBatch[i]
		}
		ev = a.describe(culprit)
	}
	msg := fmt.Sprintf("tenant %q: operator %q: %v", a.t.Name, op, cause)
	if ev != "" {
		msg += " (event " + ev + ")"
	}
	if panicked && len(stack) > 0 {
		a.t.e.logf("tenant %q: operator %q panicked:\n%s", a.t.Name, op, indent(string(stack)))
	}
	return &Failure{Tenant: a.t.Name, Operator: op, Event: ev, Err: cause, msg: msg}
}

// findFailing replays batch one event at a time, on copies, through the
// stage that failed and returns the index of the first event on which it
// panics or returns an error (-1 if none does on its own).
func (a *actor) findFailing(st *stage, batch []event.Event) int {
	var scratch component.Output
	for i := range batch {
		one := []event.Event{batch[i].Clone()}
		failed := func() (f bool) {
			defer func() {
				if recover() != nil {
					f = true
				}
			}()
			var err error
			if st.inplace != nil {
				_, err = st.inplace.Apply(one)
			} else {
				scratch.Reset()
				err = st.op.Process(a.curPort, one, &scratch)
			}
			return err != nil
		}()
		if failed {
			return i
		}
	}
	return -1
}

func (a *actor) describe(e *event.Event) string {
	if s := a.t.e.reg.Schema(e.Schema); s != nil {
		return string(s.AppendJSON(nil, e))
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, v := range e.Fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(v.String())
	}
	b.WriteByte(']')
	return b.String()
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// Failure is the error of a failed tenant.
type Failure struct {
	Tenant, Operator string
	// Event is the offending event as JSON ("" when not known).
	Event string
	Err   error
	msg   string
}

func (f *Failure) Error() string { return f.msg }
func (f *Failure) Unwrap() error { return f.Err }

// Stats is a snapshot of a tenant's figures; reading it never slows the
// tenant's hot path (every counter has a single writer).
type Stats struct {
	Tenant string
	// In counts events produced by sources; Out counts events consumed by
	// sinks; Dropped counts events dropped on edges under a drop policy;
	// Rejected counts events sources refused (malformed, missing fields);
	// DeadLettered counts those they sent to a dead-letter output instead.
	In, Out, Dropped, Rejected, DeadLettered uint64
	// SideOutputs counts the events each transform sent to each of its
	// side outputs, by "<component>.<output>" (for example
	// "per_minute.late"), whether or not anything reads it. Sources' side
	// outputs are counted in In (events) or DeadLettered (rejects).
	SideOutputs      map[string]uint64
	Finished, Failed bool
	Err              error
	Elapsed          time.Duration
	Links            []LinkStats
	Actors           []ActorStats
	// Memory sums the keyed operators' state and the rings' slots;
	// Operators lists each keyed operator instance's state.
	Memory    MemoryStats
	Operators []OperatorState
	// Reports holds what each operator implementing component.Reporter
	// reports, in actor order.
	Reports []Report
	// Figures holds the figures of each source or operator instance that
	// implements component.Figurer (or whose Report value does), in actor
	// order.
	Figures []ComponentFigures
}

// ComponentFigures is one component instance's own figures
// (component.Figurer).
type ComponentFigures struct {
	// Name is the component's, with "#i" for instance i of a parallel
	// one; Component the bare name, Type its type ("http").
	Name, Component, Type string
	Instance              int
	Figures               []component.Figure
}

// Report is one operator instance's own figures (component.Reporter).
type Report struct {
	// Name is the operator's, with "#i" for instance i of a parallel one.
	Name  string
	Value any
}

// ActorStats describes one actor.
type ActorStats struct {
	Name     string
	Worker   int
	In       uint64 // events taken (sources: produced)
	Out      uint64 // events emitted
	Rejected uint64
	Turns    uint64
	// Busy is the worker time the actor's turns took, a turn still going
	// on included (for an IO actor, its goroutine's time in its calls,
	// blocked I/O included). BackPressured is the time it held a batch
	// that did not fit downstream (Flink's back-pressured time); the rest
	// of its lifetime it was idle.
	Busy, BackPressured time.Duration
	// Done reports that the actor has finished (or was removed when its
	// tenant failed).
	Done bool
	// InFlight and Acked are its Async sinks' events handed over and not
	// yet acknowledged, and acknowledged.
	InFlight int64
	Acked    uint64
	// Latency from event creation to this sink (sinks only; nil otherwise).
	Latency *hdrhistogram.Snapshot
	// Lag is how far event time trailed the clock as events reached this
	// sink, in nanoseconds (a copy; nil when no event had an event time).
	Lag *ddsketch.DDSketch
	// LatencyHist and LagHist are the same as coarse histograms
	// (LatencyBuckets), cheap to read (see Tenant.Metrics).
	LatencyHist, LagHist Hist
	// Ticks describes the actor's components that work in ticks
	// (component.Ticker), as the engine timed their ticks.
	Ticks []TickStats
}

// In returns the events the tenant's sources have produced, as Stats.In,
// without the rest of Stats.
func (t *Tenant) In() uint64 {
	var n uint64
	for _, a := range t.actors {
		if !a.isSource() {
			continue
		}
		n += a.in.Load()
		for i, name := range a.p.Head().Comp.Spec.SideOutputs {
			if name != "dead_letter" {
				n += a.side[i].Load()
			}
		}
	}
	return n
}

// Stats returns the tenant's current figures.
func (t *Tenant) Stats() Stats { return t.stats(true) }

// Metrics is Stats without the precise latency histograms and lag
// sketches (ActorStats.Latency and Lag stay nil; the coarse LatencyHist and
// LagHist are there): what a scrape of thousands of tenants can afford.
func (t *Tenant) Metrics() Stats { return t.stats(false) }

// MetricsInto is Metrics into s, reusing the memory of its Actors, Links,
// Operators, Reports and Figures slices: what an earlier call put there is
// overwritten (SideOutputs and each figure's own slice are new). For a
// reader that reads the tenant again and again.
func (t *Tenant) MetricsInto(s *Stats) { t.statsInto(s, false) }

func (t *Tenant) stats(precise bool) Stats {
	var s Stats
	t.statsInto(&s, precise)
	return s
}

func (t *Tenant) statsInto(s *Stats, precise bool) {
	*s = Stats{Tenant: t.Name, Failed: t.failed.Load(), Err: t.Err(),
		Actors: reuse(s.Actors, len(t.actors)), Links: reuse(s.Links, len(t.links)),
		Operators: reuse(s.Operators, 0), Reports: reuse(s.Reports, 0), Figures: reuse(s.Figures, 0)}
	select {
	case <-t.done:
		s.Finished = true
	default:
	}
	t.mu.Lock()
	end := t.mu.finished
	t.mu.Unlock()
	if end.IsZero() {
		end = time.Now()
	}
	s.Elapsed = end.Sub(t.started)
	for _, a := range t.actors {
		as := ActorStats{Name: a.name, Worker: a.w.id, In: a.in.Load(), Out: a.emitted.Load(), Rejected: a.rejected.Load(),
			Turns: a.turns.Load(), Busy: a.busy.read(), BackPressured: a.backPressured.read(), Done: a.done.Load()}
		if a.lat != nil {
			if precise {
				a.latMu.Lock()
				as.Latency = a.lat.Export()
				if a.lag != nil {
					as.Lag = a.lag.Copy()
				}
				a.latMu.Unlock()
			}
			as.LatencyHist, as.LagHist = a.latCoarse.read(), a.lagCoarse.read()
		}
		for _, st := range a.stages {
			if st.ticker != nil {
				as.Ticks = append(as.Ticks, st.ticks.read(st.node.Name(), st.ticker.TickEvery()))
			}
		}
		for _, st := range a.async {
			as.InFlight += st.inflight.Load()
			as.Acked += st.acked.Load()
		}
		if f, ok := a.src.(component.Figurer); ok {
			s.Figures = append(s.Figures, a.figures(a.p.Head(), f))
		}
		for _, st := range a.stages {
			f, _ := st.op.(component.Figurer)
			if r, ok := st.op.(component.Reporter); ok {
				v := r.Report()
				s.Reports = append(s.Reports, Report{Name: a.instanceName(st.node), Value: v})
				if f == nil {
					f, _ = v.(component.Figurer)
				}
			}
			if f != nil {
				s.Figures = append(s.Figures, a.figures(st.node, f))
			}
		}
		s.Actors = append(s.Actors, as)
		if a.isSource() {
			s.In += as.In
		}
		if a.sink {
			s.Out += as.In
		}
		s.Out += a.fusedSinkIn.Load()
		s.Rejected += as.Rejected
		head := a.p.Head()
		for i := range a.side {
			k := a.side[i].Load()
			if a.isSource() {
				// A source's side outputs carry events (nexmark's person,
				// auction, bid) except dead_letter, which carries rejects.
				if head.Comp.Spec.SideOutputs[i] == "dead_letter" {
					s.DeadLettered += k
				} else {
					s.In += k
				}
			}
			if !a.isSource() {
				if s.SideOutputs == nil {
					s.SideOutputs = map[string]uint64{}
				}
				s.SideOutputs[head.Name()+"."+head.Comp.Spec.SideOutputs[i]] += k
			}
		}
	}
	for _, l := range t.links {
		ls := l.stats()
		s.Dropped += ls.Dropped
		s.Links = append(s.Links, ls)
	}
	s.Memory = t.memory(&s.Operators)
}

// reuse returns s emptied (its elements zeroed, so that they hold nothing
// of an earlier read) with room for n, or nil when it has none and n is 0:
// the stats are large, and a scrape reads thousands.
func reuse[T any](s []T, n int) []T {
	clear(s[:cap(s)])
	if cap(s) >= n {
		return s[:0]
	}
	return make([]T, 0, n)
}

// instanceName is n's name, with "#i" for instance i of a parallel actor.
func (a *actor) instanceName(n *plan.Node) string {
	if a.p.Parallelism > 1 {
		return n.Name() + "#" + itoa(a.p.Instance)
	}
	return n.Name()
}

// figures reads the figures of n's instance on a.
func (a *actor) figures(n *plan.Node, f component.Figurer) ComponentFigures {
	return ComponentFigures{Name: a.instanceName(n), Component: n.Name(), Type: n.Comp.Spec.Type,
		Instance: a.p.Instance, Figures: f.AppendFigures(nil)}
}

// Latency merges the sinks' latency histograms (event creation to sink).
func (t *Tenant) Latency() *hdrhistogram.Histogram {
	h := newLatencyHistogram()
	t.AddLatency(h)
	return h
}

// AddLatency merges the sinks' latency histograms into h, allocating
// nothing (for summing many tenants).
func (t *Tenant) AddLatency(h *hdrhistogram.Histogram) {
	for _, a := range t.actors {
		if a.lat == nil {
			continue
		}
		a.latMu.Lock()
		h.Merge(a.lat)
		a.latMu.Unlock()
	}
}

func newLatencyHistogram() *hdrhistogram.Histogram {
	// 1 ns .. 100 s at 2 significant digits (values within 1%): 32 KB,
	// where 3 digits would take 230 KB per sink, too much for thousands
	// of small tenants.
	return hdrhistogram.New(1, int64(100*time.Second), 2)
}
