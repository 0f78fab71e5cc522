package engine

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/plan"
)

// stage is one fused operator in an actor's chain.
type stage struct {
	node    *plan.Node
	op      component.Operator
	inplace component.InPlace // nil when the operator must go through Process
	sink    bool              // a Parallel sink fused at the end of the chain
	ticker  component.Ticker
	next    time.Time // next tick
	ticks   tickClock
	scratch component.Output
	closer  component.Closer // nil when the operator holds nothing to close
	closed  bool
	// An Async sink's bound and the events it holds unacknowledged (Ack
	// decrements from any goroutine).
	async    bool
	maxIn    int64
	inflight atomic.Int64
	acked    atomic.Uint64
}

// full reports whether an Async stage holds as many events as it may.
func (st *stage) full() bool { return st.async && st.inflight.Load() >= st.maxIn }

// input is one ring an actor consumes.
type input struct {
	l    *link
	port int
}

// skipUnreadKeys tells a stage that only sets Event.Key (key_by) when the
// next stage of the fused chain does not read it — a count or aggregate
// grouping by its own key fields, which sets its rows' keys itself — so
// that a parallelism-1 chain does not hash every event for nobody. The
// key of the chain's last stage goes to its output routes and is kept.
func skipUnreadKeys(stages []*stage) {
	for i := 0; i+1 < len(stages); i++ {
		ks, ok := stages[i].op.(component.KeySetter)
		if !ok {
			continue
		}
		if kr, ok := stages[i+1].op.(component.KeyReader); ok && !kr.ReadsKey() {
			ks.SkipKey()
		}
	}
}

// actor is the running form of a plan.Actor. Every field is owned by the
// worker running the actor, except the counters (atomics, read by Stats).
type actor struct {
	schedState

	p *plan.Actor
	t *Tenant
	w *worker
	// on is the worker whose goroutine runs the actor's current turn: w,
	// or another worker helping (see help.go). Wakes made during a turn
	// name it, so that only that goroutine touches its own queues.
	on   *worker
	name string

	src     component.Source
	srcDone bool
	// srcStopped records that a Stopper source was told to stop; it then
	// drains and reports Done itself.
	srcStopped bool
	idleUntil  time.Time
	pushWait   bool // a push source with nothing queued: no turn until Wake
	// tickAt is the earliest time a stage's Ticker is due (zero: no
	// ticker), so a turn need not look at every stage.
	tickAt time.Time

	stages []*stage // head first for operator actors; all fused for sources
	async  []*stage // the Async stages, whose bounds gate the actor's input
	ins    []input
	nextIn int
	sink   bool

	out component.Output
	// outs[o] are the routes of tail output o (0 main, i+1 side output i).
	outs [][]*route

	// The batch being delivered: events per output, and (for in-place
	// processing of an input batch) the ring slots to release afterwards.
	pending    bool
	batch      [][]event.Event
	holdLink   *link
	holdPos    uint64
	holdN      int
	flushed    bool // operators flushed (finishing)
	flushNext  int  // next stage to flush
	finished   bool
	closedOuts bool

	// Event time: a source's clock; the operator's input watermark; what
	// to forward and what was forwarded; the control record being sent.
	clock sourceClock
	// timed is set when a consumer downstream acts on event time; an
	// actor that is not timed sends no watermarks or idle markers.
	timed             bool
	wmIn              int64
	wmOut, wmSent     int64
	idleOut, idleSent bool
	ctl               [1]event.Event

	// Counters, written by the owner only.
	in, emitted, rejected atomic.Uint64
	fusedSinkIn           atomic.Uint64 // events a fused sink stage took
	// side counts the events the head sent to each of its side outputs
	// (dead letters, late events).
	side  []atomic.Uint64
	turns atomic.Uint64

	// latency from event creation to this sink, and the lag of event time
	// behind the clock when events reach it (sinks only; the lag sketch is
	// made at the first event with an event time).
	latMu sync.Mutex
	lat   *hdrhistogram.Histogram
	lag   *ddsketch.DDSketch
	// The same, coarse, for scrapes: readable without the lock.
	latCoarse, lagCoarse coarseHist

	// taps sample the events of its nodes (Tenant.Tap).
	taps tapState

	// Checkpoints (barrier.go). barrierReq is set by the coordinator for a
	// source actor; the rest is owned by the actor's goroutine: the last
	// checkpoint a source snapshotted, the barrier to forward and the one
	// forwarded, the checkpoint being aligned, and a snapshot waiting for
	// an async sink's acknowledgements.
	barrierReq              atomic.Uint64
	barrierDone             uint64
	barrierOut, barrierSent uint64
	aligning, snapDue       uint64
	// snapped is the newest checkpoint the actor snapshotted; inflightDue
	// the unaligned one whose snapshot records the input it read ahead;
	// replay the in-flight input restored from a checkpoint, processed
	// before any other (unaligned.go).
	snapped, inflightDue uint64
	replay               []replayBatch
	// restoredFinished: the checkpoint it was restored from says it had
	// finished.
	restoredFinished bool

	// opened lists the nodes whose instances Open succeeded (closed again
	// when the tenant's start is abandoned).
	opened []*plan.Node

	// Failure context: the stage and batch being processed.
	curStage int
	curBatch []event.Event
	curPort  int
}

