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

// emitOptions reads the `emit` and `every` options that count and
// aggregate share (their defaults and bounds are in the Spec).
func emitOptions(r *component.Reader) (mode string, every time.Duration) {
	return r.String("emit"), r.Duration("every")
}

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
			"Parallel instances each count the keys of their own partition. State is one count per key, kept until " +
			"the input ends, within max_keys and max_state, or until the key's ttl passes.",
		Options: append([]component.Option{
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
				Name:         "every",
				Type:         component.Duration,
				Default:      time.Second,
				HasMin:       true,
				ExclusiveMin: true,
				Doc:          "The period of `emit: interval` (ignored by the other modes).",
			},
			{
				Name:    "field",
				Type:    component.String,
				Default: "count",
				Doc:     "The name of the count field in the output rows; it must differ from the key fields.",
			},
		}, stateOptions(stateDocs{
			entries: "distinct keys",
			oldest:  "the least recently updated key (its count; a later event of the key counts from zero)",
			ttl:     ttlDoc,
		})...),
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
	r := component.NewReader(CountSpec(), ctx.Options)
	mode, every := emitOptions(r)
	field := r.String("field")
	if field == "" {
		r.Fail(r.At("field"), "must not be empty")
	}
	if err := r.Err(); err != nil {
		return nil, err
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
		keySlots: keySlots,
		keyOut:   slots[:len(slots)-1],
		countOut: slots[len(slots)-1],
		table:    newCountTable(len(keySlots)),
	}
	if c.keyState, err = newKeyState(ctx, &c.table, 0); err != nil {
		return nil, err
	}
	c.update, c.interval = mode == emitUpdate, mode == emitInterval
	c.desc = describe("count").add("emit", mode).key(in, keySlots).String()
	c.dense = c.width == len(slots)
	switch {
	case len(keySlots) == 0:
		c.shape = shapePartition
	case len(keySlots) == 1:
		c.shape = shapeOne
	default:
		c.shape = shapeMany
	}
	inst := &component.Instance{Operator: c, Schema: reg}
	if mode == emitInterval {
		inst.Operator = &intervalEmitter{changes: c, every: every, last: clock(ctx)()}
	}
	return inst, nil
}

// counter counts events per key.
type counter struct {
	id    uint32
	width int
	// update and interval tell the emit mode (flush when neither).
	update, interval bool
	shape            keyShape
	// dense is set when the output schema has no fields but the key fields
	// and the count, so a row writes every field and clears none.
	dense bool
	// keySlots are the input slots of the key fields; nil when grouping by
	// Event.Key.
	keySlots []int
	// keyOut are the output slots of the key fields (of `key` when grouping
	// by Event.Key); countOut is the count's.
	keyOut   []int
	countOut int
	table    countTable
	keyState        // the state limit and ttl over table
	desc     string // what its checkpoint must have been written by
}

// keyShape selects how counter finds an event's group.
type keyShape uint8

const (
	shapePartition keyShape = iota // by Event.Key
	shapeOne                       // one key field
	shapeMany                      // several key fields
)

// ReadsKey implements component.KeyReader: only a count without key
// fields groups by Event.Key; its rows carry their group's own key.
func (c *counter) ReadsKey() bool { return c.shape == shapePartition }

// Process counts each event and, with emit update, appends its key's new
// row.
func (c *counter) Process(_ int, in []event.Event, out *component.Output) error {
	t := &c.table
	c.begin()
	defer c.lim.publish()
	track := t.rec != nil
	if c.update {
		// A row per event, with the event's times: the group's times are
		// never read, so they are not kept.
		for i := range in {
			e := &in[i]
			g := c.group(e)
			if g < 0 {
				return t.full()
			}
			if track {
				t.touch(g)
			}
			t.groups[g].count++
			c.emitUpdate(out, e, g)
		}
		return nil
	}
	for i := range in {
		e := &in[i]
		g := c.group(e)
		if g < 0 {
			return t.full()
		}
		if track {
			t.touch(g)
		}
		gr := &t.groups[g]
		gr.count++
		gr.time, gr.created = e.Time, e.Created
		if c.interval {
			t.mark(g)
		}
	}
	return nil
}

// missingKey is the value of a key field an event lacks.
var missingKey event.Value

// group returns the group of e's key, adding it when new.
func (c *counter) group(e *event.Event) int32 {
	return c.table.group(c.shape, c.keySlots, e)
}

// Flush emits every key's final count (emit flush) or the changes not yet
// emitted (emit interval). With emit update every count is already out.
func (c *counter) Flush(out *component.Output) error {
	switch {
	case c.interval:
		c.emitChanged(out)
	case !c.update:
		all := c.table.liveGroups(nil)
		c.table.sort(all)
		for _, g := range all {
			c.emit(out, g)
		}
	}
	return nil
}

// emitChanged emits the groups changed since the last call, sorted by key.
func (c *counter) emitChanged(out *component.Output) {
	t := &c.table
	t.dirty = t.dropFree(t.dirty)
	t.sort(t.dirty)
	for _, g := range t.dirty {
		c.emit(out, g)
		t.marked[g] = false
	}
	t.dirty = t.dirty[:0]
}

// emit appends group g's row to out, with the times of the last event
// counted.
func (c *counter) emit(out *component.Output, g int32) {
	gr := &c.table.groups[g]
	o := out.Next()
	o.Schema, o.Time, o.Created, o.Key = c.id, gr.time, gr.created, gr.hash
	f := c.fields(o)
	if c.shape == shapePartition {
		f[c.keyOut[0]] = event.IntValue(int64(gr.hash))
	} else {
		for j, v := range c.table.key(g) {
			f[c.keyOut[j]] = v
		}
	}
	f[c.countOut] = event.IntValue(gr.count)
}

// emitUpdate appends the row of group g just after counting e (emit
// update). A one-field key that is not a string is written from e's value,
// equal to the group's by kind and payload, sparing a read of the group's
// key.
func (c *counter) emitUpdate(out *component.Output, e *event.Event, g int32) {
	gr := &c.table.groups[g]
	o := out.Next()
	o.Schema, o.Time, o.Created, o.Key = c.id, e.Time, e.Created, gr.hash
	f := c.fields(o)
	switch c.shape {
	case shapePartition:
		f[c.keyOut[0]] = event.IntValue(int64(gr.hash))
	case shapeOne:
		if v := e.Get(c.keySlots[0]); v.Kind != event.String {
			f[c.keyOut[0]] = event.Value{Kind: v.Kind, N: v.N}
		} else {
			f[c.keyOut[0]] = c.table.keys[g]
		}
	default:
		for j, v := range c.table.key(g) {
			f[c.keyOut[j]] = v
		}
	}
	f[c.countOut] = event.IntValue(gr.count)
}

// fields sizes o's Fields to the output's width, reusing its array; the
// fields a row does not set are null. When the row sets every field
// (dense), nothing is cleared.
func (c *counter) fields(o *event.Event) []event.Value {
	f := o.Fields
	if cap(f) < c.width {
		f = make([]event.Value, c.width)
	} else {
		f = f[:c.width]
		if !c.dense {
			clear(f)
		}
	}
	o.Fields = f
	return f
}
