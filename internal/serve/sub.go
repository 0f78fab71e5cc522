package serve

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// conn is a subscriber's transport. write and close are called only by
// the subscriber's own goroutine; abort may be called from any goroutine
// and makes a pending or later write return at once.
type conn interface {
	// write writes the messages in order, each framed as the transport
	// frames a message, and returns the bytes written and the writes to
	// the socket it took. ctx bounds it: a write still blocked when ctx
	// ends fails.
	write(ctx context.Context, msgs []*Msg) (n int64, writes uint64, err error)
	// close ends the stream cleanly after the last write.
	close()
	abort()
}

// direct is a conn a table's writer may write to itself, without waking
// the subscriber's goroutine (sockConn: WebSocket and TCP).
type direct interface {
	// tryWrite, when the socket is free and owes nothing, writes the
	// messages take gives (take may give none) without blocking; what the
	// socket does not take at once is owed, and the subscriber's next
	// write writes it first. It returns the messages, their bytes and the
	// socket writes it took.
	tryWrite(take func() []*Msg) (out []*Msg, n int64, writes uint64, res tryResult, err error)
	// begin is tryWrite up to the write itself, for a batch: when take
	// gives bytes it returns them framed in snd with tryHeld, the socket
	// held for the batch's send (see sockConn.begin).
	begin(take func() []*Msg) (out []*Msg, n int64, snd send, res tryResult, err error)
}

// subState is where a subscriber stands.
type subState uint8

const (
	// stateSnapshot: it needs a snapshot (first, or after an overflow)
	// before any delta; its goroutine takes one when it next writes.
	stateSnapshot subState = iota
	// stateTaking: its goroutine is taking the snapshot.
	stateTaking
	// stateLive: deltas from next on go to its queue.
	stateLive
	// stateDead: it is closed and gets nothing more.
	stateDead
)

// Sub is one subscriber: a bounded queue of encoded messages, fed by the
// table's writers (or, with Writers 0, by its own goroutine), and drained
// by its goroutine (Run) into its connection. A slow subscriber never
// holds up the table or the other subscribers: its queue overflows and
// its policy applies.
type Sub struct {
	h         *hub
	id        uint64
	remote    string
	transport string
	c         conn
	ctx       context.Context
	cancel    context.CancelFunc
	wake      chan struct{}
	w         *writer // the writer that feeds it (nil with Writers 0)
	d         direct  // c, when its writer writes to it directly (nil: never)

	// wmu is held by whatever writes to the connection: the goroutine for
	// its writes, the writer for a direct write (which only tries it).
	wmu sync.Mutex
	// wbuf is the slice last written, reused; owed is the account of a
	// direct write the socket took only in part, settled once the rest
	// is written. Both under wmu.
	wbuf []*Msg
	owed struct {
		set              bool
		msgs, bytes, seq uint64
		frames, deltas   uint64
	}

	// nextHint is mu.next, readable without the lock (MaxUint64 while
	// no delta may be queued).
	nextHint atomic.Uint64

	mu struct {
		sync.Mutex
		state   subState
		queue   []*Msg
		bytes   int64
		next    uint64 // the next delta to queue
		taken   uint64 // the last delta (or snapshot seq) handed to the connection
		gapFrom uint64 // with stateSnapshot after an overflow: the first delta missed
		closing bool   // the table is closing: end after the queue
		err     error
	}

	sent                   atomic.Uint64 // last seq written to the connection
	stalled                atomic.Bool   // a write outlasted stallGrace: write without a slot
	msgs, bytes            atomic.Uint64
	drops, resyncs         atomic.Uint64
	catchUps               atomic.Uint64 // frames from the rows (catchup.go)
	disconnected, finished atomic.Bool
	// scratch and framer for Writers 0, where the goroutine fills its
	// own queue.
	scratch  []*Msg
	framer   *framer
	lastFill time.Time
}

// ErrWriteTimeout is the error of a subscriber closed because a write to
// it outlasted the table's write_timeout.
var ErrWriteTimeout = errors.New("subscriber closed: a write outlasted write_timeout")

