package dispatch

import (
	"sync"
	"time"
)

// Outcome is how one attempt of a request ended, as the sink reports it to
// Done.
type Outcome struct {
	// RTT is the attempt's round trip: from send to the consumer's answer
	// (0: not measured). Adaptive mode learns from the RTTs of successful
	// attempts; every mode reports their mean and minimum.
	RTT time.Duration
	// Failed: the attempt did not deliver (the sink may Retry it).
	Failed bool
	// Overload: the consumer said it is overloaded (429, 503) or the attempt
	// timed out. Adaptive mode decreases its limit; an overload is a failure
	// too.
	Overload bool
}

// Dispatcher releases requests of type T to a consumer as its Config says.
// See the package documentation for the modes and the goroutine contract.
type Dispatcher[T any] struct {
	cfg   Config
	clock Clock
	send  func(T)

	kick chan struct{}
	stop chan struct{}
	done chan struct{}

	verdictMu sync.Mutex // serialises verdict runs (outside mu)

	mu struct {
		sync.Mutex
		started, closed bool

		q        fifo[T]
		retry    delayed[T]
		retrySeq uint64
		inflight int

		// Paced: the last wake-up, whether the next one follows a pause
		// (no gap to measure), the gaps and lateness seen, the level.
		lastWake time.Time
		resumed  bool
		gaps     ring
		late     lateness
		lateNow  time.Duration
		level    int
		rateEst  float64 // measured rate (Rate 0)

		arc arc

		// busy is the time the consumer held requests (inflight > 0),
		// up to busySince when it holds some now.
		busy      time.Duration
		busySince time.Time
		hist      history

		enqueued, dispatched, completed uint64
		failed, overloads, retried      uint64
		refused, wakes                  uint64
		maxQueued, maxInFlight          int
		rttSum                          time.Duration
		rttN                            uint64
		rttMin                          time.Duration

		verdict Verdict
	}
	scratch []T // release buffer, reused under mu
}

