package serve

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greenwave/greenwave/internal/wait"
)

// Errors of Subscribe; the HTTP and TCP front ends turn them into
// statuses and error messages.
var (
	ErrClosed  = errors.New("table is closed")
	ErrTooMany = errors.New("too many subscribers")
)

// hub is a table's subscribers and its fan-out writers.
type hub struct {
	t       *Table
	writers []*writer
	// slots bounds the connections writing at once to the number of
	// writers (nil with Writers 0): a write holds a slot until it returns
	// or has been blocked in the kernel for stallGrace.
	slots chan struct{}

	mu struct {
		sync.Mutex
		nextID  uint64
		closing bool
	}
	subs    atomic.Pointer[[]*Sub] // every live subscriber, copy on write
	running sync.WaitGroup         // subscribers' goroutines

	subscribed, resyncs, disconnects, drops, msgs, bytes atomic.Uint64
	catchUps, writeTimeouts                              atomic.Uint64
	// writes counts the writes to subscribers' sockets (see conn.write);
	// directWrites those a writer made itself, handoffs those of them
	// whose rest the subscriber's goroutine wrote (Sub.ready).
	writes, directWrites, handoffs atomic.Uint64
	// sendCalls counts the system calls that made batches of direct
	// writes (see sendBatch).
	sendCalls atomic.Uint64
	// writerBusy is the writers' time in passes, in nanoseconds.
	writerBusy atomic.Uint64
	// Frames: built (encoded once, however many subscribers get them),
	// the deltas conflation left out of them, their bytes; frames
	// written; deltas delivered (one per delta message, a frame's range).
	framesBuilt, conflated, frameBytes, framesSent, deltasSent atomic.Uint64
}

// writer is one fan-out goroutine: it moves new deltas into the queues of
// its share of the subscribers and sends them progress messages.
type writer struct {
	h      *hub
	i      int
	notify chan struct{}
	stop   chan struct{}
	done   chan struct{}
	subs   atomic.Pointer[[]*Sub]
	buf    []*Msg
	fr     *framer // with Frames
	// batch makes the direct writes of a pass (nil: BatchSends off;
	// see sendBatch), built and closed by run.
	batch *sendBatch
	// pinErr is set when pinning was asked for and failed; batchErr
	// when batched sends were asked for and io_uring is not to be had
	// (or its ring failed).
	pinErr, batchErr atomic.Pointer[error]
}