// ErrSlow is the error of a subscriber disconnected by policy.
var ErrSlow = errors.New("subscriber too slow: its queue overflowed (when_slow: disconnect)")

// fill queues the deltas of msgs (the window's messages from seq start
// on, first being the window's oldest and head the table's latest) that
// the subscriber has not had, within its bounds. It reports whether the
// subscriber has something to write, and whether msgs started too late
// for it (it went live after the writer read the hints): the writer then
// fills again.
func (s *Sub) fill(msgs []*Msg, start, first, head uint64) (ready, again bool) {
	s.mu.Lock()
	if s.mu.state != stateLive {
		ready := s.mu.state == stateSnapshot
		s.mu.Unlock()
		return ready, false
	}
	next := s.mu.next
	if next > head {
		ready := len(s.mu.queue) > 0
		s.mu.Unlock()
		return ready, false
	}
	if next < first {
		s.overflowLocked(head)
		s.mu.Unlock()
		return s.afterOverflow(), false
	}
	if next < start {
		ready := len(s.mu.queue) > 0
		s.mu.Unlock()
		return ready, true
	}
	add := msgs[next-start:]
	var b int64
	for _, m := range add {
		b += m.Size()
	}
	cfg := &s.h.t.cfg
	if len(s.mu.queue)+len(add) > cfg.QueueMessages || s.mu.bytes+b > cfg.QueueBytes {
		s.overflowLocked(head)
		s.mu.Unlock()
		return s.afterOverflow(), false
	}
	s.mu.queue = append(s.mu.queue, add...)
	s.mu.bytes += b
	s.mu.next = head + 1
	s.nextHint.Store(head + 1)
	s.mu.Unlock()
	return true, false
}

// fillFrames queues the frames (built by f, for its pass) that bring the
// subscriber to the pass's head, when it is live, behind, and has nothing
// queued (force: even then). A subscriber still writing its last frame
// gets one frame covering everything since at a later pass: that is its
// conflation. It reports whether the subscriber has something to write.
// A subscriber whose next delta has left the window is slow: its policy
// applies.
func (s *Sub) fillFrames(f *framer, force bool) bool {
	s.mu.Lock()
	if s.mu.state != stateLive {
		ready := s.mu.state == stateSnapshot
		s.mu.Unlock()
		return ready
	}
	next := s.mu.next
	if next > f.head {
		ready := len(s.mu.queue) > 0
		s.mu.Unlock()
		return ready
	}
	ok := next >= s.h.t.window.first.Load()
	resync := s.h.t.cfg.Policy == Resync
	if (ok || resync) && len(s.mu.queue) > 0 && !force {
		// Still writing: its next frames wait until it has written these
		// (a stalled one holds what it has and costs nothing more).
		s.mu.Unlock()
		return true
	}
	n := len(s.mu.queue)
	if ok {
		s.mu.queue, ok = f.appendFrames(s.mu.queue, s.h.t.window, next)
	}
	if !ok && resync {
		// Behind the window: a frame from the table's rows, if it can be
		// built, instead of a gap and a snapshot.
		if s.mu.queue, ok = f.catchUp(s.mu.queue, s.h.t, next); ok {
			s.h.catchUps.Add(1)
			s.catchUps.Add(1)
		}
	}
	if !ok {
		s.overflowLocked(f.head)
		s.mu.Unlock()
		return s.afterOverflow()
	}
	for _, m := range s.mu.queue[n:] {
		s.mu.bytes += m.Size()
	}
	end := s.mu.queue[len(s.mu.queue)-1].Seq
	s.mu.next = end + 1
	s.nextHint.Store(end + 1)
	s.mu.Unlock()
	return true
}