func (a *actor) isSource() bool { return a.src != nil }

// stageOf returns the stage running node n, or nil.
func (a *actor) stageOf(n *plan.Node) *stage {
	for _, st := range a.stages {
		if st.node == n {
			return st
		}
	}
	return nil
}

// ackFunc returns the Ack callback of a sink stage: it takes acknowledged
// events out of flight, fails the tenant on a final error, and wakes the
// actor, which may now take more input or finish.
func (a *actor) ackFunc(st *stage) func(n int, err error) {
	return func(n int, err error) {
		if n > 0 {
			st.inflight.Add(-int64(n))
			st.acked.Add(uint64(n))
		}
		if err != nil {
			a.t.fail(&Failure{Tenant: a.t.Name, Operator: st.node.Name(), Err: err,
				msg: fmt.Sprintf("tenant %q: sink %q: %v", a.t.Name, st.node.Name(), err)})
		}
		a.wake(nil)
	}
}

// step runs one turn. It reports whether the actor made progress.
func (a *actor) step(now time.Time) (worked bool, err error) {
	if a.finished {
		return false, nil
	}
	if a.pending {
		complete, moved := a.deliver()
		if !complete {
			return moved, nil
		}
		worked = true
	}
	if err := a.tick(now); err != nil {
		return true, err
	}
	if a.pending {
		return true, nil
	}
	if len(a.outs) > 0 && a.controlDue() && !a.closedOuts && !a.flushed {
		a.sendControl()
		return true, nil
	}
	if a.isSource() && !a.srcDone {
		wait, err := a.sourceBarrier()
		if err != nil {
			return true, err
		}
		if wait {
			return false, nil
		}
		if a.barrierDue() {
			a.sendControl()
			return true, nil
		}
	}
	var w bool
	if a.isSource() {
		w, err = a.stepSource(now)
	} else {
		w, err = a.stepOperator()
	}
	// A watermark the batch made due follows it in the same turn, rather
	// than costing a turn of its own.
	if err == nil && !a.pending && len(a.outs) > 0 && a.controlDue() && !a.closedOuts && !a.flushed {
		a.sendControl()
	}
	return worked || w, err
}

