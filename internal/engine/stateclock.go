package engine

import (
	"sync/atomic"
	"time"
)

// stateClock accumulates the time a single writer spends in one state
// (busy in a turn, back-pressured, waiting for room on an edge), so that
// readers count a stay while it lasts and not only once it ends: a turn
// stuck in a write for a minute shows as a minute of busy time during
// that minute. The owner calls enter and leave; any goroutine may call
// read, which never sees the total decrease (a seqlock orders the two
// words the owner updates).
type stateClock struct {
	ver   atomic.Uint64 // odd while the owner updates since and total
	since atomic.Int64  // unix ns the current stay began; 0: not in the state
	total atomic.Int64  // ns of finished stays
}

// enter starts a stay at now (unix ns), unless one is going on. Owner only.
func (c *stateClock) enter(now int64) {
	if c.since.Load() != 0 {
		return
	}
	c.ver.Add(1)
	c.since.Store(now)
	c.ver.Add(1)
}

// leave ends the current stay, if one is going on, and returns the clock
// (unix ns) at which it ended. It reads the clock itself, after marking
// the update, so that no reader that counted the stay as going on counted
// it past the time it ended. Owner only.
func (c *stateClock) leave() int64 {
	s := c.since.Load()
	if s == 0 {
		return time.Now().UnixNano()
	}
	c.ver.Add(1)
	now := time.Now().UnixNano()
	c.total.Add(max(now-s, 0))
	c.since.Store(0)
	c.ver.Add(1)
	return now
}

// read returns the time spent in the state, the current stay included.
// Any goroutine.
func (c *stateClock) read() time.Duration {
	for {
		v := c.ver.Load()
		if v&1 != 0 {
			continue
		}
		t, s := c.total.Load(), c.since.Load()
		var now int64
		if s != 0 {
			// Within the check: an owner's leave reads its clock after
			// this read or makes it retry.
			now = time.Now().UnixNano()
		}
		if c.ver.Load() != v {
			continue
		}
		if s != 0 {
			t += max(now-s, 0)
		}
		return time.Duration(t)
	}
}