// lagged applies the policy to a subscriber (Writers 0) whose deltas
// not yet queued, up to head, exceed its queue bound (with frames: have
// left the window).
func (s *Sub) lagged(head uint64) {
	s.mu.Lock()
	behind := head+1-s.mu.next > uint64(s.h.t.cfg.QueueMessages)
	if s.h.t.cfg.Frames {
		// Under resync its next fill catches it up from the rows (or
		// resyncs it when it cannot).
		behind = s.h.t.cfg.Policy != Resync && s.mu.next < s.h.t.window.first.Load()
	}
	if s.mu.state != stateLive || !behind {
		s.mu.Unlock()
		return
	}
	s.overflowLocked(head)
	s.mu.Unlock()
	s.afterOverflow()
}

// overflowLocked applies the policy to a subscriber that cannot take the
// deltas up to head: every delta after the last it was handed is dropped.
func (s *Sub) overflowLocked(head uint64) {
	dropped := head - s.mu.taken
	s.drops.Add(dropped)
	s.h.drops.Add(dropped)
	clear(s.mu.queue)
	s.mu.queue, s.mu.bytes = s.mu.queue[:0], 0
	s.nextHint.Store(math.MaxUint64)
	if s.h.t.cfg.Policy == Disconnect {
		s.mu.state = stateDead
		s.mu.err = ErrSlow
		s.disconnected.Store(true)
		s.h.disconnects.Add(1)
		return
	}
	s.mu.state = stateSnapshot
	s.mu.gapFrom = s.mu.taken + 1
	s.resyncs.Add(1)
	s.h.resyncs.Add(1)
}

// afterOverflow closes a subscriber disconnected by policy (outside its
// lock) and reports whether it has something to write.
func (s *Sub) afterOverflow() bool {
	if s.h.t.cfg.Policy == Disconnect {
		s.kill()
		return false
	}
	return true
}

// progress queues msg, a progress message for head, when the subscriber
// is caught up with head and has nothing else to write.
func (s *Sub) progress(msg *Msg, head uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.state != stateLive || len(s.mu.queue) > 0 || s.mu.next != head+1 {
		return false
	}
	s.mu.queue = append(s.mu.queue, msg)
	s.mu.bytes += msg.Size()
	return true
}

// finish marks the subscriber to end after its queue, queueing a final
// progress message after it when the queue brings it up to head.
//
// A subscriber fed by a writer that went live after the last fill (its
// snapshot, taken from the cache, older than head) would be owed deltas
// that no writer queues any more: it gets a gap and the table's last
// state instead, then the final progress message.
func (s *Sub) finish(msg *Msg, head uint64) {
	s.mu.Lock()
	switch {
	case s.mu.state == stateLive && s.mu.next == head+1:
		s.mu.queue = append(s.mu.queue, msg)
		s.mu.bytes += msg.Size()
	case s.mu.state == stateLive && s.mu.next <= head && s.w != nil:
		clear(s.mu.queue)
		s.mu.queue, s.mu.bytes = s.mu.queue[:0], 0
		s.mu.state, s.mu.gapFrom = stateSnapshot, s.mu.taken+1
		s.nextHint.Store(math.MaxUint64)
		s.resyncs.Add(1)
		s.h.resyncs.Add(1)
	}
	s.mu.closing = true
	s.mu.Unlock()
	s.poke()
}

// poke wakes the subscriber's goroutine.
func (s *Sub) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// kill closes the subscriber at once: its goroutine returns and its
// connection's pending write fails.
func (s *Sub) kill() {
	s.mu.Lock()
	s.mu.state = stateDead
	s.mu.Unlock()
	s.cancel()
	s.c.abort()
}

// takeResult says what take found.
type takeResult uint8

const (
	takeIdle  takeResult = iota // nothing to write now
	takeMore                    // out holds messages; take again after writing them
	takeFinal                   // the table closed and everything is written
	takeStop                    // the subscriber is dead
)

