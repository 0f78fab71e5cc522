package engine

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greenwave/greenwave/internal/event"
)

// A Tap samples the events one component emits (a sink: the events it
// receives) while the tenant runs, for `greenwave tap` and the console.
// Nobody tapping costs the hot path one atomic load per batch; a tap costs
// its actor the encoding of the events it samples, at most PerSecond of
// them (a token bucket), sent without waiting: when the reader falls
// behind, the tap drops and counts.
type Tap struct {
	// C receives one JSON object per sampled event, its text only (no
	// newline). It is closed by Close.
	C <-chan []byte

	c         chan []byte
	perSecond float64
	mu        struct {
		sync.Mutex
		tokens float64
		last   time.Time
		closed bool
	}
	dropped atomic.Uint64
	close   func()
}

// Dropped counts sampled events the reader was too slow to take.
func (t *Tap) Dropped() uint64 { return t.dropped.Load() }

// Close detaches the tap and closes C. Idempotent.
func (t *Tap) Close() { t.close() }

// take spends one token, refilling at perSecond; the bucket holds at most
// one second's worth.
func (t *Tap) take(now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.mu.closed {
		return false
	}
	t.mu.tokens = min(t.mu.tokens+now.Sub(t.mu.last).Seconds()*t.perSecond, t.perSecond)
	t.mu.last = now
	if t.mu.tokens < 1 {
		return false
	}
	t.mu.tokens--
	return true
}

// send offers one encoded event; it never blocks.
func (t *Tap) send(b []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.mu.closed {
		return
	}
	select {
	case t.c <- b:
	default:
		t.dropped.Add(1)
	}
}

// taps are the taps on one node of an actor (copy on write).
type taps []*Tap

// Tap attaches a tap to the named component of the tenant: every instance
// of it. perSecond bounds the events sampled (over all instances; at least
// one a second), buffer the events waiting in C.
func (t *Tenant) Tap(component string, perSecond float64, buffer int) (*Tap, error) {
	n := t.Plan.ByName[component]
	if n == nil {
		return nil, fmt.Errorf("tenant %q has no component %q", t.Name, component)
	}
	tp := &Tap{c: make(chan []byte, max(buffer, 1)), perSecond: max(perSecond, 1)}
	tp.C = tp.c
	tp.mu.last = time.Now()
	tp.mu.tokens = 1
	var at []*actor
	for _, a := range t.actors {
		if k := slices.Index(a.p.Nodes, n); k >= 0 {
			a.addTap(k, tp)
			at = append(at, a)
		}
	}
	var once sync.Once
	tp.close = func() {
		once.Do(func() {
			for _, a := range at {
				a.removeTap(tp)
			}
			tp.mu.Lock()
			tp.mu.closed = true
			close(tp.c)
			tp.mu.Unlock()
		})
	}
	return tp, nil
}

// tapState is an actor's taps, by node index; nil when none.
type tapState struct {
	mu     sync.Mutex // serialises changes (readers load the pointer)
	byNode atomic.Pointer[[]taps]
	any    atomic.Bool
}

func (a *actor) addTap(node int, tp *Tap) {
	a.taps.mu.Lock()
	defer a.taps.mu.Unlock()
	cur := make([]taps, len(a.p.Nodes))
	if old := a.taps.byNode.Load(); old != nil {
		copy(cur, *old)
	}
	cur[node] = append(slices.Clone(cur[node]), tp)
	a.taps.byNode.Store(&cur)
	a.taps.any.Store(true)
}

func (a *actor) removeTap(tp *Tap) {
	a.taps.mu.Lock()
	defer a.taps.mu.Unlock()
	old := a.taps.byNode.Load()
	if old == nil {
		return
	}
	cur := make([]taps, len(*old))
	any := false
	for i, ts := range *old {
		for _, x := range ts {
			if x != tp {
				cur[i] = append(cur[i], x)
				any = true
			}
		}
	}
	a.taps.byNode.Store(&cur)
	a.taps.any.Store(any)
}

// tapped offers evs, the events leaving node k of the actor (entering it
// for a sink), to its taps. One atomic load when nobody taps.
func (a *actor) tapped(k int, evs []event.Event) {
	if !a.taps.any.Load() || len(evs) == 0 {
		return
	}
	byNode := a.taps.byNode.Load()
	if byNode == nil || k < 0 || k >= len(*byNode) {
		return
	}
	ts := (*byNode)[k]
	if len(ts) == 0 {
		return
	}
	now := time.Now()
	for _, tp := range ts {
		for i := range evs {
			if !tp.take(now) {
				break
			}
			if s := a.t.e.reg.Schema(evs[i].Schema); s != nil {
				tp.send(s.AppendJSON(nil, &evs[i]))
			}
		}
	}
}

// stageNode is the index in the actor's nodes of stage i (a source actor's
// source is node 0 and has no stage).
func (a *actor) stageNode(i int) int {
	if a.isSource() {
		return i + 1
	}
	return i
}
