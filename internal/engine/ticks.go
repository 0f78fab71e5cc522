package engine

import (
	"sync/atomic"
	"time"
)

// A component that implements component.Ticker works in ticks — a
// dispatcher that releases what it queued each period, an interval emit.
// The engine times each tick as it runs it, so that readers can see how
// regular the ticks really are (a worker that wakes late stretches the
// gaps) and how much each one emitted, without the component measuring
// anything itself. One writer (the actor's goroutine), once per tick:
// nothing on the per-event path.

// tickGaps is how many of the latest gaps between ticks are kept.
const tickGaps = 128

type tickClock struct {
	last    int64 // unix ns of the previous tick; owner only
	ticks   atomic.Uint64
	emitted atomic.Uint64
	maxEmit atomic.Int64
	gaps    [tickGaps]atomic.Int64 // ns, a ring indexed by ticks
}

// record notes a tick at now that emitted n events. Owner only.
func (c *tickClock) record(now time.Time, n int) {
	ns := now.UnixNano()
	k := c.ticks.Load()
	if c.last != 0 { // the first tick has no gap
		c.gaps[k%tickGaps].Store(ns - c.last)
		c.ticks.Store(k + 1)
	}
	c.last = ns
	c.emitted.Store(c.emitted.Load() + uint64(n))
	if int64(n) > c.maxEmit.Load() {
		c.maxEmit.Store(int64(n))
	}
}

// TickStats describes one ticking component of an actor.
type TickStats struct {
	Component string
	// Every is the period the component asks for.
	Every time.Duration
	// Gaps counts the gaps measured between successive ticks; Recent holds
	// the latest of them (up to 128), oldest first.
	Gaps   uint64
	Recent []time.Duration
	// Emitted is the events the ticks emitted, MaxPerTick the most one
	// tick emitted.
	Emitted    uint64
	MaxPerTick int
}

func (c *tickClock) read(name string, every time.Duration) TickStats {
	n := c.ticks.Load()
	s := TickStats{Component: name, Every: every, Gaps: n, Emitted: c.emitted.Load(), MaxPerTick: int(c.maxEmit.Load())}
	k := min(n, tickGaps)
	for i := n - k; i < n; i++ {
		s.Recent = append(s.Recent, time.Duration(c.gaps[i%tickGaps].Load()))
	}
	return s
}