// take hands the subscriber's goroutine what to write next: its queue, or
// a gap message and a snapshot when it needs one. prev is the slice it
// wrote last, reused.
func (s *Sub) take(prev []*Msg) ([]*Msg, takeResult) {
	s.mu.Lock()
	switch s.mu.state {
	case stateDead:
		s.mu.Unlock()
		return nil, takeStop
	case stateSnapshot:
		s.mu.state = stateTaking
		gapFrom, closing := s.mu.gapFrom, s.mu.closing
		s.mu.Unlock()
		// While the table closes no delta follows (the writers have
		// stopped): the snapshot is the table's last state, then the
		// final progress message, so a subscriber resyncing at the end
		// still ends with the table.
		var snap *Snapshot
		if closing {
			snap = s.h.t.Snapshot()
		} else {
			snap = s.h.t.subscriberSnapshot()
		}
		out := prev[:0]
		if gapFrom > 0 {
			out = append(out, gapMsg(gapFrom, snap.Seq))
		}
		out = append(out, snap.Messages()...)
		if closing {
			if msg, head := s.h.progressMsg(); head == snap.Seq {
				out = append(out, msg)
			}
		}
		s.mu.Lock()
		if s.mu.state == stateDead {
			s.mu.Unlock()
			return nil, takeStop
		}
		if s.mu.closing && !closing {
			// The table began closing while the snapshot was taken:
			// finish found the subscriber taking it and queued no final
			// progress, and the writers, stopped, queue no delta after
			// it. Take the table's last state instead.
			s.mu.state = stateSnapshot
			s.mu.Unlock()
			return s.take(out)
		}
		s.mu.state = stateLive
		s.mu.next, s.mu.taken, s.mu.gapFrom = snap.Seq+1, snap.Seq, 0
		s.nextHint.Store(snap.Seq + 1)
		s.mu.Unlock()
		s.h.kick(s)
		return out, takeMore
	case stateTaking:
		panic("BUG: serve: a subscriber's snapshot taken twice at once")
	}
	if len(s.mu.queue) == 0 {
		closing := s.mu.closing
		s.mu.Unlock()
		if closing {
			return nil, takeFinal
		}
		return nil, takeIdle
	}
	out := s.takeQueueLocked(prev)
	s.mu.Unlock()
	return out, takeMore
}

// takeQueueLocked hands over the queue, which becomes prev's array.
func (s *Sub) takeQueueLocked(prev []*Msg) []*Msg {
	out := s.mu.queue
	clear(prev)
	s.mu.queue, s.mu.bytes = prev[:0], 0
	s.mu.taken = s.mu.next - 1
	return out
}

// takeLive hands over the queue of a live subscriber, for a direct write
// (nil: nothing queued, or the subscriber needs its goroutine).
func (s *Sub) takeLive() []*Msg {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.state != stateLive || len(s.mu.queue) == 0 {
		return nil
	}
	s.wbuf = s.takeQueueLocked(s.wbuf)
	return s.wbuf
}

// ready has what the subscriber has queued written: by the calling writer
// itself when the connection takes direct writes and nothing else is
// writing to it (as a send of b when b sends), else by the subscriber's
// goroutine, woken. A direct write never waits: a socket that takes only
// part of it leaves the rest to the goroutine, and a subscriber whose
// goroutine is writing (a snapshot, a write blocked on a slow client)
// gets its queue written by that goroutine, as without direct writes.
func (s *Sub) ready(b *sendBatch) {
	switch {
	case s.d == nil:
		s.poke()
	case b.on():
		if !s.batchWrite(b) {
			s.poke()
		}
	case !s.directWrite():
		s.poke()
	}
}

// directWrite tries a direct write and reports whether the goroutine has
// nothing to do for it.
func (s *Sub) directWrite() bool {
	if !s.wmu.TryLock() {
		return false
	}
	defer s.wmu.Unlock()
	if s.owed.set {
		return false
	}
	out, n, writes, res, err := s.d.tryWrite(s.takeLive)
	done := s.wrote(out, n, writes, res, err)
	clear(out)
	return done
}

