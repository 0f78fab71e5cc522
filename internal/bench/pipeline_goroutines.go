package bench

import (
	"fmt"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/plan"
	"github.com/greenwave/greenwave/internal/registry"
	"github.com/greenwave/greenwave/internal/spec"
)

// goroutineChanCap is the capacity of every channel of the goroutine
// pipeline.
const goroutineChanCap = 1024

// runGoroutineOperators runs the pipeline file the engine runs — the same
// generate, filter, key_by, count and blackhole instances — the naive way:
// one goroutine per component, a buffered channel per edge, one event per
// send. It is the design greenwave replaces, doing exactly the engine's
// work. It returns the number of events the sink received.
//
// It handles linear pipelines (each component reads the one before it),
// which the pipeline scenario is. Events cross a channel by value; their
// Fields point into a pool of goroutineChanCap+2 arrays per edge, which
// the sender reuses round-robin. A sender that is about to reuse array j
// has had its send of event j-1 accepted, so the receiver has taken event
// j-1-cap and is done with every event before it: no array is rewritten
// while it is read, and the steady state allocates nothing.
func runGoroutineOperators(n int64) (int64, error) {
	p, err := spec.Parse("bench.yaml", []byte(pipelineYAML(n, 0, 1)), builtin.Catalog())
	if err != nil {
		return 0, err
	}
	opt := plan.Options{Workers: 1, Registry: registry.New()}
	pl, err := plan.Compile(p, opt)
	if err != nil {
		return 0, err
	}
	nodes := pl.Nodes
	for i, nd := range nodes {
		if i > 0 && (len(nd.Inputs) != 1 || nd.Inputs[0].From != nodes[i-1]) {
			return 0, fmt.Errorf("goroutine pipeline: %q does not read the component before it", nd.Name())
		}
	}
	insts := make([]*component.Instance, len(nodes))
	for i, nd := range nodes {
		if insts[i], err = pl.NewInstance(nd, 0, 1, opt, plan.Hooks{Reject: func(error) {}}); err != nil {
			return 0, err
		}
	}
	if insts[0].Source == nil {
		return 0, fmt.Errorf("goroutine pipeline: %q is not a source", nodes[0].Name())
	}
	defer insts[0].Source.Close()

	chans := make([]chan event.Event, len(nodes)-1)
	for i := range chans {
		chans[i] = make(chan event.Event, goroutineChanCap)
	}
	errs := make(chan error, len(nodes))
	received := make(chan int64, 1)

	// Source.
	go func() {
		defer close(chans[0])
		s := newEdgeSender(chans[0], insts[0].Schema.Width())
		var out component.Output
		for {
			out.Reset()
			res, err := insts[0].Source.Read(&out, 512)
			if err != nil {
				errs <- err
				return
			}
			for _, e := range out.Events() {
				s.send(&e)
			}
			if res.Done {
				return
			}
		}
	}()
	// Transforms and the sink.
	for i := 1; i < len(nodes); i++ {
		in := chans[i-1]
		op := insts[i].Operator
		inplace, _ := op.(component.InPlace)
		last := i == len(nodes)-1
		var s *edgeSender
		if !last {
			s = newEdgeSender(chans[i], insts[i].Schema.Width())
		}
		go func() {
			if s != nil {
				defer close(s.ch)
			}
			var one [1]event.Event
			var out component.Output
			var got int64
			emit := func(evs []event.Event) {
				if s == nil {
					return
				}
				for k := range evs {
					s.send(&evs[k])
				}
			}
			for e := range in {
				got++
				one[0] = e
				if inplace != nil {
					kept, err := inplace.Apply(one[:])
					if err != nil {
						errs <- err
						return
					}
					emit(kept)
					continue
				}
				out.Reset()
				if err := op.Process(0, one[:], &out); err != nil {
					errs <- err
					return
				}
				emit(out.Events())
			}
			out.Reset()
			if err := op.Flush(&out); err != nil {
				errs <- err
				return
			}
			emit(out.Events())
			if last {
				received <- got
			}
		}()
	}
	select {
	case got := <-received:
		return got, nil
	case err := <-errs:
		return 0, err
	}
}

// edgeSender sends copies of events on one channel, their Fields in a
// round-robin pool of arrays (see runGoroutineOperators).
type edgeSender struct {
	ch   chan event.Event
	pool [][]event.Value
	next int
}

func newEdgeSender(ch chan event.Event, width int) *edgeSender {
	s := &edgeSender{ch: ch, pool: make([][]event.Value, cap(ch)+2)}
	for i := range s.pool {
		s.pool[i] = make([]event.Value, 0, max(width, 1))
	}
	return s
}

func (s *edgeSender) send(e *event.Event) {
	f := append(s.pool[s.next][:0], e.Fields...)
	s.pool[s.next] = f
	if s.next++; s.next == len(s.pool) {
		s.next = 0
	}
	c := *e
	c.Fields = f
	s.ch <- c
}
