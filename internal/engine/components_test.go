package engine_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// Test-only components for the component contract: a sink that blocks on
// I/O, a push source, an asynchronous sink, and a sink that counts its
// lifecycle calls. Each test gets its own instances through a registry
// keyed by the `id` option, so tests can run in parallel.

var (
	fixturesMu sync.Mutex
	fixtures   = map[string]any{}
)

func register(id string, v any) func() {
	fixturesMu.Lock()
	fixtures[id] = v
	fixturesMu.Unlock()
	return func() {
		fixturesMu.Lock()
		delete(fixtures, id)
		fixturesMu.Unlock()
	}
}

func fixture[T any](id string) T {
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	v, _ := fixtures[id].(T)
	return v
}

var idOption = component.Option{Name: "id", Type: component.String, Required: true}

// stall is shared by the stall sinks of one test: they block in Process
// until release is closed, and count what they received.
type stall struct {
	release  chan struct{}
	got      atomic.Int64
	entered  chan struct{}
	enterOne sync.Once
}

func newStall() *stall { return &stall{release: make(chan struct{}), entered: make(chan struct{})} }

// stallSinkSpec is a sink whose writes block (IO: true), as a write into a
// pipe nobody reads does.
func stallSinkSpec() *component.Spec {
	return &component.Spec{
		Type: "stall", Kind: component.KindSink, IO: true, Doc: "test: blocks in Process until released",
		Options: []component.Option{idOption},
		New: func(ctx *component.Context) (*component.Instance, error) {
			return &component.Instance{Operator: &stallSink{s: fixture[*stall](ctx.Options.String("id"))}}, nil
		},
	}
}

type stallSink struct{ s *stall }

func (k *stallSink) Process(_ int, in []event.Event, _ *component.Output) error {
	k.s.enterOne.Do(func() { close(k.s.entered) })
	<-k.s.release
	k.s.got.Add(int64(len(in)))
	return nil
}
func (k *stallSink) Flush(*component.Output) error { return nil }

// pusher feeds a push source from the test's goroutine.
type pusher struct {
	mu    sync.Mutex
	queue []int64
	wake  func()
	done  bool
	ready chan struct{}
}

func newPusher() *pusher { return &pusher{ready: make(chan struct{})} }

// push queues values and wakes the source's actor.
func (p *pusher) push(vs ...int64) {
	p.mu.Lock()
	p.queue = append(p.queue, vs...)
	wake := p.wake
	p.mu.Unlock()
	wake()
}

// end makes the source finish once its queue is empty.
func (p *pusher) end() {
	p.mu.Lock()
	p.done = true
	wake := p.wake
	p.mu.Unlock()
	wake()
}

func pushSourceSpec() *component.Spec {
	return &component.Spec{
		Type: "push", Kind: component.KindSource, Doc: "test: events pushed by another goroutine",
		Options: []component.Option{idOption},
		New: func(ctx *component.Context) (*component.Instance, error) {
			s, err := event.NewSchema(ctx.Tenant, "pushed", event.Field{Name: "id", Kind: event.Int})
			if err != nil {
				return nil, err
			}
			schema, err := ctx.Registry.Register(s)
			if err != nil {
				return nil, err
			}
			src := &pushSource{schema: schema.ID}
			if !ctx.Validating {
				src.p = fixture[*pusher](ctx.Options.String("id"))
				src.p.mu.Lock()
				src.p.wake = ctx.Wake
				src.p.mu.Unlock()
				close(src.p.ready)
			}
			return &component.Instance{Source: src, Schema: schema}, nil
		},
	}
}

type pushSource struct {
	p      *pusher
	schema uint32
	reads  atomic.Int64
}

func (s *pushSource) Read(out *component.Output, max int) (component.ReadResult, error) {
	s.reads.Add(1)
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	n := min(max, len(s.p.queue))
	for _, v := range s.p.queue[:n] {
		e := out.Next()
		e.Schema = s.schema
		e.Fields = append(e.Fields, event.IntValue(v))
	}
	s.p.queue = s.p.queue[n:]
	if len(s.p.queue) == 0 && s.p.done {
		return component.ReadResult{Done: true}, nil
	}
	if n == 0 {
		return component.ReadResult{Idle: component.PushReady}, nil
	}
	return component.ReadResult{}, nil
}
func (s *pushSource) Close() error { return nil }

// AppendFigures reports the source's reads (component.Figurer).
func (s *pushSource) AppendFigures(dst []component.Figure) []component.Figure {
	return append(dst, component.CounterOf("test_reads_total", "Reads of the push source.", float64(s.reads.Load()), "kind", "push"))
}

// Stop (component.Stopper) makes the source finish once its queue is
// empty, as end does.
func (s *pushSource) Stop() {
	s.p.mu.Lock()
	s.p.done = true
	s.p.mu.Unlock()
}

