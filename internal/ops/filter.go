package ops

import (
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/expr"
)

// FilterSpec returns the spec of the filter transform.
func FilterSpec() *component.Spec {
	return &component.Spec{
		Type: "filter",
		Kind: component.KindTransform,
		Doc: "Keeps the events for which `condition` is true and drops the others. " +
			"A condition that is null (it reads a missing field, for example) counts as false. " +
			"The output has the input's schema; events pass unchanged.",
		Options: []component.Option{{
			Name:     "condition",
			Type:     component.Expr,
			Required: true,
			Doc: "A bool expression over the input's fields, in expr-lang syntax: " +
				"`status >= 500 and host == \"cdn\"`, `path startsWith \"/api\"`, `region in [\"eu\", \"us\"]`, " +
				"`latency_ms ?? 0 > 250`. Compiled once; fields are resolved when the pipeline is loaded.",
		}},
		Stateless: true,
		MaxInputs: 1,
		New:       newFilter,
	}
}

func newFilter(ctx *component.Context) (*component.Instance, error) {
	in, err := input(ctx)
	if err != nil {
		return nil, err
	}
	r := component.NewReader(FilterSpec(), ctx.Options)
	cond, err := expr.Compile(r.String("condition"), in, event.Bool, expr.WithClock(clock(ctx)))
	if err != nil {
		return nil, &component.OptionError{Path: r.At("condition"), Err: err}
	}
	return &component.Instance{Operator: &filter{cond: cond}, Schema: in}, nil
}

// filter keeps the events whose condition holds.
type filter struct {
	cond *expr.Program
	// keep holds the condition's value per event of the chunk Apply is
	// compacting.
	keep []bool
}

// filterChunk is the number of events Apply evaluates before compacting
// them: few enough that they are still in the L1 cache when they move.
const filterChunk = 64

// Process copies the kept events into out.
func (f *filter) Process(_ int, in []event.Event, out *component.Output) error {
	for i := range in {
		if f.cond.Bool(&in[i]) {
			out.Emit(&in[i])
		}
	}
	return nil
}

// Apply compacts the kept events to the front of in, in order. A kept event
// moves down over a dropped one, which takes the kept event's old place
// with its own Fields array, so that every event keeps a Fields array of
// its own.
//
// The condition is evaluated over a chunk of events at a time (at most one
// call per event), then the chunk is compacted.
func (f *filter) Apply(in []event.Event) ([]event.Event, error) {
	n := 0
	for lo := 0; lo < len(in); lo += filterChunk {
		chunk := in[lo:min(lo+filterChunk, len(in))]
		f.keep = f.cond.BoolBatch(chunk, f.keep)
		for j, k := range f.keep[:len(chunk)] {
			if k {
				if i := lo + j; i != n {
					fs := in[n].Fields
					in[n] = in[i]
					in[i].Fields = fs
				}
				n++
			}
		}
	}
	return in[:n], nil
}

// Flush has nothing to emit: filter keeps no state.
func (f *filter) Flush(*component.Output) error { return nil }
