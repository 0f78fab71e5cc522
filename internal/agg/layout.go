package agg

import (
	"hash/fnv"
	"math"
	"strconv"

	"github.com/greenwave/greenwave/internal/event"
)

// Layout is the compiled state plan of one operator's aggregates: which
// running summaries, sketches and counters a window needs, with calls on the
// same field sharing them, and where each call reads its result. A Layout is
// immutable; any number of goroutines may use it to make Sets.
type Layout struct {
	specs []*Spec
	// refs[i][j] is the index, in the state array of its function's family,
	// of specs[i].Calls[j]; count() has no state array and -1.
	refs [][]int
	// The state of a fresh Set, family by family.
	stats     []stat
	edges     []edge
	quants    []quant
	distincts []distinct
	tops      []topK
	// maxCalls is the most calls of an arithmetic spec (0: none).
	maxCalls int
	// fingerprint identifies the shape of the state, for checking encoded
	// state against the layout that decodes it.
	fingerprint uint64
}

// NewLayout compiles specs, in output order, into a Layout. The specs must
// have been parsed against one input schema and have distinct names, as
// ParseAll's are.
func NewLayout(specs []*Spec) *Layout {
	l := &Layout{specs: append([]*Spec(nil), specs...), refs: make([][]int, len(specs))}
	for i, s := range specs {
		if s.expr != nil {
			l.maxCalls = max(l.maxCalls, len(s.Calls))
		}
		l.refs[i] = make([]int, len(s.Calls))
		for j := range s.Calls {
			c := &s.Calls[j]
			fd := field{slot: c.Slot, kind: c.FieldKind}
			ref := -1
			switch c.Func {
			case Count:
				if c.Slot < 0 {
					break
				}
				fallthrough
			case Sum, Avg, Min, Max:
				ref = family(&l.stats, fd, stat{field: fd})
				if c.Func == Min || c.Func == Max {
					l.stats[ref].bounds = true
				}
			case First, Last:
				ref = family(&l.edges, fd, edge{field: fd})
			case Percentile:
				ref = family(&l.quants, fd, quant{field: fd})
			case CountDistinct:
				ref = family(&l.distincts, fd, distinct{field: fd})
			case TopK:
				ref = family(&l.tops, fd, topK{field: fd})
				l.tops[ref].capacity = max(l.tops[ref].capacity, topCapacity(c.K))
			default:
				panic("BUG: agg: NewLayout: call of unknown function " + c.Func.String())
			}
			l.refs[i][j] = ref
		}
	}
	l.fingerprint = l.computeFingerprint()
	return l
}

// family returns the index in *states of the state reading fd's slot,
// appending a new one when there is none yet.
func family[T interface{ fieldSlot() int }](states *[]T, fd field, fresh T) int {
	for i := range *states {
		if (*states)[i].fieldSlot() == fd.slot {
			return i
		}
	}
	*states = append(*states, fresh)
	return len(*states) - 1
}

// Fingerprint identifies the shape of the layout's state: the fields each
// family of summaries reads, their kinds, top_k capacities and the sketch
// parameters. Sets of layouts with equal fingerprints decode each other's
// encodings (whatever the output names or the arithmetic over the calls);
// an operator's checkpoint uses it to tell whether its state fits a
// changed pipeline.
func (l *Layout) Fingerprint() uint64 { return l.fingerprint }

// Specs returns the specs in output order. The caller must not modify them.
func (l *Layout) Specs() []*Spec { return l.specs }

// Fields returns the output fields, one per spec: its name and kind.
func (l *Layout) Fields() []event.Field {
	fs := make([]event.Field, len(l.specs))
	for i, s := range l.specs {
		fs[i] = event.Field{Name: s.Name, Kind: s.Kind}
	}
	return fs
}

// New returns an empty Set. Sketches are created when their first value
// arrives.
func (l *Layout) New() *Set {
	s := &Set{
		l:         l,
		stats:     append([]stat(nil), l.stats...),
		edges:     append([]edge(nil), l.edges...),
		quants:    append([]quant(nil), l.quants...),
		distincts: append([]distinct(nil), l.distincts...),
		tops:      append([]topK(nil), l.tops...),
	}
	if l.maxCalls > 0 {
		s.vals = make([]event.Value, l.maxCalls)
	}
	return s
}

// computeFingerprint hashes the state's shape: each family's fields and
// kinds, top_k capacities, and the sketch parameters.
func (l *Layout) computeFingerprint() uint64 {
	h := fnv.New64a()
	b := make([]byte, 0, 64)
	put := func(tag byte, slot int, kind event.Kind, extra int) {
		b = append(b[:0], tag)
		b = strconv.AppendInt(b, int64(slot), 10)
		b = append(b, ':', byte(kind), ':')
		b = strconv.AppendInt(b, int64(extra), 10)
		b = append(b, ';')
		h.Write(b)
	}
	put('v', 1, event.Null, 0) // the encoding version
	put('p', DistinctPrecision, event.Null, ExactDistinct)
	put('m', int(math.Float64bits(quantileMapping.RelativeAccuracy())>>32), event.Null, int(math.Float64bits(quantileMapping.Value(1))>>32))
	for _, x := range l.stats {
		bounds := 0
		if x.bounds {
			bounds = 1
		}
		put('s', x.slot, x.kind, bounds)
	}
	for _, x := range l.edges {
		put('e', x.slot, x.kind, 0)
	}
	for _, x := range l.quants {
		put('q', x.slot, x.kind, maxQuantileBins)
	}
	for _, x := range l.distincts {
		put('d', x.slot, x.kind, 0)
	}
	for _, x := range l.tops {
		put('t', x.slot, x.kind, x.capacity)
	}
	return h.Sum64()
}