// acker is an async sink's far side: it acknowledges what the sink hands
// over after a delay, on its own goroutine.
type acker struct {
	delay       time.Duration
	max         int
	fail        error // acknowledge with this error once, at the first batch
	maxInFlight atomic.Int64
	inFlight    atomic.Int64
	acked       atomic.Int64
	closed      atomic.Int64
	closedWith  atomic.Int64 // in flight when Close was called
	// snapshots counts Snapshot calls; snapInFlight is the most in flight
	// at one (a snapshot must find nothing in flight).
	snapshots, snapInFlight atomic.Int64
	wg                      sync.WaitGroup
	// holdClose, when set, keeps Close waiting until it is closed, as a
	// publisher waiting for its last acknowledgements does.
	holdClose chan struct{}
}

func asyncSinkSpec() *component.Spec {
	return &component.Spec{
		Type: "async", Kind: component.KindSink, Doc: "test: acknowledges later",
		Options: []component.Option{idOption},
		New: func(ctx *component.Context) (*component.Instance, error) {
			return &component.Instance{Operator: &asyncSink{a: fixture[*acker](ctx.Options.String("id")), ack: ctx.Ack}}, nil
		},
	}
}

// asyncParallelSinkSpec is the async sink as a Parallel one, which runs
// fused behind its upstream (a client of a partitioned log).
func asyncParallelSinkSpec() *component.Spec {
	s := asyncSinkSpec()
	s.Type, s.Parallel = "async_parallel", true
	return s
}

type asyncSink struct {
	a      *acker
	ack    func(int, error)
	failed bool
}

func (s *asyncSink) MaxInFlight() int { return s.a.max }

func (s *asyncSink) Process(_ int, in []event.Event, _ *component.Output) error {
	n := len(in)
	if now := s.a.inFlight.Add(int64(n)); now > s.a.maxInFlight.Load() {
		s.a.maxInFlight.Store(now)
	}
	var err error
	if s.a.fail != nil && !s.failed {
		s.failed, err = true, s.a.fail
	}
	s.a.wg.Add(1)
	go func() {
		defer s.a.wg.Done()
		time.Sleep(s.a.delay)
		s.a.inFlight.Add(-int64(n))
		s.a.acked.Add(int64(n))
		s.ack(n, err)
	}()
	return nil
}
func (s *asyncSink) Flush(*component.Output) error { return nil }

// Report reports the events acknowledged (component.Reporter); the value
// is a component.Figurer.
func (s *asyncSink) Report() any { return ackReport(s.a.acked.Load()) }

// ackReport is an async sink's report: the events acknowledged.
type ackReport int64

func (r ackReport) AppendFigures(dst []component.Figure) []component.Figure {
	return append(dst, component.CounterOf("test_acked_events_total", "Events acknowledged.", float64(r)))
}

// Snapshot records what is in flight when the engine takes it.
func (s *asyncSink) Snapshot(dst []byte) ([]byte, error) {
	s.a.snapshots.Add(1)
	if n := s.a.inFlight.Load(); n > s.a.snapInFlight.Load() {
		s.a.snapInFlight.Store(n)
	}
	return dst, nil
}
func (s *asyncSink) Restore([]byte) error { return nil }
func (s *asyncSink) Close() error {
	s.a.closed.Add(1)
	s.a.closedWith.Store(s.a.inFlight.Load())
	if s.a.holdClose != nil {
		<-s.a.holdClose
	}
	return nil
}

// lifecycle counts a sink's Open, Flush and Close calls.
type lifecycle struct {
	openErr                error
	opens, flushes, closes atomic.Int64
}

func lifecycleSinkSpec() *component.Spec {
	return &component.Spec{
		Type: "lifecycle", Kind: component.KindSink, Doc: "test: counts Open, Flush and Close",
		Options: []component.Option{idOption},
		New: func(ctx *component.Context) (*component.Instance, error) {
			return &component.Instance{Operator: &lifecycleSink{l: fixture[*lifecycle](ctx.Options.String("id"))}}, nil
		},
	}
}

type lifecycleSink struct{ l *lifecycle }

func (s *lifecycleSink) Open(context.Context) error {
	s.l.opens.Add(1)
	return s.l.openErr
}
func (s *lifecycleSink) Process(int, []event.Event, *component.Output) error { return nil }
func (s *lifecycleSink) Flush(*component.Output) error {
	s.l.flushes.Add(1)
	return nil
}
func (s *lifecycleSink) Close() error {
	s.l.closes.Add(1)
	return nil
}

var errRefused = errors.New("refused by the far side")

// syncBuilder is a strings.Builder safe for the engine's log writes.
type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