func (a *actor) stepSource(now time.Time) (bool, error) {
	if !a.srcDone && !a.srcStopped && a.t.stopping.Load() {
		if st, ok := a.src.(component.Stopper); ok {
			a.srcStopped = true
			st.Stop()
		} else {
			a.srcDone = true
		}
	}
	if a.srcDone {
		return a.finish()
	}
	if now.Before(a.idleUntil) || (a.t.ckpt != nil && a.t.ckpt.holding()) {
		return false, nil
	}
	if a.asyncFull() {
		return false, nil // an async sink fused behind the source is full; its Ack wakes the actor
	}
	a.out.Reset()
	a.curStage = -1
	res, err := a.src.Read(&a.out, a.t.e.cfg.Budget)
	if err != nil {
		return true, fmt.Errorf("source %q: %w", a.p.Head().Name(), err)
	}
	if res.Done {
		a.srcDone = true
	}
	n := a.out.Len()
	total := n
	for _, side := range a.out.Sides() {
		total += side.Len()
	}
	a.pushWait = total == 0 && res.Idle == component.PushReady
	if res.Idle > 0 {
		// Also with events: the source says when it has more.
		a.idleUntil = now.Add(res.Idle)
	}
	a.observeOutput(now)
	if total == 0 {
		return res.Done, nil
	}
	a.in.Add(uint64(n))
	evs, err := a.runChain(a.out.Events(), 0)
	if err != nil {
		return true, err
	}
	a.startBatch(evs, true, nil, 0, 0)
	return true, nil
}

// runChain applies the in-place stages from index first on evs.
func (a *actor) runChain(evs []event.Event, first int) ([]event.Event, error) {
	var err error
	a.tapped(a.stageNode(first)-1, evs)
	for i := first; i < len(a.stages); i++ {
		st := a.stages[i]
		a.curStage, a.curBatch = i, evs
		if st.sink {
			a.fusedSinkIn.Add(uint64(len(evs)))
			a.recordLatency(evs)
			a.tapped(a.stageNode(i), evs)
		}
		if st.async {
			st.inflight.Add(int64(len(evs)))
		}
		if st.inplace != nil {
			evs, err = st.inplace.Apply(evs)
		} else {
			st.scratch.Reset()
			err = st.op.Process(0, evs, &st.scratch)
			evs = st.scratch.Events()
		}
		if err != nil {
			return nil, a.stageErr(i, err)
		}
		if !st.sink {
			a.tapped(a.stageNode(i), evs)
		}
	}
	a.curBatch = nil
	return evs, nil
}

func (a *actor) stepOperator() (bool, error) {
	head := a.stages[0]
	if a.snapDue != 0 {
		return a.trySnapshot()
	}
	if ok, err := a.checkAlignment(); ok || err != nil {
		return true, err
	}
	if id := a.unalignedDue(); id != 0 {
		return true, a.snapshotUnaligned(id)
	}
	if a.asyncFull() {
		return false, nil // an acknowledgement wakes the actor
	}
	if len(a.replay) > 0 {
		return true, a.replayNext()
	}
	for k := 0; k < len(a.ins); k++ {
		idx := (a.nextIn + k) % len(a.ins)
		in := a.ins[idx]
		if a.blocked(in.l) {
			continue // its barrier is in; the others' are not yet
		}
		r := in.l.ring
		var pos uint64
		var n int
		held := len(in.l.held) > 0
		if held {
			sp := in.l.held[0]
			in.l.held = in.l.held[:copy(in.l.held, in.l.held[1:])]
			pos, n = sp.pos, sp.n
		} else {
			pos, n = r.Poll(a.t.e.cfg.Budget)
		}
		if n == 0 {
			continue
		}
		evs := r.Segment(pos, n)
		n = len(evs)
		a.nextIn = idx + 1
		if held || hasControl(evs) {
			return true, a.mixedBatch(in, pos, evs, held)
		}
		if in.l.inIdle {
			// Data from an idle input makes it count again.
			in.l.inIdle = false
			a.inputWatermark()
		}
		a.noteSeq(in.l, pos, evs)
		a.in.Add(uint64(n))
		if a.sink {
			a.recordLatency(evs)
			a.tapped(0, evs)
		}
		a.curStage, a.curBatch, a.curPort = 0, evs, in.port
		if head.inplace != nil {
			kept, err := head.inplace.Apply(evs)
			if err != nil {
				return true, a.stageErr(0, err)
			}
			kept, err = a.runChain(kept, 1)
			if err != nil {
				return true, err
			}
			// The kept events live in the input ring: release it only once
			// they are delivered.
			a.startBatch(kept, false, in.l, pos, n)
			return true, nil
		}
		a.out.Reset()
		if head.async {
			head.inflight.Add(int64(n))
		}
		if err := head.op.Process(in.port, evs, &a.out); err != nil {
			return true, a.stageErr(0, err)
		}
		r.Release(pos, n)
		a.wakeProducers(in.l)
		evs, err := a.runChain(a.out.Events(), 1)
		if err != nil {
			return true, err
		}
		if a.sink {
			a.emitted.Add(uint64(n))
			a.curBatch = nil
			return true, nil
		}
		a.startBatch(evs, true, nil, 0, 0)
		return true, nil
	}
	// No input had events: finish once every input is drained.
	for _, in := range a.ins {
		if !in.l.ring.Drained() {
			return false, nil
		}
	}
	if !a.flushed {
		for _, in := range a.ins {
			in.l.noteTrailingGap()
		}
	}
	return a.finish()
}

