package ops

import (
	"sort"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/expr"
)

// MapSpec returns the spec of the map transform.
func MapSpec() *component.Spec {
	return &component.Spec{
		Type: "map",
		Kind: component.KindTransform,
		Doc: "Computes fields from expressions over the input event and drops fields. " +
			"Its output is a new event type named after the component: the input's fields in their order " +
			"without the dropped ones, each field named in `fields` replaced in its slot by the expression's " +
			"value (its kind becomes the expression's kind), and the new fields after them, sorted by name. " +
			"Every expression reads the input event as it arrived, so `{a: b, b: a}` swaps two fields. " +
			"An expression that is null for an event (it reads a missing field) sets the field to null.",
		Options: []component.Option{
			{
				Name:     "fields",
				Type:     component.StringMap,
				Required: true,
				Doc: "Output field name -> expression over the input's fields, in expr-lang syntax: " +
					"`{bits: \"bytes * 8\", slow: \"latency_ms > 250\", host: \"lower(host)\"}`. " +
					"A name the input has replaces that field; a new name adds one.",
			},
			{
				Name: "drop",
				Type: component.StringList,
				Doc:  "Input fields to leave out of the output. A field cannot be both dropped and set in `fields`.",
			},
			{
				Name: "time",
				Type: component.String,
				Doc: "An expression of kind time over the input's fields that becomes each event's event time " +
					"(unchanged where it is null), as `win_time + duration(\"20s\")`. Operators downstream order and " +
					"window by the new time; an event moved to or behind the watermark arrives late there, so move " +
					"events forward, by at least how far behind the watermark they may be.",
			},
		},
		Stateless: true,
		MaxInputs: 1,
		New:       newMap,
	}
}

// mapSet writes the value of one expression to an output slot.
type mapSet struct {
	prog *expr.Program
	to   int
}

// mapCopy copies an input slot to an output slot.
type mapCopy struct {
	from, to int
}

func newMap(ctx *component.Context) (*component.Instance, error) {
	in, err := input(ctx)
	if err != nil {
		return nil, err
	}
	r := component.NewReader(MapSpec(), ctx.Options)
	fields := r.StringMap("fields")
	if len(fields) == 0 {
		return nil, component.OptErr("fields", "needs at least one field")
	}
	dropped := map[string]bool{}
	for i, name := range r.StringList("drop") {
		at := r.At("drop").Index(i)
		if _, ok := in.Slot(name); !ok {
			return nil, component.PathErr(at, "%s", expr.UnknownField(name, in.Names()))
		}
		if _, ok := fields[name]; ok {
			return nil, component.PathErr(at, "field %q is both dropped and set in fields", name)
		}
		dropped[name] = true
	}
	var timeProg *expr.Program
	if src := r.String("time"); r.Given("time") {
		p, err := expr.Compile(src, in, event.Time, expr.WithClock(clock(ctx)))
		if err != nil {
			return nil, &component.OptionError{Path: r.At("time"), Err: err}
		}
		timeProg = p
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	progs := make(map[string]*expr.Program, len(fields))
	for _, name := range names {
		if name == "" {
			return nil, component.OptErr("fields", "a field has an empty name")
		}
		p, err := expr.Compile(fields[name], in, event.Null, expr.WithClock(clock(ctx)))
		if err != nil {
			return nil, &component.OptionError{Path: r.At("fields", name), Err: err}
		}
		progs[name] = p
	}

	// The output fields: the input's in slot order (replaced ones with the
	// expression's kind), then the new ones by name.
	var out []event.Field
	var from []int // input slot of each copied output field, -1 if computed
	for slot, f := range in.Fields {
		if dropped[f.Name] {
			continue
		}
		if p, ok := progs[f.Name]; ok {
			out = append(out, event.Field{Name: f.Name, Kind: p.Kind()})
			from = append(from, -1)
			continue
		}
		out = append(out, f)
		from = append(from, slot)
	}
	for _, name := range names {
		if _, ok := in.Slot(name); !ok {
			out = append(out, event.Field{Name: name, Kind: progs[name].Kind()})
			from = append(from, -1)
		}
	}
	reg, slots, err := register(ctx, out)
	if err != nil {
		return nil, err
	}
	m := &mapper{id: reg.ID, width: reg.Width(), inWidth: in.Width(), identity: len(dropped) == 0, time: timeProg}
	for i, f := range out {
		// Without drops, out lists the input's fields in their slots and
		// then the new ones; when the registry kept that layout, copies
		// are no-ops.
		m.identity = m.identity && slots[i] == i
		if from[i] >= 0 {
			m.copies = append(m.copies, mapCopy{from: from[i], to: slots[i]})
		} else {
			m.sets = append(m.sets, mapSet{prog: progs[f.Name], to: slots[i]})
		}
	}
	m.vals = make([]event.Value, len(m.sets))
	return &component.Instance{Operator: m, Schema: reg}, nil
}

// mapper rewrites events into the map's output schema.
type mapper struct {
	id    uint32
	width int
	// inWidth is the input schema's width when the map was built; events of
	// a later, extended input schema carry more fields, which the output
	// does not have.
	inWidth int
	sets    []mapSet
	copies  []mapCopy
	// identity is set when the output's first inWidth slots are the
	// input's, so copied fields need no work.
	identity bool
	vals     []event.Value // expression results of the current event
	scratch  []event.Value // input fields of the current event
	// time, when set, computes the event's new time.
	time *expr.Program
}

// rewrite turns e into an output event in place.
func (m *mapper) rewrite(e *event.Event) {
	for k := range m.sets {
		m.vals[k] = m.sets[k].prog.Value(e)
	}
	if m.time != nil {
		if t := m.time.Value(e); t.Kind == event.Time {
			e.Time = int64(t.N)
		}
	}
	if m.identity {
		// Copied fields are in place; what lies past the input's own
		// fields is either computed below or null.
		e.Fields = resize(e.Fields, m.width, m.inWidth)
	} else {
		m.scratch = append(m.scratch[:0], e.Fields...)
		e.Fields = resize(e.Fields, m.width, 0)
		for _, c := range m.copies {
			if c.from < len(m.scratch) {
				e.Fields[c.to] = m.scratch[c.from]
			}
		}
	}
	for k := range m.sets {
		e.Fields[m.sets[k].to] = m.vals[k]
	}
	e.Schema = m.id
}

// Apply rewrites every event in place; all events are kept.
func (m *mapper) Apply(in []event.Event) ([]event.Event, error) {
	for i := range in {
		m.rewrite(&in[i])
	}
	return in, nil
}

// Process appends the rewritten copy of each event to out.
func (m *mapper) Process(_ int, in []event.Event, out *component.Output) error {
	for i := range in {
		o := out.Next()
		o.CopyFrom(&in[i])
		m.rewrite(o)
	}
	return nil
}

// Flush has nothing to emit: map keeps no state.
func (m *mapper) Flush(*component.Output) error { return nil }