// batchWrite is directWrite with the write made by b: it reports false
// when the goroutine has something to do at once, true when it has
// nothing or the write is in b (b's flush ends it, under the write lock
// taken here, and wakes the goroutine if need be).
func (s *Sub) batchWrite(b *sendBatch) bool {
	if !s.wmu.TryLock() {
		return false
	}
	if s.owed.set {
		s.wmu.Unlock()
		return false
	}
	out, n, snd, res, err := s.d.begin(s.takeLive)
	if res == tryHeld {
		b.add(s, out, n, snd)
		return true
	}
	done := s.wrote(out, n, 0, res, err)
	clear(out)
	s.wmu.Unlock()
	return done
}

// batchDone ends a batchWrite whose send b made: wrote, then the write lock
// goes, and the goroutine is woken if it has something to do.
func (s *Sub) batchDone(out []*Msg, n int64, writes uint64, res tryResult, err error) {
	done := s.wrote(out, n, writes, res, err)
	clear(out)
	s.wmu.Unlock()
	if !done {
		s.poke()
	}
}

// wrote counts what a direct write of out (n bytes, in writes system
// calls) did and reports whether the goroutine has nothing to do for it.
// It runs under the write lock.
func (s *Sub) wrote(out []*Msg, n int64, writes uint64, res tryResult, err error) bool {
	s.h.writes.Add(writes)
	if writes > 0 && res != tryFailed {
		s.h.directWrites.Add(1)
	}
	switch res {
	case tryBusy:
		return false
	case tryNone:
		// Not live (it needs a snapshot, or is dead), or nothing queued.
		s.mu.Lock()
		idle := s.mu.state == stateLive && len(s.mu.queue) == 0
		s.mu.Unlock()
		return idle
	case tryFailed:
		s.fail(fmt.Errorf("cannot write %d messages: %w", len(out), err))
		return true
	case tryOwed:
		s.h.handoffs.Add(1)
		s.owed.set = true
		s.owed.msgs, s.owed.bytes = uint64(len(out)), uint64(n)
		s.owed.frames, s.owed.deltas, s.owed.seq = tally(out)
		return false
	}
	s.account(out, n)
	return true
}

// Run writes the subscriber's messages to its connection until the table
// closes (it then writes the final progress message and closes the
// connection cleanly), the connection fails, or ctx ends. It runs on the
// connection's goroutine and returns why the subscription ended (nil for
// a clean end).
func (s *Sub) Run() error {
	defer s.h.remove(s)
	var tick <-chan time.Time
	if s.w == nil {
		tk := time.NewTicker(s.h.t.cfg.Progress)
		defer tk.Stop()
		tick = tk.C
	}
	for {
		for {
			s.wmu.Lock()
			if s.owed.set {
				// The rest of a direct write, before anything else.
				if err := s.write(nil); err != nil {
					s.wmu.Unlock()
					s.fail(err)
					return s.failure()
				}
			}
			out, res := s.take(s.wbuf)
			switch res {
			case takeStop:
				s.wmu.Unlock()
				return s.failure()
			case takeFinal:
				s.wmu.Unlock()
				s.c.close()
				return nil
			case takeIdle:
				s.wmu.Unlock()
				if s.h.t.cfg.Frames && s.nextHint.Load() <= s.h.t.window.head.Load() {
					// It skipped passes while it wrote: ask for its
					// catch-up frame (from its writer, or itself).
					s.h.kick(s)
				}
			case takeMore:
				err := s.write(out)
				s.wbuf = out
				s.wmu.Unlock()
				if err != nil {
					s.fail(err)
					return s.failure()
				}
				continue
			}
			break
		}
		select {
		case <-s.wake:
		case <-tick:
			s.h.progressOne(s)
		case <-s.ctx.Done():
			s.kill()
			return s.failure()
		}
		if s.w == nil {
			if cfg := &s.h.t.cfg; cfg.Frames {
				// Its own frames, paced as the writers pace theirs.
				if d := cfg.FrameInterval - time.Since(s.lastFill); d > 0 {
					select {
					case <-time.After(d):
					case <-s.ctx.Done():
					}
				}
				s.lastFill = time.Now()
			}
			s.h.fillOne(s)
		}
	}
}