// New returns a dispatcher that calls send with each request it releases.
// It releases nothing before Start (or Wake).
func New[T any](cfg Config, send func(T)) (*Dispatcher[T], error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := &Dispatcher[T]{cfg: cfg, clock: cfg.Clock, send: send,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	if d.clock == nil {
		d.clock = wallClock{}
	}
	d.mu.gaps = newRing(gapWindow)
	d.mu.late = newLateness()
	d.mu.arc = arc{limit: cfg.InitialLimit}
	d.mu.level = d.limitLocked()
	return d, nil
}

// Config returns the dispatcher's configuration.
func (d *Dispatcher[T]) Config() Config { return d.cfg }

// Start starts the dispatcher's goroutine. Call it once.
func (d *Dispatcher[T]) Start() {
	d.mu.Lock()
	if d.mu.started || d.mu.closed {
		d.mu.Unlock()
		panic("BUG: dispatcher started twice or after Close")
	}
	d.mu.started = true
	d.mu.Unlock()
	go d.run()
}

// Close stops the dispatcher's goroutine, waits for it, and returns the
// requests that were never released (queued, or waiting for a retry),
// oldest first. Requests in flight are the caller's: their Done may still
// come. Enqueue refuses requests after Close. Close is idempotent.
func (d *Dispatcher[T]) Close() []T {
	d.mu.Lock()
	if d.mu.closed {
		d.mu.Unlock()
		return nil
	}
	d.mu.closed = true
	started := d.mu.started
	d.mu.Unlock()
	close(d.stop)
	if started {
		<-d.done
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return append(d.mu.retry.drain(), d.mu.q.drain()...)
}

// Enqueue queues a request. It reports false, counted as refused, when
// MaxQueue requests are already waiting or the dispatcher is closed. It
// never blocks.
func (d *Dispatcher[T]) Enqueue(v T) bool {
	d.mu.Lock()
	if d.mu.closed || (d.cfg.MaxQueue > 0 && d.mu.q.len()+d.mu.retry.len() >= d.cfg.MaxQueue) {
		d.mu.refused++
		d.mu.Unlock()
		return false
	}
	d.mu.q.pushBack(v)
	d.mu.enqueued++
	d.mu.maxQueued = max(d.mu.maxQueued, d.mu.q.len()+d.mu.retry.len())
	d.mu.Unlock()
	d.nudge()
	return true
}

// Retry queues a request that failed, to go out again after the given
// wait, ahead of requests that were enqueued after it was first released.
// It is never refused (the request was accepted once). A retry is counted.
func (d *Dispatcher[T]) Retry(v T, after time.Duration) {
	now := d.clock.Now()
	d.mu.Lock()
	d.mu.retrySeq++
	d.mu.retry.add(now.Add(after), d.mu.retrySeq, v)
	d.mu.retried++
	d.mu.maxQueued = max(d.mu.maxQueued, d.mu.q.len()+d.mu.retry.len())
	d.mu.Unlock()
	d.nudge()
}

// Done reports that n released requests ended with the outcome o (their
// attempt delivered or failed). Any goroutine may call it.
func (d *Dispatcher[T]) Done(n int, o Outcome) {
	if n <= 0 {
		return
	}
	now := d.clock.Now()
	d.mu.Lock()
	if n > d.mu.inflight {
		d.mu.Unlock()
		panic("BUG: dispatch: more requests done than were in flight")
	}
	d.mu.inflight -= n
	if d.mu.inflight == 0 {
		d.mu.busy += now.Sub(d.mu.busySince)
	}
	d.mu.completed += uint64(n)
	if o.Failed || o.Overload {
		d.mu.failed += uint64(n)
	}
	if o.Overload {
		d.mu.overloads += uint64(n)
	}
	if !o.Failed && !o.Overload && o.RTT > 0 {
		d.mu.rttSum += o.RTT * time.Duration(n)
		d.mu.rttN += uint64(n)
		if d.mu.rttMin == 0 || o.RTT < d.mu.rttMin {
			d.mu.rttMin = o.RTT
		}
	}
	if d.cfg.Mode == Adaptive {
		d.mu.arc.done(now, n, o, d.cfg)
	}
	d.observeLocked(now)
	d.mu.Unlock()
	if d.cfg.Mode != Paced {
		d.nudge()
	}
}

// Wake runs one wake-up on the caller's goroutine, at the clock's time: a
// paced dispatcher measures the gap since the last one and tops the
// consumer up to its level; the other modes release what their limit
// allows. It is for callers that drive a dispatcher with their own timing
// (tests with an injected clock) instead of Start, and returns how many
// requests it released.
func (d *Dispatcher[T]) Wake() int {
	return d.step(d.clock.Now(), d.cfg.Mode == Paced)
}

// step releases what is due at now and sends it; paced wake-ups measure
// their gap first.
func (d *Dispatcher[T]) step(now time.Time, wake bool) int {
	d.mu.Lock()
	if wake {
		d.wakeLocked(now)
	}
	out := d.releaseLocked(now)
	d.scratch = nil // out is this call's until it gives it back
	d.mu.Unlock()
	for _, v := range out {
		d.send(v)
	}
	n := len(out)
	clear(out)
	d.mu.Lock()
	d.scratch = out[:0]
	d.mu.Unlock()
	return n
}

// nudge wakes the dispatcher's goroutine if it waits.
func (d *Dispatcher[T]) nudge() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// wakeLocked measures a paced wake-up and sets the level.
func (d *Dispatcher[T]) wakeLocked(now time.Time) {
	m := &d.mu
	m.wakes++
	m.lateNow = 0
	if !m.lastWake.IsZero() && !m.resumed {
		gap := now.Sub(m.lastWake)
		m.gaps.add(gap)
		m.lateNow = gap - d.cfg.Period
		m.late.add(m.lateNow)
	}
	m.lastWake, m.resumed = now, false
	m.level = d.limitLocked()
	if d.cfg.OnWake != nil {
		d.cfg.OnWake(now, m.q.len()+m.retry.len(), m.inflight)
	}
}

// limitLocked is how many requests the consumer may hold now.
func (d *Dispatcher[T]) limitLocked() int {
	switch d.cfg.Mode {
	case Paced:
		return d.pacedLevelLocked()
	case Adaptive:
		return d.mu.arc.limit
	}
	return d.cfg.MaxInFlight
}

// releaseLocked moves due retries to the front of the queue and takes the
// requests the limit allows, oldest first.
func (d *Dispatcher[T]) releaseLocked(now time.Time) []T {
	m := &d.mu
	if m.retry.len() > 0 {
		due := m.retry.popDue(now, nil)
		for i := len(due) - 1; i >= 0; i-- {
			m.q.pushFront(due[i])
		}
	}
	limit := m.level
	if d.cfg.Mode != Paced {
		limit = d.limitLocked()
	}
	n := min(m.q.len(), limit-m.inflight)
	out := d.scratch[:0]
	for range max(n, 0) {
		out = append(out, m.q.popFront())
	}
	if n > 0 {
		if m.inflight == 0 {
			m.busySince = now
		}
		m.inflight += n
		m.dispatched += uint64(n)
		m.maxInFlight = max(m.maxInFlight, m.inflight)
		if m.inflight >= limit {
			m.arc.reached = true
		}
	}
	d.observeLocked(now)
	d.scratch = out
	return out
}

// observeLocked takes a snapshot every snapshotEvery and updates the
// measured rate from it.
func (d *Dispatcher[T]) observeLocked(now time.Time) {
	m := &d.mu
	if !m.hist.due(now) {
		return
	}
	s := snapshot{t: now, enqueued: m.enqueued, dispatched: m.dispatched, complete: m.completed, busy: d.busyLocked(now)}
	if d.cfg.Mode == Paced && d.cfg.Rate == 0 {
		d.measureRateLocked(s)
	}
	m.hist.add(s)
}

func (d *Dispatcher[T]) busyLocked(now time.Time) time.Duration {
	b := d.mu.busy
	if d.mu.inflight > 0 {
		b += now.Sub(d.mu.busySince)
	}
	return b
}

// run is the dispatcher's goroutine.
func (d *Dispatcher[T]) run() {
	defer close(d.done)
	if d.cfg.Mode == Paced {
		d.runPaced()
	} else {
		d.runOnDemand()
	}
}

// runPaced wakes on the schedule of Period (or of Gap) while requests
// wait, and parks when none do; a request arriving at a parked dispatcher
// restarts the schedule from its arrival.
func (d *Dispatcher[T]) runPaced() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var target time.Time
	for {
		d.mu.Lock()
		idle := d.mu.q.len() == 0 && d.mu.retry.len() == 0
		if idle {
			d.mu.resumed = true
		}
		d.mu.Unlock()
		if idle {
			select {
			case <-d.kick:
			case <-d.stop:
				return
			}
			now := d.clock.Now()
			d.mu.Lock()
			d.mu.lastWake, d.mu.resumed = now, false
			d.mu.Unlock()
			target = now.Add(d.gap())
		}
		if wait := target.Sub(d.clock.Now()); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-d.stop:
				return
			}
		}
		now := d.clock.Now()
		d.step(now, true)
		target = target.Add(d.gap())
		if now.Sub(target) > time.Second {
			target = now // far behind (a stalled process): start again from now
		}
	}
}

func (d *Dispatcher[T]) gap() time.Duration {
	if d.cfg.Gap != nil {
		return d.cfg.Gap()
	}
	return d.cfg.Period
}

// runOnDemand releases whenever a request arrives, one completes or a
// retry falls due.
func (d *Dispatcher[T]) runOnDemand() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		now := d.clock.Now()
		d.step(now, false)
		d.mu.Lock()
		due, ok := d.mu.retry.next()
		d.mu.Unlock()
		var tc <-chan time.Time
		if ok {
			timer.Reset(max(due.Sub(d.clock.Now()), 0))
			tc = timer.C
		}
		select {
		case <-d.kick:
		case <-tc:
		case <-d.stop:
			return
		}
		if ok && !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}