func hasControl(evs []event.Event) bool {
	for i := range evs {
		if evs[i].IsControl() {
			return true
		}
	}
	return false
}

// mixedBatch handles a polled batch that holds control records: each run
// of events goes through the head's Process, each control record updates
// the input watermarks (calling OnWatermark when the minimum advances), all
// into one output batch; the slots are released at once and the watermark
// is forwarded after that batch. Emitting results before the watermark that
// follows them is always safe.
//
// A checkpoint barrier ends the batch: the events behind it belong to the
// next checkpoint, so they stay in the ring (held: polled, not released)
// and are processed once the barrier has arrived on every input and the
// actor's state has been snapshotted (see barrier.go). A barrier whose
// checkpoint the actor already snapshotted unaligned is passed over.
func (a *actor) mixedBatch(in input, pos uint64, evs []event.Event, held bool) error {
	head := a.stages[0]
	wa, _ := head.op.(component.WatermarkAware)
	if !held {
		a.noteSeq(in.l, pos, evs)
	}
	a.out.Reset()
	data := 0
	start := 0
	barrier := uint64(0)
	for i := 0; i <= len(evs); i++ {
		if i < len(evs) && !evs[i].IsControl() {
			continue
		}
		if run := evs[start:i]; len(run) > 0 {
			if in.l.inIdle {
				in.l.inIdle = false
				a.inputWatermark()
			}
			data += len(run)
			if a.sink {
				a.recordLatency(run)
				a.tapped(0, run)
			}
			a.curStage, a.curBatch, a.curPort = 0, run, in.port
			if head.async {
				head.inflight.Add(int64(len(run)))
			}
			if err := head.op.Process(in.port, run, &a.out); err != nil {
				return a.stageErr(0, err)
			}
		}
		if i < len(evs) && evs[i].Schema == event.BarrierSchema {
			in.l.ctlSeen.Add(1)
			id := uint64(evs[i].Time)
			in.l.barrierAt = max(in.l.barrierAt, id)
			if id <= a.snapped {
				// An unaligned snapshot for it was taken: the barrier had
				// passed these events already (unaligned.go).
				start = i + 1
				continue
			}
			barrier = id
			if rest := len(evs) - (i + 1); rest > 0 {
				// Held ahead of any span read before: they come first.
				in.l.held = slices.Insert(in.l.held, 0, span{pos + uint64(i+1), rest})
			}
			evs = evs[:i+1]
			break
		}
		if i < len(evs) {
			a.takeControl(&in, &evs[i])
			if a.inputWatermark() {
				if wa != nil && !a.sink {
					a.curStage, a.curBatch = 0, nil
					if err := wa.OnWatermark(a.wmIn, &a.out); err != nil {
						return a.stageErr(0, err)
					}
				}
				a.wmOut = a.wmIn
			}
		}
		start = i + 1
	}
	a.in.Add(uint64(data))
	in.l.ring.Release(pos, len(evs))
	a.wakeProducers(in.l)
	if a.sink {
		a.emitted.Add(uint64(data))
		a.curBatch = nil
	} else {
		out, err := a.runChain(a.out.Events(), 1)
		if err != nil {
			return err
		}
		a.startBatch(out, true, nil, 0, 0)
	}
	if barrier != 0 {
		return a.barrierArrived(barrier)
	}
	return nil
}

