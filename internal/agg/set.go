package agg

import (
	"errors"

	"github.com/greenwave/greenwave/internal/event"
)

// Set is the aggregate state of one window of one key: one running
// summary, sketch or counter table per (function family, field) of its
// Layout. The zero Set is not usable; get one from Layout.New or Pool.Get.
// A Set is owned by one goroutine; it is not safe for concurrent use.
//
// Adding an event costs no allocation for count, sum, avg, min, max, first
// and last, nor for top_k once its counters exist, nor for percentile and
// count_distinct once their sketches have grown to the window's range and
// cardinality (a Set reused through Reset or a Pool keeps them).
type Set struct {
	l         *Layout
	events    int64
	stats     []stat
	edges     []edge
	quants    []quant
	distincts []distinct
	tops      []topK
	// vals holds the calls' results while an arithmetic spec is evaluated.
	vals []event.Value
}

// errLayout is returned when two Sets do not share a layout.
var errLayout = errors.New("cannot merge the state of different aggregates")

// Layout returns the Set's layout.
func (s *Set) Layout() *Layout { return s.l }

// Count returns the number of events added (and merged) since the last
// Reset.
func (s *Set) Count() int64 { return s.events }

// Add folds one event in. Fields are read by slot; an event shorter than
// the schema has nulls in its missing slots.
func (s *Set) Add(e *event.Event) {
	s.events++
	for i := range s.stats {
		st := &s.stats[i]
		st.add(e.Get(st.slot))
	}
	for i := range s.edges {
		ed := &s.edges[i]
		ed.add(e.Get(ed.slot), e.Time)
	}
	for i := range s.quants {
		q := &s.quants[i]
		q.add(e.Get(q.slot))
	}
	for i := range s.distincts {
		d := &s.distincts[i]
		d.add(e.Get(d.slot))
	}
	for i := range s.tops {
		t := &s.tops[i]
		t.add(e.Get(t.slot))
	}
}

// AddBatch folds every event of es in, in order.
func (s *Set) AddBatch(es []event.Event) {
	for i := range es {
		s.Add(&es[i])
	}
}

// Merge folds o, a Set of the same layout (or of an equal one), into s, as
// if o's events had been added to s after s's own: first keeps s's value
// and last takes o's when event times tie. Sums, counts, minima, maxima and
// top_k while exact merge exactly; sketches merge within their stated
// error. o is not modified and must not be s. Merge reports an error when the layouts differ.
func (s *Set) Merge(o *Set) error {
	if o == s {
		panic("BUG: agg: a Set merged into itself")
	}
	if s.l != o.l && s.l.fingerprint != o.l.fingerprint {
		return errLayout
	}
	s.events += o.events
	for i := range s.stats {
		s.stats[i].merge(&o.stats[i])
	}
	for i := range s.edges {
		s.edges[i].merge(&o.edges[i])
	}
	for i := range s.quants {
		s.quants[i].merge(&o.quants[i])
	}
	for i := range s.distincts {
		s.distincts[i].merge(&o.distincts[i])
	}
	for i := range s.tops {
		s.tops[i].merge(&o.tops[i])
	}
	return nil
}

// Reset empties s for a new window. Sketches, counter tables and their
// memory are kept for reuse.
func (s *Set) Reset() {
	s.events = 0
	for i := range s.stats {
		s.stats[i].reset()
	}
	for i := range s.edges {
		s.edges[i].reset()
	}
	for i := range s.quants {
		s.quants[i].reset()
	}
	for i := range s.distincts {
		s.distincts[i].reset()
	}
	for i := range s.tops {
		s.tops[i].reset()
	}
}

// Result writes each spec's value into dst, in spec order; dst must have
// room for len(Layout.Specs()). It allocates only for top_k's string. It
// may compact a sketch's internal representation but does not change what
// s holds.
func (s *Set) Result(dst []event.Value) {
	specs := s.l.specs
	if len(dst) < len(specs) {
		panic("BUG: agg: Set.Result needs room for every aggregate")
	}
	for i, sp := range specs {
		refs := s.l.refs[i]
		if sp.expr == nil {
			dst[i] = s.call(&sp.Calls[0], refs[0])
			continue
		}
		for j := range sp.Calls {
			s.vals[j] = s.call(&sp.Calls[j], refs[j])
		}
		dst[i] = sp.expr.eval(s.vals)
	}
}

// call returns one call's result from the state at index ref of its
// family.
func (s *Set) call(c *Call, ref int) event.Value {
	switch c.Func {
	case Count:
		if ref < 0 {
			return event.IntValue(s.events)
		}
		return s.stats[ref].result(Count)
	case Sum, Avg, Min, Max:
		return s.stats[ref].result(c.Func)
	case First, Last:
		return s.edges[ref].result(c.Func)
	case Percentile:
		return s.quants[ref].result(c.Q)
	case CountDistinct:
		return s.distincts[ref].result()
	case TopK:
		return s.tops[ref].result(c.K)
	}
	panic("BUG: agg: result of unknown function " + c.Func.String())
}
