package ops

import (
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// The emit modes of count.
const (
	emitUpdate   = "update"
	emitFlush    = "flush"
	emitInterval = "interval"
)

// CountSpec returns the spec of the count transform.
func CountSpec() *component.Spec {
	return &component.Spec{
		Type: "count",
		Kind: component.KindTransform,
		Doc: "Counts events per key. With `key: [fields...]` it groups by the values of those fields and " +
			"each output row holds them and the count; without `key` it groups by the partition key an " +
			"upstream key_by set (events without one count under key 0), and each row holds it as the int " +
			"field `key`. Rows are a new event type " +
			"named after the component; their time is that of the last event counted for the key, and " +
			"their partition key is the group's (the hash key_by would compute over the key fields). " +
			"Parallel instances each count the keys of their own partition.",
		Options: []component.Option{
			{
				Name:    "emit",
				Type:    component.Enum,
				Enum:    []string{emitUpdate, emitFlush, emitInterval},
				Default: emitUpdate,
				Doc: "When rows are emitted. `update`: a row with the new count for every input event " +
					"(a changelog; the last row of a key is its current count). `flush`: one row per key with " +
					"its final count when the input ends, sorted by key. `interval`: every `every`, one row per " +
					"key whose count changed since the last emit, sorted by key, and the remaining changes when " +
					"the input ends.",
			},
			{
				Name:    "every",
				Type:    component.Duration,
				Default: time.Second,
				Doc:     "The period of `emit: interval` (ignored by the other modes).",
			},
			{
				Name:    "field",
				Type:    component.String,
				Default: "count",
				Doc:     "The name of the count field in the output rows; it must differ from the key fields.",
			},
		},
		Keyed:     true,
		MaxInputs: 1,
		New:       newCount,
	}
}

func newCount(ctx *component.Context) (*component.Instance, error) {
	in, err := input(ctx)
	if err != nil {
		return nil, err
	}
	mode := emitUpdate
	if ctx.Options.Has("emit") {
		mode = ctx.Options.String("emit")
	}
	switch mode {
	case emitUpdate, emitFlush, emitInterval:
	default:
		return nil, component.OptErr("emit", "unknown mode %q (want update, flush or interval)", mode)
	}
	every := time.Second
	if ctx.Options.Has("every") {
		every = ctx.Options.Duration("every")
	}
	if every <= 0 {
		return nil, component.OptErr("every", "must be positive, got %s", every)
	}
	field := "count"
	if ctx.Options.Has("field") {
		field = ctx.Options.String("field")
	}
	if field == "" {
		return nil, component.OptErr("field", "must not be empty")
	}

	var keySlots []int
	var out []event.Field
	if len(ctx.Key) > 0 {
		if keySlots, err = resolve("key", in, ctx.Key); err != nil {
			return nil, err
		}
		for i, name := range ctx.Key {
			out = append(out, event.Field{Name: name, Kind: in.Fields[keySlots[i]].Kind})
		}
	} else {
		out = append(out, event.Field{Name: "key", Kind: event.Int})
	}
	for _, f := range out {
		if f.Name == field {
			return nil, component.OptErr("field", "%q is also the name of a key field", field)
		}
	}
	out = append(out, event.Field{Name: field, Kind: event.Int})
	reg, slots, err := register(ctx, out)
	if err != nil {
		return nil, err
	}
	c := &counter{
		id:       reg.ID,
		width:    reg.Width(),
		mode:     mode,
		keySlots: keySlots,
		keyOut:   slots[:len(slots)-1],
		countOut: slots[len(slots)-1],
		table:    newCountTable(len(keySlots)),
	}
	inst := &component.Instance{Operator: c, Schema: reg}
	if mode == emitInterval {
		inst.Operator = &intervalCounter{counter: c, every: every, last: clock(ctx)()}
	}
	return inst, nil
}

// counter counts events per key.
type counter struct {
	id    uint32
	width int
	mode  string
	// keySlots are the input slots of the key fields; nil when grouping by
	// Event.Key.
	keySlots []int
	// keyOut are the output slots of the key fields (of `key` when grouping
	// by Event.Key); countOut is the count's.
	keyOut   []int
	countOut int
	table    countTable
}

// Process counts each event and, with emit update, appends its key's new
// row.
func (c *counter) Process(_ int, in []event.Event, out *component.Output) error {
	for i := range in {
		e := &in[i]
		h := e.Key
		if c.keySlots != nil {
			h = hashKey(e, c.keySlots)
		}
		g := c.table.find(h, e, c.keySlots)
		gr := &c.table.groups[g]
		gr.count++
		gr.time, gr.created = e.Time, e.Created
		switch c.mode {
		case emitUpdate:
			c.emit(out, g)
		case emitInterval:
			c.table.mark(g)
		}
	}
	return nil
}

// Flush emits every key's final count (emit flush) or the changes not yet
// emitted (emit interval). With emit update every count is already out.
func (c *counter) Flush(out *component.Output) error {
	switch c.mode {
	case emitFlush:
		all := make([]int32, len(c.table.groups))
		for g := range all {
			all[g] = int32(g)
		}
		c.table.sort(all)
		for _, g := range all {
			c.emit(out, g)
		}
	case emitInterval:
		c.emitChanged(out)
	}
	return nil
}

// emitChanged emits the groups changed since the last call, sorted by key.
func (c *counter) emitChanged(out *component.Output) {
	t := &c.table
	t.sort(t.dirty)
	for _, g := range t.dirty {
		c.emit(out, g)
		t.groups[g].dirty = false
	}
	t.dirty = t.dirty[:0]
}

// emit appends group g's row to out.
func (c *counter) emit(out *component.Output, g int32) {
	gr := &c.table.groups[g]
	o := out.Next()
	o.Schema, o.Time, o.Created, o.Key = c.id, gr.time, gr.created, gr.hash
	o.Fields = resize(o.Fields, c.width, 0)
	if c.keySlots == nil {
		o.Fields[c.keyOut[0]] = event.IntValue(int64(gr.hash))
	} else {
		for j, v := range c.table.key(g) {
			o.Fields[c.keyOut[j]] = v
		}
	}
	o.Fields[c.countOut] = event.IntValue(gr.count)
}

// intervalCounter is a counter with emit interval: it emits on Tick.
type intervalCounter struct {
	*counter
	every time.Duration
	last  time.Time // when changes were last emitted
}

// TickEvery asks the runtime to tick once per period.
func (c *intervalCounter) TickEvery() time.Duration { return c.every }

// Tick emits the changed keys once at least every has passed since the
// last emit; the runtime may tick more often than asked.
func (c *intervalCounter) Tick(now time.Time, out *component.Output) error {
	if now.Sub(c.last) < c.every {
		return nil
	}
	c.last = now
	c.emitChanged(out)
	return nil
}
