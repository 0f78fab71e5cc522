package ops

import (
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// outputSchema builds and registers the output schema: the left fields,
// then the right ones, each renamed with its side's prefix.
func (b *joinBase) outputSchema(ctx *component.Context) (*event.Schema, error) {
	prefix := [2]string{ctx.Options.String("left_prefix"), ctx.Options.String("right_prefix")}
	var fields []event.Field
	from := map[string]string{} // output name -> the input field it comes from
	for side, in := range ctx.Inputs {
		for _, f := range in.Fields {
			name := prefix[side] + f.Name
			if src, clash := from[name]; clash {
				if prefix == [2]string{} {
					return nil, component.OptErr("right_prefix", "field %q is in both inputs; set left_prefix or right_prefix to tell them apart (for example right_prefix: %q)",
						name, ctx.Inputs[rightSide].Name+"_")
				}
				opt := "right_prefix"
				if prefix[rightSide] == "" {
					opt = "left_prefix"
				}
				return nil, component.OptErr(opt, "output field %q would hold both left field %q and right field %q; choose prefixes that tell them apart",
					name, src, f.Name)
			}
			from[name] = f.Name
			fields = append(fields, event.Field{Name: name, Kind: f.Kind})
		}
	}
	schema, slots, err := register(ctx, fields)
	if err != nil {
		return nil, err
	}
	n := b.widths[leftSide]
	b.out = [2][]int{slots[:n], slots[n:]}
	b.schema, b.width = schema.ID, schema.Width()
	b.contiguous = true
	for i, s := range slots {
		if s != i {
			b.contiguous = false
		}
	}
	return schema, nil
}

// emit appends one output row to out: l's values in the left slots and
// r's in the right ones (either may be nil: nulls).
func (b *joinBase) emit(out *component.Output, l, r []event.Value, t, created int64, key uint64) {
	e := out.Next()
	e.Schema, e.Time, e.Created, e.Key = b.schema, t, created, key
	l = l[:min(len(l), b.widths[leftSide])]
	r = r[:min(len(r), b.widths[rightSide])]
	if b.contiguous {
		f := append(e.Fields[:0], l...)
		for len(f) < b.widths[leftSide] {
			f = append(f, event.Value{})
		}
		f = append(f, r...)
		for len(f) < b.width {
			f = append(f, event.Value{})
		}
		e.Fields = f
		return
	}
	e.Fields = resize(e.Fields, b.width, 0)
	for i, v := range l {
		e.Fields[b.out[leftSide][i]] = v
	}
	for i, v := range r {
		e.Fields[b.out[rightSide][i]] = v
	}
}

// emitLate sends e, which arrived on side after its state was dropped, to
// the side output late, in the output's layout.
func (b *joinBase) emitLate(out *component.Output, side int, e *event.Event) {
	var k uint64
	for _, s := range b.slots[side] {
		k = e.Get(s).Hash(k)
	}
	l, r := e.Fields, []event.Value(nil)
	if side == rightSide {
		l, r = nil, e.Fields
	}
	b.emit(out.Side(0), l, r, e.Time, e.Created, k)
}
