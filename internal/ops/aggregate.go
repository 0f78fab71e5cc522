package ops

import (
	"time"

	"github.com/greenwave/greenwave/internal/agg"
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// AggregateSpec returns the spec of the aggregate transform.
func AggregateSpec() *component.Spec {
	return &component.Spec{
		Type: "aggregate",
		Kind: component.KindTransform,
		Doc: "Aggregates per key over the whole stream, without windows: count's emit modes with the window's " +
			"aggregates. Each row holds the key fields (or, without `key`, the partition key as the int field " +
			"`key`) and one field per aggregate, in name order. Rows are a new event type named after the " +
			"component; their partition key is the group's (the hash key_by computes over the key fields). " +
			"State is one aggregate set per key, kept until the input ends, within max_keys and max_state, or until " +
			"the key's ttl passes. Parallel instances each aggregate the " +
			"keys of their own partition.",
		Options: append([]component.Option{
			{Name: "aggregates", Type: component.StringMap, Required: true,
				Doc: "Output field name -> aggregate, as in window: count(), count(f), sum(f), avg(f), min(f), max(f), " +
					"first(f), last(f), count_distinct(f), percentile(f, q), top_k(f, k), and + - * / over them."},
			{
				Name:    "emit",
				Type:    component.Enum,
				Enum:    []string{emitUpdate, emitFlush, emitInterval},
				Default: emitUpdate,
				Doc: "When rows are emitted. `update`: for every input event, a row with its key's aggregates " +
					"including it, at the event's time (a changelog; the last row of a key is its current result). " +
					"`flush`: one row per key when the input ends, sorted by key. `interval`: every `every`, one row " +
					"per key changed since the last emit, sorted by key, and the remaining changes when the input " +
					"ends; these rows carry the latest event time seen for the key.",
			},
			{Name: "every", Type: component.Duration, Default: time.Second, HasMin: true, ExclusiveMin: true,
				Doc: "The period of `emit: interval` (ignored by the other modes)."},
		}, stateOptions(stateDocs{
			entries: "distinct keys",
			oldest:  "the least recently updated key (its aggregates; a later event of the key starts them afresh)",
			ttl:     ttlDoc,
		})...),
		Keyed:     true,
		MaxInputs: 1,
		New:       newAggregate,
	}
}

func newAggregate(ctx *component.Context) (*component.Instance, error) {
	in, err := input(ctx)
	if err != nil {
		return nil, err
	}
	r := component.NewReader(AggregateSpec(), ctx.Options)
	mode, every := emitOptions(r)
	if err := r.Err(); err != nil {
		return nil, err
	}
	kg, specs, reg, err := newKeyedAggregates(ctx, in)
	if err != nil {
		return nil, err
	}
	a := &aggregator{keyedAggregates: kg, layout: agg.NewLayout(specs)}
	a.update, a.interval = mode == emitUpdate, mode == emitInterval
	a.desc = describe("aggregate").add("emit", mode).key(in, kg.keySlots).layout(a.layout).String()
	// Per key beside the table: the set's pointer and the set.
	if kg.keyState, err = newKeyState(ctx, &kg.table, 8+a.layout.MaxSetBytes()); err != nil {
		return nil, err
	}
	kg.table.onRemove = func(g int32) { a.sets[g].Reset() }
	inst := &component.Instance{Operator: a, Schema: reg}
	if a.interval {
		inst.Operator = &intervalEmitter{changes: a, every: every, last: clock(ctx)()}
	}
	return inst, nil
}

// keyedAggregates is what aggregate and over share: how an event finds its
// key's group, and the output row of key fields then aggregates.
type keyedAggregates struct {
	id    uint32
	width int
	shape keyShape
	// keySlots are the input slots of the key fields; nil when grouping by
	// Event.Key.
	keySlots []int
	// keyOut are the output slots of the key fields (of `key` when grouping
	// by Event.Key); aggOut those of the aggregates, in spec order.
	keyOut, aggOut []int
	table          countTable
	keyState                     // the state limit (and ttl) over table
	results        []event.Value // scratch for Set.Result
}

// newKeyedAggregates parses the option `aggregates` (sorted by name),
// resolves the key and registers the output schema: the key fields (or
// `key`), then the aggregates.
func newKeyedAggregates(ctx *component.Context, in *event.Schema) (*keyedAggregates, []*agg.Spec, *event.Schema, error) {
	var keySlots []int
	var fields []event.Field
	var err error
	if len(ctx.Key) > 0 {
		if keySlots, err = resolve("key", in, ctx.Key); err != nil {
			return nil, nil, nil, err
		}
		for i, name := range ctx.Key {
			fields = append(fields, event.Field{Name: name, Kind: in.Fields[keySlots[i]].Kind})
		}
	} else {
		fields = append(fields, event.Field{Name: "key", Kind: event.Int})
	}
	specs, err := agg.ParseAll(ctx.Options.StringMap("aggregates"), in)
	if err != nil {
		return nil, nil, nil, &component.OptionError{Path: component.At("aggregates"), Err: err}
	}
	if len(specs) == 0 {
		return nil, nil, nil, component.OptErr("aggregates", "no aggregates; name at least one, e.g. {events: count()}")
	}
	nk := len(fields)
	for _, s := range specs {
		for _, f := range fields[:nk] {
			if f.Name == s.Name {
				return nil, nil, nil, component.OptErr("aggregates", "aggregate %q clashes with the key field of the same name", s.Name)
			}
		}
		fields = append(fields, event.Field{Name: s.Name, Kind: s.Kind})
	}
	reg, slots, err := register(ctx, fields)
	if err != nil {
		return nil, nil, nil, err
	}
	k := &keyedAggregates{
		id: reg.ID, width: reg.Width(), keySlots: keySlots,
		keyOut: slots[:nk], aggOut: slots[nk:],
		table: newCountTable(len(keySlots)), results: make([]event.Value, len(specs)),
	}
	switch len(keySlots) {
	case 0:
		k.shape = shapePartition
	case 1:
		k.shape = shapeOne
	default:
		k.shape = shapeMany
	}
	return k, specs, reg, nil
}

// group returns the group of e's key, adding it when new (-1 when the
// state limit has no room for it). Groups are numbered 0, 1, ... in the
// order their keys first arrive; a removed key's number is reused.
func (k *keyedAggregates) group(e *event.Event) int32 {
	return k.table.group(k.shape, k.keySlots, e)
}

// emit appends group g's row to out with the given times and set's
// aggregates.
func (k *keyedAggregates) emit(out *component.Output, g int32, time, created int64, set *agg.Set) {
	gr := &k.table.groups[g]
	o := out.Next()
	o.Schema, o.Time, o.Created, o.Key = k.id, time, created, gr.hash
	f := resize(o.Fields, k.width, 0)
	o.Fields = f
	if k.shape == shapePartition {
		f[k.keyOut[0]] = event.IntValue(int64(gr.hash))
	} else {
		for j, v := range k.table.key(g) {
			f[k.keyOut[j]] = v
		}
	}
	set.Result(k.results)
	for j, s := range k.aggOut {
		f[s] = k.results[j]
	}
}

// aggregator is one instance of the aggregate transform: one agg.Set per
// key, indexed by group. It is owned by one actor.
type aggregator struct {
	*keyedAggregates
	layout *agg.Layout
	sets   []*agg.Set
	// update and interval tell the emit mode (flush when neither).
	update, interval bool
	desc             string // what its checkpoint must have been written by
}

// ReadsKey implements component.KeyReader: only an aggregate without key
// fields groups by Event.Key; its rows carry their group's own key.
func (a *aggregator) ReadsKey() bool { return a.shape == shapePartition }

// Process adds each event to its key's set and, with emit update, appends
// the key's new row.
func (a *aggregator) Process(_ int, in []event.Event, out *component.Output) error {
	a.begin()
	defer a.lim.publish()
	track := a.table.rec != nil
	for i := range in {
		e := &in[i]
		g := a.group(e)
		if g < 0 {
			return a.table.full()
		}
		if track {
			a.table.touch(g)
		}
		if int(g) == len(a.sets) {
			a.sets = append(a.sets, a.layout.New())
		}
		set := a.sets[g]
		set.Add(e)
		if a.update {
			a.emit(out, g, e.Time, e.Created, set)
			continue
		}
		gr := &a.table.groups[g]
		if gr.count == 0 || e.Time > gr.time {
			gr.time = e.Time
		}
		gr.count++
		gr.created = e.Created
		if a.interval {
			a.table.mark(g)
		}
	}
	return nil
}

// Flush emits every key's final row (emit flush) or the changes not yet
// emitted (emit interval). With emit update every row is already out.
func (a *aggregator) Flush(out *component.Output) error {
	switch {
	case a.interval:
		a.emitChanged(out)
	case !a.update:
		all := a.table.liveGroups(nil)
		a.table.sort(all)
		for _, g := range all {
			a.emitGroup(out, g)
		}
	}
	return nil
}

// emitGroup emits group g's row with the latest event time seen for it.
func (a *aggregator) emitGroup(out *component.Output, g int32) {
	gr := &a.table.groups[g]
	a.emit(out, g, gr.time, gr.created, a.sets[g])
}

// emitChanged emits the groups changed since the last call, sorted by key.
func (a *aggregator) emitChanged(out *component.Output) {
	t := &a.table
	t.dirty = t.dropFree(t.dirty)
	t.sort(t.dirty)
	for _, g := range t.dirty {
		a.emitGroup(out, g)
		t.marked[g] = false
	}
	t.dirty = t.dirty[:0]
}
