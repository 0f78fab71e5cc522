package inbox

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// ErrBusy is returned by Commits.Reserve when as many waits as the bound
// allows are in progress until the deadline.
var ErrBusy = errors.New("too many requests wait for a checkpoint")

// ErrTimeout is returned by Commits.Wait when no checkpoint holding the
// events committed before the deadline. The events are in the pipeline
// and a checkpoint taken already may still commit them: the producer cannot
// tell its client they are lost.
var ErrTimeout = errors.New("no checkpoint committed the events in time")

// ErrNotDurable wraps the cause given to Commits.Abandon: the events are
// in no checkpoint taken so far and will be in none, so the client may
// send them again without duplicating anything.
var ErrNotDurable = errors.New("the events are in no checkpoint")

// Commits tells the producers of an Inbox when a committed checkpoint
// holds the events they put, for a source that answers its clients only
// then.
//
// The source's actor calls Mark with each checkpoint's id and the inbox's
// Taken position as it snapshots (component.CheckpointNumbered); the
// engine's checkpoint goroutine calls Commit when a checkpoint is durable;
// a producer calls Wait with the end its Put returned and returns once a
// committed checkpoint was marked at or past it. Reserve and Release
// bound the waits in progress (in units the source chooses: requests,
// lines). Every method is safe for concurrent use, and Mark and Commit
// never block.
type Commits struct {
	max int64

	mu struct {
		sync.Mutex
		marks     []mark
		marked    uint64 // the newest mark's position
		committed uint64 // every event before it is durable
		// changed is closed and replaced when committed moves, or on
		// Abandon or Close.
		changed   chan struct{}
		abandoned error
		closed    bool
		waiting   int64
		room      chan struct{} // closed and replaced by Release
		hist      *hdrhistogram.Histogram
	}

	durable, timeouts, notDurable, busy atomic.Uint64
}

type mark struct {
	id  uint64
	pos uint64
}

// NewCommits returns a Commits allowing limit units of waits at once (a
// Reserve larger than limit is let through when nothing else waits).
func NewCommits(limit int) *Commits {
	c := &Commits{max: int64(max(limit, 1))}
	c.mu.changed = make(chan struct{})
	c.mu.room = make(chan struct{})
	// Waits from 1µs to an hour, two significant digits.
	c.mu.hist = hdrhistogram.New(int64(time.Microsecond), int64(time.Hour), 2)
	return c
}

// Reserve takes n units of the bound, waiting for room until deadline (a
// zero deadline does not wait): ErrBusy when there is none by then; the
// Abandon cause or ErrClosed once the source stops. Each successful
// Reserve is undone by Release(n).
func (c *Commits) Reserve(n int, deadline time.Time) error {
	var timer waitTimer
	defer timer.stop()
	for {
		c.mu.Lock()
		switch {
		case c.mu.closed:
			c.mu.Unlock()
			return ErrClosed
		case c.mu.abandoned != nil:
			err := c.mu.abandoned
			c.mu.Unlock()
			return err
		case c.mu.waiting+int64(n) <= c.max || c.mu.waiting == 0:
			c.mu.waiting += int64(n)
			c.mu.Unlock()
			return nil
		}
		room := c.mu.room
		c.mu.Unlock()
		left := time.Until(deadline)
		if left <= 0 {
			c.busy.Add(1)
			return ErrBusy
		}
		timer.wait(room, left)
	}
}

// Release returns n units that Reserve took.
func (c *Commits) Release(n int) {
	c.mu.Lock()
	c.mu.waiting -= int64(n)
	if c.mu.waiting < 0 {
		c.mu.Unlock()
		panic("BUG: inbox: Commits.Release of more than was reserved")
	}
	close(c.mu.room)
	c.mu.room = make(chan struct{})
	c.mu.Unlock()
}