// noteSeq stamps each event with its edge sequence number and counts gaps
// (events dropped on the edge before the consumer saw them).
func (a *actor) noteSeq(l *link, pos uint64, evs []event.Event) {
	r := l.ring
	n := uint64(len(evs))
	first := r.Seq(pos)
	if first == l.nextSeq && r.Seq(pos+n-1) == first+n-1 {
		for i := range evs {
			evs[i].Seq = first + uint64(i)
		}
		l.nextSeq = first + n
		return
	}
	for i := range evs {
		s := r.Seq(pos + uint64(i))
		evs[i].Seq = s
		if s > l.nextSeq {
			l.gaps.Add(s - l.nextSeq)
		}
		l.nextSeq = s + 1
	}
}

func (a *actor) recordLatency(evs []event.Event) {
	now := time.Now().UnixNano()
	a.latMu.Lock()
	// Events of one source batch share their creation time: record each
	// run of equal times once, with its length, which keeps every event
	// in the histogram at a fraction of the cost.
	for i := 0; i < len(evs); {
		c := evs[i].Created
		j := i + 1
		for j < len(evs) && evs[j].Created == c {
			j++
		}
		if c > 0 && now >= c {
			_ = a.lat.RecordValues(now-c, int64(j-i))
			a.latCoarse.add(now-c, int64(j-i))
		}
		if t := evs[i].Time; t > 0 {
			if a.lag == nil {
				a.lag = newLagSketch()
			}
			_ = a.lag.AddWithCount(float64(now-t), float64(j-i))
			a.lagCoarse.add(max(now-t, 0), int64(j-i))
		}
		i = j
	}
	a.latMu.Unlock()
}

// startBatch begins delivering a batch: evs on the main output and the head
// output's side outputs. hold names input-ring slots to release once done.
func (a *actor) startBatch(evs []event.Event, sides bool, hold *link, pos uint64, n int) {
	a.batch = a.batch[:0]
	a.batch = append(a.batch, evs)
	if sides {
		// Side outputs come from the head, which wrote them into a.out.
		for i, side := range a.out.Sides() {
			a.batch = append(a.batch, side.Events())
			if i < len(a.side) {
				a.side[i].Add(uint64(side.Len()))
			}
		}
	}
	a.holdLink, a.holdPos, a.holdN = hold, pos, n
	for o, rs := range a.outs {
		if o >= len(a.batch) {
			break
		}
		for _, r := range rs {
			r.start(a.batch[o])
		}
	}
	a.emitted.Add(uint64(len(evs)))
	a.pending = true
	a.deliver()
}

// deliver pushes the pending batch; when complete it releases held input
// slots and clears the pending state.
func (a *actor) deliver() (complete, moved bool) {
	complete = true
	for o, rs := range a.outs {
		if o >= len(a.batch) {
			break
		}
		for _, r := range rs {
			c, m := r.push(a.batch[o])
			complete = complete && c
			moved = moved || m
		}
	}
	if !complete {
		a.backPressured.enter(time.Now().UnixNano())
		return false, moved
	}
	if a.backPressured.since.Load() != 0 {
		a.backPressured.leave()
	}
	a.pending = false
	if a.holdLink != nil {
		a.holdLink.ring.Release(a.holdPos, a.holdN)
		a.wakeProducers(a.holdLink)
		a.holdLink = nil
	}
	return true, moved
}