func (h *hub) init(t *Table) {
	h.t = t
	empty := []*Sub{}
	h.subs.Store(&empty)
	if t.cfg.Writers > 0 {
		h.slots = make(chan struct{}, t.cfg.Writers)
	}
	for i := range t.cfg.Writers {
		w := &writer{h: h, i: i, notify: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
		w.subs.Store(&empty)
		if t.cfg.Frames {
			w.fr = newFramer(t.cfg.FrameMax)
		}
		h.writers = append(h.writers, w)
		go w.run()
	}
}

// publish tells the fan-out that the table has new deltas, up to head.
// With writers, it wakes each writer (one non-blocking send each);
// without, it checks every subscriber's lag against its queue bound (a
// subscriber blocked in a write cannot) and wakes its goroutine: the
// cost the naive layout puts on the sink.
func (h *hub) publish(head uint64) {
	if len(h.writers) > 0 {
		for _, w := range h.writers {
			w.poke()
		}
		return
	}
	limit := uint64(h.t.cfg.QueueMessages)
	first := h.t.window.first.Load()
	for _, s := range *h.subs.Load() {
		if n := s.nextHint.Load(); n <= head && (h.t.cfg.Frames && n < first || !h.t.cfg.Frames && head-n >= limit) {
			s.lagged(head)
		}
		s.poke()
	}
}

// kick makes sure s's queue is filled soon (after it took a snapshot).
func (h *hub) kick(s *Sub) {
	if s.w != nil {
		s.w.poke()
		return
	}
	s.poke()
}

func (w *writer) poke() {
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

func (w *writer) run() {
	defer close(w.done)
	cfg := &w.h.t.cfg
	if cfg.Pin {
		cpu := (runtime.NumCPU() - 1 - w.i%runtime.NumCPU())
		if err := wait.PinToCPU(cpu); err != nil {
			w.pinErr.Store(&err)
		}
	}
	if cfg.BatchSends {
		w.batch = newSendBatch(&w.h.sendCalls, &w.batchErr)
		defer w.batch.close()
	}
	tk := time.NewTicker(cfg.Progress)
	defer tk.Stop()
	// Passes are at least FrameInterval apart, and a pass that took d is
	// followed by none sooner than d/WriterShare after it began: a
	// wake-up sooner arms the timer for the rest, so a quiet table's
	// first change still goes out at once and a busy table's changes go
	// out every interval — with frames conflated, with deltas each
	// subscriber's since the last pass in one batch (one write to its
	// socket).
	pace := time.NewTimer(time.Hour)
	pace.Stop()
	armed := false
	var next time.Time // the earliest the next pass may start
	pass := func() {
		start := time.Now()
		if w.fr != nil {
			w.h.fillFrames(*w.subs.Load(), w.fr, false, w.batch)
		} else {
			w.buf = w.h.fill(*w.subs.Load(), w.buf, w.batch)
		}
		took := time.Since(start)
		w.h.writerBusy.Add(uint64(took))
		next = nextPass(start, took, cfg)
	}
	for {
		select {
		case <-w.notify:
			if !armed {
				if d := time.Until(next); d > 0 {
					pace.Reset(d)
					armed = true
					continue
				}
			}
			if !armed {
				pass()
			}
		case <-pace.C:
			armed = false
			pass()
		case <-tk.C:
			// Progress goes to the subscribers that are caught up; a
			// pass first when one is due (not sooner: the pacing holds).
			if !armed && !time.Now().Before(next) {
				pass()
			}
			w.h.progress(*w.subs.Load(), w.batch)
		case <-w.stop:
			pace.Stop()
			return
		}
	}
}

// nextPass is the earliest a writer's next pass may start after one that
// began at start and took took: FrameInterval after it, or later when the
// pass took more than WriterShare of that time.
func nextPass(start time.Time, took time.Duration, cfg *Config) time.Time {
	return start.Add(max(cfg.FrameInterval, time.Duration(float64(took)/cfg.WriterShare)))
}

// fillFrames queues for each of subs that is live and has nothing queued
// the frames that bring it to the table's head: one encoding per starting
// point, shared by every subscriber there (force: queue them even behind
// what it has queued, as the table closes), and has them written (as
// sends of b when b sends; see Sub.ready).
func (h *hub) fillFrames(subs []*Sub, f *framer, force bool, b *sendBatch) {
	if len(subs) == 0 {
		return
	}
	f.reset(h.t.window.head.Load())
	for _, s := range subs {
		if s.fillFrames(f, force) {
			s.ready(b)
		}
	}
	b.flush()
	if f.built > 0 {
		h.framesBuilt.Add(f.built)
		h.conflated.Add(f.conflated)
		h.frameBytes.Add(f.bytes)
		f.built, f.conflated, f.bytes = 0, 0, 0
	}
}

// fill queues for each of subs the deltas it has not had, and has them
// written (as sends of b when b sends). It copies the needed part of the
// window (pointers, without a lock) once, then fills each subscriber's
// queue under that subscriber's own lock.
func (h *hub) fill(subs []*Sub, buf []*Msg, b *sendBatch) []*Msg {
	if len(subs) == 0 {
		return buf
	}
	from := uint64(math.MaxUint64)
	for _, s := range subs {
		from = min(from, s.nextHint.Load())
	}
	t := h.t
	first := t.window.first.Load()
	head := t.window.head.Load()
	start := max(from, first)
	buf = buf[:0]
	if start <= head {
		want := start
		buf, start = t.window.appendFrom(buf, start)
		if start > want {
			// The deltas from want to start-1 left the window meanwhile.
			first = start
		}
		head = start + uint64(len(buf)) - 1
	}
	again := false
	for _, s := range subs {
		ready, late := s.fill(buf, start, first, head)
		if ready {
			s.ready(b)
		}
		again = again || late
	}
	b.flush()
	clear(buf)
	if again {
		// A subscriber went live (after a snapshot) behind what was
		// copied: fill it in the next round.
		for _, s := range subs {
			if s.w != nil {
				s.w.poke()
				break
			}
			s.poke()
		}
	}
	return buf[:0]
}

// fillOne fills one subscriber's queue from its own goroutine (Writers 0),
// building its frames itself.
func (h *hub) fillOne(s *Sub) {
	if h.t.cfg.Frames {
		if s.framer == nil {
			s.framer = newFramer(h.t.cfg.FrameMax)
		}
		h.fillFrames([]*Sub{s}, s.framer, false, nil)
		return
	}
	s.scratch = h.fill([]*Sub{s}, s.scratch, nil)
}

// progress sends a progress message to those of subs that are caught up
// (as sends of b when b sends).
func (h *hub) progress(subs []*Sub, b *sendBatch) {
	if len(subs) == 0 {
		return
	}
	msg, head := h.progressMsg()
	for _, s := range subs {
		if s.progress(msg, head) {
			s.ready(b)
		}
	}
	b.flush()
}

// progressOne is progress for one subscriber from its own goroutine
// (Writers 0).
func (h *hub) progressOne(s *Sub) {
	h.fillOne(s)
	msg, head := h.progressMsg()
	s.progress(msg, head)
}

func (h *hub) progressMsg() (*Msg, uint64) {
	t := h.t
	head := t.window.head.Load()
	return progressMsg(head, t.watermark.Load()), head
}

// Subscribe adds a subscriber that writes to c. With from nil it starts
// with a snapshot; with from set it resumes after delta *from, from the
// window when it still holds the next delta, else with a gap message and
// a snapshot. A resume whose session is set and is not the table's (the
// table restarted since the client's copy), or whose from is ahead of the
// table (a copy of another run, from a client that sends no session),
// gets a gap message from 1 and a snapshot: none of this session's deltas
// follow that copy. The caller runs the subscriber's Run on the
// connection's goroutine. ctx ends the subscription.
func (t *Table) subscribe(ctx context.Context, c conn, from *uint64, session, remote, transport string) (*Sub, error) {
	h := &t.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.mu.closing {
		return nil, fmt.Errorf("table %q: %w", t.cfg.Name, ErrClosed)
	}
	subs := *h.subs.Load()
	if len(subs) >= t.cfg.MaxSubscribers {
		return nil, fmt.Errorf("table %q: %w (max_subscribers %d)", t.cfg.Name, ErrTooMany, t.cfg.MaxSubscribers)
	}
	h.mu.nextID++
	s := &Sub{h: h, id: h.mu.nextID, remote: remote, transport: transport, c: c, wake: make(chan struct{}, 1)}
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.nextHint.Store(math.MaxUint64)
	s.mu.state = stateSnapshot
	if from != nil {
		first := t.window.first.Load()
		head := t.window.head.Load()
		switch f := *from; {
		case session != "" && session != t.session, f > head:
			s.mu.gapFrom, s.mu.taken = 1, 0
			s.resyncs.Add(1)
			h.resyncs.Add(1)
		case f+1 >= first || f == head || t.cfg.Frames && t.cfg.Policy == Resync:
			// In the window; or, with frames, its first fill brings it
			// forward from the table's rows when it can (catchup.go) and
			// resyncs it from f+1 when it cannot.
			s.mu.state = stateLive
			s.mu.next, s.mu.taken = f+1, f
			s.nextHint.Store(f + 1)
			s.sent.Store(f)
		default:
			s.mu.gapFrom, s.mu.taken = f+1, f
			s.resyncs.Add(1)
			h.resyncs.Add(1)
		}
	}
	if len(h.writers) > 0 {
		s.w = h.writers[int(s.id)%len(h.writers)]
		s.d, _ = c.(direct)
		ws := append(append([]*Sub(nil), *s.w.subs.Load()...), s)
		s.w.subs.Store(&ws)
	}
	all := append(append([]*Sub(nil), subs...), s)
	h.subs.Store(&all)
	h.running.Add(1)
	h.subscribed.Add(1)
	h.kick(s)
	s.poke()
	return s, nil
}

// remove takes s out of the hub once its goroutine ends.
func (h *hub) remove(s *Sub) {
	s.cancel()
	h.mu.Lock()
	all := without(*h.subs.Load(), s)
	h.subs.Store(&all)
	if s.w != nil {
		ws := without(*s.w.subs.Load(), s)
		s.w.subs.Store(&ws)
	}
	h.mu.Unlock()
	s.finished.Store(true)
	h.running.Done()
}

func without(subs []*Sub, s *Sub) []*Sub {
	out := make([]*Sub, 0, len(subs))
	for _, x := range subs {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// shutdown refuses new subscribers, stops the writers, queues the last
// deltas and a final progress message for every subscriber, and waits up
// to timeout for them to be written and the connections closed cleanly;
// then it closes whatever is left. It reports whether every subscriber
// ended cleanly in time.
func (h *hub) shutdown(timeout time.Duration) bool {
	h.mu.Lock()
	if h.mu.closing {
		h.mu.Unlock()
		return true
	}
	h.mu.closing = true
	h.mu.Unlock()
	for _, w := range h.writers {
		close(w.stop)
		<-w.done
	}
	subs := *h.subs.Load()
	if h.t.cfg.Frames {
		h.fillFrames(subs, newFramer(h.t.cfg.FrameMax), true, nil)
	} else {
		h.fill(subs, nil, nil)
	}
	msg, head := h.progressMsg()
	for _, s := range subs {
		s.finish(msg, head)
	}
	done := make(chan struct{})
	go func() { h.running.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
	}
	for _, s := range *h.subs.Load() {
		s.kill()
	}
	<-done
	return false
}