// fail records err as why the subscriber ends (unless it has a reason
// already) and closes it.
func (s *Sub) fail(err error) {
	s.mu.Lock()
	if s.mu.err == nil {
		s.mu.err = err
	}
	s.mu.Unlock()
	s.kill()
}

func (s *Sub) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.err != nil {
		return s.mu.err
	}
	return s.ctx.Err()
}

// stallGrace is how long a write may hold a writing slot. A write still
// blocked after it is waiting on a client that does not read (or on a
// core it does not get): it gives its slot up, and the subscriber's later
// writes take none until one of them completes within the grace again —
// a goroutine blocked in the kernel costs no CPU, so it needs no slot.
const stallGrace = 50 * time.Millisecond

// write writes out to the connection within the write timeout and counts
// it. With writers, it first takes one of the table's writing slots, so
// that at most Writers connections do fan-out work at once however many
// have something to write: a thousand runnable connection goroutines
// would otherwise share the cores with the engine's workers turn for turn
// and starve the pipeline (seed 004's many threads, in Go's terms;
// BENCHMARKS.md measures it).
func (s *Sub) write(out []*Msg) (err error) {
	ctx := s.ctx
	if d := s.h.t.cfg.WriteTimeout; d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
		defer func() {
			// The connection's own write deadline (set from ctx's) may
			// fire a moment before ctx's.
			timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded)
			if err != nil && timedOut {
				s.h.writeTimeouts.Add(1)
				err = fmt.Errorf("%w (%v): %w", ErrWriteTimeout, d, err)
			}
		}()
	}
	if slots := s.h.slots; slots != nil && !s.stalled.Load() {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		var held atomic.Bool
		held.Store(true)
		t := time.AfterFunc(stallGrace, func() {
			if held.CompareAndSwap(true, false) {
				s.stalled.Store(true)
				<-slots
			}
		})
		defer func() {
			t.Stop()
			if held.CompareAndSwap(true, false) {
				<-slots
			}
		}()
	} else if slots != nil {
		start := time.Now()
		defer func() {
			if time.Since(start) < stallGrace {
				s.stalled.Store(false)
			}
		}()
	}
	n, writes, err := s.c.write(ctx, out)
	s.h.writes.Add(writes)
	if err != nil {
		s.bytes.Add(uint64(n))
		s.h.bytes.Add(uint64(n))
		return err
	}
	if s.owed.set {
		o := &s.owed
		s.settle(o.msgs, o.bytes, o.frames, o.deltas, o.seq)
		o.set = false
	}
	if len(out) > 0 {
		s.account(out, n)
	}
	return nil
}

// account counts the messages of out, n bytes, as written.
func (s *Sub) account(out []*Msg, n int64) {
	frames, deltas, seq := tally(out)
	s.settle(uint64(len(out)), uint64(n), frames, deltas, seq)
}

// settle counts msgs messages of n bytes written, with the frames and
// deltas among them; seq (0: none) is the last sequence they carry.
func (s *Sub) settle(msgs, n, frames, deltas, seq uint64) {
	s.bytes.Add(n)
	s.h.bytes.Add(n)
	s.msgs.Add(msgs)
	s.h.msgs.Add(msgs)
	if frames > 0 {
		s.h.framesSent.Add(frames)
	}
	if deltas > 0 {
		s.h.deltasSent.Add(deltas)
	}
	if seq > 0 {
		s.sent.Store(seq)
	}
}

// tally returns the frames and the deltas among msgs and the last
// sequence number they carry (0: none).
func tally(msgs []*Msg) (frames, deltas, seq uint64) {
	for _, m := range msgs {
		if m.Kind == KindFrame {
			frames++
		}
		deltas += m.Deltas()
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if k := msgs[i].Kind; k == KindDelta || k == KindFrame || k == KindSnapshotEnd || k == KindProgress {
			return frames, deltas, msgs[i].Seq
		}
	}
	return frames, deltas, 0
}
