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
	cond, err := expr.Compile(ctx.Options.String("condition"), in, event.Bool, expr.WithClock(clock(ctx)))
	if err != nil {
		return nil, &component.OptionError{Option: "condition", Err: err}
	}
	return &component.Instance{Operator: &filter{cond: cond}, Schema: in}, nil
}

// filter keeps the events whose condition holds.
type filter struct {
	cond *expr.Program
}

// Process copies the kept events into out.
func (f *filter) Process(_ int, in []event.Event, out *component.Output) error {
	for i := range in {
		if f.cond.Bool(&in[i]) {
			out.Emit(&in[i])
		}
	}
	return nil
}

// Apply compacts the kept events to the front of in, in order. It swaps
// rather than copies them so that every event keeps a Fields array of its
// own.
func (f *filter) Apply(in []event.Event) ([]event.Event, error) {
	n := 0
	for i := range in {
		if f.cond.Bool(&in[i]) {
			if i != n {
				in[n], in[i] = in[i], in[n]
			}
			n++
		}
	}
	return in[:n], nil
}

// Flush has nothing to emit: filter keeps no state.
func (f *filter) Flush(*component.Output) error { return nil }