// Wait returns nil once a committed checkpoint holds every event before
// end (the end a Put returned; 0 for none), and counts how long that
// took. It returns ErrTimeout (counted) when deadline passes first or the
// commits are closed while a checkpoint holding the events may still
// commit, and an error wrapping ErrNotDurable (counted) when Abandon said
// no checkpoint will hold them.
func (c *Commits) Wait(end uint64, deadline time.Time) error {
	start := time.Now()
	var timer waitTimer
	defer timer.stop()
	for {
		c.mu.Lock()
		if end <= c.mu.committed {
			_ = c.mu.hist.RecordValue(max(int64(time.Since(start)), int64(time.Microsecond)))
			c.mu.Unlock()
			c.durable.Add(1)
			return nil
		}
		if err := c.mu.abandoned; err != nil && end > c.mu.marked {
			c.mu.Unlock()
			c.notDurable.Add(1)
			return fmt.Errorf("%w: %w", ErrNotDurable, err)
		}
		closed, ch := c.mu.closed, c.mu.changed
		c.mu.Unlock()
		left := time.Until(deadline)
		if closed || left <= 0 {
			c.timeouts.Add(1)
			return ErrTimeout
		}
		timer.wait(ch, left)
	}
}

// Mark notes that checkpoint id holds every event before pos (the inbox's
// Taken when the source snapshots). Ids increase from call to call.
func (c *Commits) Mark(id, pos uint64) {
	c.mu.Lock()
	c.mu.marks = append(c.mu.marks, mark{id: id, pos: pos})
	c.mu.marked = max(c.mu.marked, pos)
	c.mu.Unlock()
}

// Commit is called when checkpoint id is durable: the events its mark
// (or an older checkpoint's) covers are, and their waits end.
func (c *Commits) Commit(id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := 0
	pos := c.mu.committed
	for k < len(c.mu.marks) && c.mu.marks[k].id <= id {
		pos = max(pos, c.mu.marks[k].pos)
		k++
	}
	c.mu.marks = append(c.mu.marks[:0], c.mu.marks[k:]...)
	if pos > c.mu.committed {
		c.mu.committed = pos
		c.broadcastLocked()
	}
}

// Abandon says that no checkpoint will be taken any more (the source is
// stopping): waits for events past the newest mark end at once with err
// (wrapped in ErrNotDurable), as do later Reserves and such Waits; waits
// for events a checkpoint taken already holds go on until it commits or
// their deadline.
func (c *Commits) Abandon(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.abandoned == nil {
		c.mu.abandoned = err
		c.broadcastLocked()
	}
}

// Close ends every wait: ErrTimeout for events a checkpoint taken may
// still commit, ErrNotDurable for the others. Later Reserves return
// ErrClosed. Idempotent.
func (c *Commits) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.closed {
		return
	}
	c.mu.closed = true
	if c.mu.abandoned == nil {
		c.mu.abandoned = ErrClosed
	}
	c.broadcastLocked()
}

func (c *Commits) broadcastLocked() {
	close(c.mu.changed)
	c.mu.changed = make(chan struct{})
	close(c.mu.room)
	c.mu.room = make(chan struct{})
}

// CommitStats is a snapshot of a Commits' figures.
type CommitStats struct {
	// Waiting is the units reserved now; Max the bound.
	Waiting, Max int64
	// Durable counts waits that ended with the events durable; Timeouts
	// those that ended with ErrTimeout; NotDurable those told that no
	// checkpoint will hold the events; Busy the Reserves refused.
	Durable, Timeouts, NotDurable, Busy uint64
	// P50 and P99 are quantiles of the durable waits' durations, since
	// the start (0 before the first).
	P50, P99 time.Duration
}

// Stats returns the figures. Safe from any goroutine.
func (c *Commits) Stats() CommitStats {
	c.mu.Lock()
	st := CommitStats{Waiting: c.mu.waiting, Max: c.max}
	if c.mu.hist.TotalCount() > 0 {
		st.P50 = time.Duration(c.mu.hist.ValueAtQuantile(50))
		st.P99 = time.Duration(c.mu.hist.ValueAtQuantile(99))
	}
	c.mu.Unlock()
	st.Durable, st.Timeouts, st.NotDurable, st.Busy = c.durable.Load(), c.timeouts.Load(), c.notDurable.Load(), c.busy.Load()
	return st
}