// wakeProducers is called after releasing slots of l: a producer waiting
// for room gets a turn. A single producer says when it waits (link.waiting);
// the producers of a shared ring are all woken.
func (a *actor) wakeProducers(l *link) {
	if len(l.producers) == 1 && !l.waiting.Load() {
		return
	}
	for _, p := range l.producers {
		p.wake(a.on)
	}
}

// blockedHasSpace reports whether a pending batch could move now.
func (a *actor) blockedHasSpace() bool {
	for _, rs := range a.outs {
		for _, r := range rs {
			if r.blockedOn != nil && r.blockedOn.ring.Len() < r.blockedOn.ring.Cap() {
				return true
			}
			if r.blockedOn != nil {
				return false
			}
		}
	}
	return true
}

// tick runs due tickers.
func (a *actor) tick(now time.Time) error {
	if a.tickAt.IsZero() || now.Before(a.tickAt) {
		return nil
	}
	defer a.nextTick()
	for i, st := range a.stages {
		if st.ticker == nil || now.Before(st.next) {
			continue
		}
		st.next = now.Add(st.ticker.TickEvery())
		if a.finished || a.flushed {
			continue
		}
		a.out.Reset()
		a.curStage = i
		if err := st.ticker.Tick(now, &a.out); err != nil {
			return a.stageErr(i, err)
		}
		st.ticks.record(now, a.out.Len())
		if a.out.Len() == 0 || a.sink {
			continue
		}
		evs, err := a.runChain(a.out.Events(), i+1)
		if err != nil {
			return err
		}
		a.startBatch(evs, true, nil, 0, 0)
		return nil // deliver before anything else
	}
	return nil
}

// nextTick sets tickAt to the earliest ticker's next time (zero: none).
func (a *actor) nextTick() {
	a.tickAt = time.Time{}
	for _, st := range a.stages {
		if st.ticker != nil && (a.tickAt.IsZero() || st.next.Before(a.tickAt)) {
			a.tickAt = st.next
		}
	}
}

// nextDue returns when the actor next needs a turn without new input (a
// paced source or a ticker), or the zero time.
//
// A pending actor has none: it waits for room downstream, and the consumer
// that frees it wakes the actor.
func (a *actor) nextDue() time.Time {
	var due time.Time
	if a.pending {
		return due
	}
	if a.isSource() && !a.srcDone && !a.idleUntil.IsZero() {
		due = a.idleUntil
	}
	if !a.tickAt.IsZero() && (due.IsZero() || a.tickAt.Before(due)) {
		due = a.tickAt
	}
	return due
}

// ready reports whether a turn would find work (used before parking).
func (a *actor) ready(now time.Time) bool {
	if a.finished {
		return false
	}
	if a.pending {
		return a.blockedHasSpace()
	}
	if a.t.stopping.Load() && a.isSource() && !a.srcDone && !a.srcStopped {
		return true
	}
	if a.isSource() {
		return a.srcDone || (!a.pushWait && !now.Before(a.idleUntil) && !a.asyncFull() && !a.barrierWaits() &&
			(a.t.ckpt == nil || !a.t.ckpt.holding()))
	}
	if a.asyncFull() || (a.flushed && a.awaitingAcks()) {
		return false // an acknowledgement wakes the actor
	}
	if a.snapDue != 0 {
		return !a.awaitingAcks()
	}
	if len(a.replay) > 0 || a.unalignedDue() != 0 {
		return true
	}
	drained := true
	for _, in := range a.ins {
		if in.l.ring.Len() > 0 && !a.blocked(in.l) {
			return true
		}
		if !in.l.ring.Drained() {
			drained = false
		}
	}
	if drained {
		return true
	}
	return !a.tickAt.IsZero() && !now.Before(a.tickAt)
}

