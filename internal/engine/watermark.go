package engine

import (
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// Watermarks travel in band as control records (event.WatermarkSchema,
// event.IdleSchema) so they keep their place among the events. A source
// derives its watermark from the latest event time it has read minus its
// max_out_of_orderness, and sends it at most every WatermarkInterval; it
// sends event.MaxWatermark when it finishes, so every window closes. An
// operator keeps one watermark per input, takes the minimum over the inputs
// that are not idle, calls OnWatermark on its head operator when that
// minimum advances, and forwards it. A source that has read nothing for its
// idle_timeout sends an idle marker; its consumers leave that input out of
// the minimum until it sends again. Control records never drop: under a
// drop policy they wait for room like under block.

// sourceClock is a source actor's event-time bookkeeping.
type sourceClock struct {
	bound       int64         // max out-of-orderness, ns
	idleTimeout time.Duration // 0: never idle
	maxTime     int64         // latest event time read
	lastData    time.Time     // wall time of the last batch with events
	lastEmit    time.Time     // wall time of the last watermark queued
	idle        bool
}

// observeOutput observes every output of a source read: nexmark, for
// one, sends its events to side outputs only. Dead letters carry the times
// of the events they stand for, which is as good a clock.
func (a *actor) observeOutput(now time.Time) {
	seen := false
	if a.out.Len() > 0 {
		a.observe(now, a.out.Events())
		seen = true
	}
	for _, side := range a.out.Sides() {
		if side.Len() > 0 {
			a.observe(now, side.Events())
			seen = true
		}
	}
	if !seen {
		a.observe(now, nil)
	}
}

// observe is called after each source read with the events read.
func (a *actor) observe(now time.Time, evs []event.Event) {
	c := &a.clock
	if len(evs) == 0 {
		if c.idleTimeout > 0 && !c.idle && !c.lastData.IsZero() && now.Sub(c.lastData) >= c.idleTimeout {
			c.idle = true
			a.idleOut = true
		}
		return
	}
	c.lastData = now
	if c.idle {
		c.idle = false
		a.idleOut = false
	}
	max := c.maxTime
	for i := range evs {
		if t := evs[i].Time; t > max {
			max = t
		}
	}
	c.maxTime = max
	if max == 0 {
		return // the source sets no event time
	}
	if wm := max - c.bound; wm > a.wmOut && now.Sub(c.lastEmit) >= a.t.e.cfg.WatermarkInterval {
		a.wmOut = wm
		c.lastEmit = now
	}
}

// inputWatermark recomputes the operator's input watermark after a control
// record or a data event from an idle input. It returns true when the
// watermark advanced (never moving it back), and sets idleOut when every
// input is idle.
func (a *actor) inputWatermark() bool {
	min := event.MaxWatermark
	active := 0
	for _, in := range a.ins {
		if in.l.inIdle {
			continue
		}
		active++
		if in.l.inWm < min {
			min = in.l.inWm
		}
	}
	a.idleOut = active == 0 && len(a.ins) > 0
	if active == 0 || min <= a.wmIn {
		return false
	}
	a.wmIn = min
	return true
}

// takeControl consumes one control record that arrived on in.
func (a *actor) takeControl(in *input, e *event.Event) {
	in.l.ctlSeen.Add(1)
	switch e.Schema {
	case event.WatermarkSchema:
		in.l.inIdle = false
		if e.Time > in.l.inWm {
			in.l.inWm = e.Time
		}
	case event.IdleSchema:
		in.l.inIdle = true
	}
}

// controlDue reports whether a control record waits to be forwarded.
func (a *actor) controlDue() bool {
	return a.barrierDue() || (a.timed && (a.wmOut > a.wmSent || a.idleOut != a.idleSent))
}

// markTimed sets actor.timed on every actor with an operator downstream
// that acts on event time (component.WatermarkAware): only their edges
// carry watermarks. A tenant with no windows, joins or over windows sends
// no control records at all.
func (t *Tenant) markTimed() {
	for changed := true; changed; {
		changed = false
		for _, a := range t.actors {
			if a.timed {
				continue
			}
			for _, rs := range a.outs {
				for _, r := range rs {
					for _, l := range r.links {
						c := l.consumer
						_, aware := c.stages[0].op.(component.WatermarkAware)
						if c.timed || (aware && !c.sink) {
							a.timed, changed = true, true
						}
					}
				}
			}
		}
	}
}

// sendControl starts delivering the pending control record to every
// output. Watermarks go before idle markers; one per call.
func (a *actor) sendControl() {
	ctl := &a.ctl[0]
	ctl.Reset()
	if a.barrierDue() {
		a.setBarrier(ctl)
	} else if a.wmOut > a.wmSent {
		ctl.Schema, ctl.Time = event.WatermarkSchema, a.wmOut
		a.wmSent = a.wmOut
	} else {
		ctl.Schema = event.IdleSchema
		a.idleSent = a.idleOut
		if !a.idleOut {
			// Leaving idle needs no marker: the next watermark or event
			// does it.
			return
		}
	}
	a.batch = a.batch[:0]
	for o, rs := range a.outs {
		a.batch = append(a.batch, a.ctl[:])
		for _, r := range rs {
			r.start(a.batch[o])
		}
	}
	a.holdLink = nil
	a.pending = true
	a.deliver()
}