// finish flushes the operators once each, in chain order (emitting what
// stateful operators hold), delivers what they emit, then closes the
// outputs and marks the actor finished. It may take several turns when a
// flushed batch has to wait for space downstream.
func (a *actor) finish() (bool, error) {
	if a.pending {
		return false, nil
	}
	if !a.flushed {
		a.flushed = true
		if a.isSource() {
			a.curStage = -1
			if err := a.src.Close(); err != nil {
				return true, fmt.Errorf("source %q: close: %w", a.p.Head().Name(), err)
			}
		} else if wa, ok := a.stages[0].op.(component.WatermarkAware); ok && !a.sink && a.wmIn < event.MaxWatermark {
			// Every input has ended: event time is over, whatever the last
			// watermark that reached this actor said.
			a.wmIn = event.MaxWatermark
			a.out.Reset()
			a.curStage, a.curBatch = 0, nil
			if err := wa.OnWatermark(event.MaxWatermark, &a.out); err != nil {
				return true, a.stageErr(0, err)
			}
			if a.out.Len() > 0 {
				evs, err := a.runChain(a.out.Events(), 1)
				if err != nil {
					return true, err
				}
				a.startBatch(evs, true, nil, 0, 0)
				if a.pending {
					return true, nil
				}
			}
		}
	}
	for a.flushNext < len(a.stages) {
		i := a.flushNext
		a.flushNext++
		st := a.stages[i]
		a.out.Reset()
		a.curStage, a.curBatch = i, nil
		if err := st.op.Flush(&a.out); err != nil {
			return true, a.stageErr(i, err)
		}
		if a.sink || (a.out.Len() == 0 && len(a.out.Sides()) == 0) {
			continue
		}
		evs, err := a.runChain(a.out.Events(), i+1)
		if err != nil {
			return true, err
		}
		a.startBatch(evs, true, nil, 0, 0)
		if a.pending {
			return true, nil
		}
	}
	// A barrier this actor still owes goes out before its outputs close.
	if a.barrierDue() && len(a.outs) > 0 {
		a.sendControl()
		if a.pending {
			return true, nil
		}
	}
	// Tell every consumer that event time is over before closing.
	a.wmOut = event.MaxWatermark
	if a.timed && len(a.outs) > 0 && a.wmSent < event.MaxWatermark {
		a.sendControl()
		if a.pending {
			return true, nil
		}
	}
	a.closeOutputs()
	// Async sinks hold events until acknowledged; the last Ack wakes the
	// actor.
	if a.awaitingAcks() {
		return false, nil
	}
	if err := a.closeStages(); err != nil {
		return true, err
	}
	a.finished = true
	if a.t.ckpt != nil {
		a.t.ckpt.finish(a)
	}
	return true, nil
}

// awaitingAcks reports whether an Async stage still holds events.
func (a *actor) awaitingAcks() bool {
	for _, st := range a.async {
		if st.inflight.Load() > 0 {
			return true
		}
	}
	return false
}

// asyncFull reports whether an Async stage is at its in-flight bound.
func (a *actor) asyncFull() bool {
	for _, st := range a.async {
		if st.full() {
			return true
		}
	}
	return false
}

// closeStages closes the operators that hold resources, each once, in
// chain order, and returns the first error.
func (a *actor) closeStages() error {
	var first error
	for i, st := range a.stages {
		if st.closer == nil || st.closed {
			continue
		}
		st.closed = true
		if err := st.closer.Close(); err != nil && first == nil {
			first = a.stageErr(i, fmt.Errorf("close: %w", err))
		}
	}
	return first
}

func (a *actor) closeOutputs() {
	if a.closedOuts {
		return
	}
	a.closedOuts = true
	for _, rs := range a.outs {
		for _, r := range rs {
			for _, l := range r.links {
				l.producerDone(a.on)
			}
		}
	}
}

func (a *actor) stageErr(i int, err error) error {
	return &opError{stage: i, err: err}
}

// opError is an error returned by a stage; the tenant turns it into a
// failure naming the operator and the event.
type opError struct {
	stage int
	err   error
}

func (e *opError) Error() string { return e.err.Error() }
func (e *opError) Unwrap() error { return e.err }
