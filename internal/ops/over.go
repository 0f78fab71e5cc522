package ops

import (
	"cmp"
	"slices"
	"strconv"
	"unsafe"

	"github.com/greenwave/greenwave/internal/agg"
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// maxOverRows bounds the option rows: each event recomputes its row's
// aggregates over that many rows of its key.
const maxOverRows = 10_000

// OverSpec returns the spec of the over transform.
func OverSpec() *component.Spec {
	return &component.Spec{
		Type: "over",
		Kind: component.KindTransform,
		Doc: "A row-based OVER window, as SQL's `OVER (PARTITION BY key ORDER BY time ROWS BETWEEN rows-1 " +
			"PRECEDING AND CURRENT ROW)`: for every input event, one row with the key fields (or, without `key`, " +
			"the partition key as the int field `key`) and the aggregates, in name order, over that event and " +
			"the `rows`-1 events of its key just before it. Events are taken in event-time order: each waits " +
			"until the watermark passes its time, then the waiting events are taken by time, ties in arrival " +
			"order. An event at or behind the watermark when it arrives is taken at once, in arrival order. " +
			"Rows have the event's time and the group's partition key; the aggregates of each row are computed " +
			"afresh over its key's last `rows` events, so they are exact. State per key: the last `rows` values " +
			"of the fields the aggregates read. Events waiting for the watermark count towards max_state too; " +
			"when they alone fill it, evict_oldest evicts keys and then fails like fail does (a watermark that " +
			"does not advance is the cause: see the sources' idle_timeout).",
		Options: append([]component.Option{
			{Name: "rows", Type: component.Int, Required: true, HasMin: true, Min: 1, HasMax: true, Max: maxOverRows,
				Doc: "How many rows each aggregate covers: the current one and up to rows-1 before it."},
			{Name: "aggregates", Type: component.StringMap, Required: true,
				Doc: "Output field name -> aggregate, as in window: count(), count(f), sum(f), avg(f), min(f), max(f), " +
					"first(f), last(f), count_distinct(f), percentile(f, q), top_k(f, k), and + - * / over them."},
		}, stateOptions(stateDocs{
			entries: "distinct keys",
			oldest: "the least recently updated key (its last rows; the key's next row covers only the events " +
				"after it)",
		})...),
		Keyed:     true,
		MaxInputs: 1,
		New:       newOver,
	}
}

func newOver(ctx *component.Context) (*component.Instance, error) {
	in, err := input(ctx)
	if err != nil {
		return nil, err
	}
	r := component.NewReader(OverSpec(), ctx.Options)
	rows := r.Int("rows")
	if !r.Given("rows") {
		r.Fail(r.At("rows"), "is required: how many rows each aggregate covers")
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	kg, specs, reg, err := newKeyedAggregates(ctx, in)
	if err != nil {
		return nil, err
	}
	o := &over{keyedAggregates: kg, rows: rows, wm: event.MinWatermark}
	width := 0
	for _, s := range specs {
		for _, c := range s.Calls {
			if c.Slot >= 0 && !slices.Contains(o.refSlots, c.Slot) {
				o.refSlots = append(o.refSlots, c.Slot)
				width = max(width, c.Slot+1)
			}
		}
	}
	slices.Sort(o.refSlots)
	o.scratch.Fields = make([]event.Value, width)
	o.set = agg.NewLayout(specs).New()
	o.desc = describe("over").add("rows", strconv.FormatInt(rows, 10)).key(in, kg.keySlots).layout(o.set.Layout()).String()
	// Per key beside the table: its count and head, and its ring of times
	// and values.
	ring := 8 + o.rows*(8+int64(len(o.refSlots))*valueBytes)
	if kg.keyState, err = newKeyState(ctx, &kg.table, ring); err != nil {
		return nil, err
	}
	kg.table.onRemove = o.dropRing
	return &component.Instance{Operator: o, Schema: reg}, nil
}

// over is one instance of the over transform. It is owned by one actor.
//
// Group g keeps a ring of its last rows events: their times in
// times[g*rows:], and the values of refSlots in vals[g*rows*k:] (k values
// per event); count[g] events are in it, the oldest at head[g].
type over struct {
	*keyedAggregates
	rows     int64
	refSlots []int // input slots the aggregates read, sorted
	times    []int64
	vals     []event.Value
	count    []int32
	head     []int32
	// set and scratch recompute a row's aggregates: scratch holds one ring
	// entry's values at their input slots.
	set     *agg.Set
	scratch event.Event
	// pending holds the events waiting for the watermark, in arrival order;
	// their Fields arrays are reused.
	pending []event.Event
	n       int    // events in pending
	wm      int64  // the last watermark
	desc    string // what its checkpoint must have been written by
}

// Process takes events at or behind the watermark at once, and keeps the
// others until the watermark passes them.
func (o *over) Process(_ int, in []event.Event, out *component.Output) error {
	defer o.lim.publish()
	for i := range in {
		e := &in[i]
		if e.Time <= o.wm {
			if err := o.take(e, out); err != nil {
				return err
			}
			continue
		}
		b := waitingBytes(e)
		if !o.lim.fitsBytes(b) && !o.evictFor(b) {
			return o.lim.full(false, b)
		}
		o.lim.grow(b)
		if o.n == len(o.pending) {
			o.pending = append(o.pending, event.Event{})
		}
		p := &o.pending[o.n]
		f := append(p.Fields[:0], e.Fields...)
		*p = *e
		p.Fields = f
		o.n++
	}
	return nil
}

// OnWatermark takes the waiting events the watermark has passed, by time.
func (o *over) OnWatermark(wm int64, out *component.Output) error {
	if wm <= o.wm {
		return nil
	}
	o.wm = wm
	defer o.lim.publish()
	return o.release(wm, out)
}

// Flush takes every waiting event: the input has ended.
func (o *over) Flush(out *component.Output) error {
	defer o.lim.publish()
	return o.release(event.MaxWatermark, out)
}

// waitingBytes is the estimate of the bytes an event waiting for the
// watermark holds: its header, its values and their strings.
func waitingBytes(e *event.Event) int64 {
	b := int64(unsafe.Sizeof(*e)) + int64(len(e.Fields))*valueBytes
	for _, v := range e.Fields {
		b += stringBytes(v)
	}
	return b
}

// evictFor evicts the least recently updated keys until b more bytes fit,
// when the policy allows, and reports whether they fit.
func (o *over) evictFor(b int64) bool {
	t := &o.table
	if !o.lim.evict || t.rec == nil {
		return false
	}
	for !o.lim.fitsBytes(b) {
		g, _, ok := t.rec.oldest()
		if !ok {
			return false
		}
		t.remove(g)
		o.lim.evicted++
	}
	return true
}

// dropRing forgets group g's ring when its key is removed: its values and
// the bytes of their strings.
func (o *over) dropRing(g int32) {
	if int(g) >= len(o.count) {
		return
	}
	k := int64(len(o.refSlots))
	vals := o.vals[int64(g)*o.rows*k : (int64(g)+1)*o.rows*k]
	var b int64
	for _, v := range vals {
		b += stringBytes(v)
	}
	o.lim.grow(-b)
	clear(vals)
	o.count[g], o.head[g] = 0, 0
}

// release takes the waiting events with a time up to wm, by time (ties in
// arrival order), and keeps the rest, in order.
func (o *over) release(wm int64, out *component.Output) error {
	p := o.pending[:o.n]
	slices.SortStableFunc(p, func(a, b event.Event) int { return cmp.Compare(a.Time, b.Time) })
	cut := 0
	for cut < len(p) && p[cut].Time <= wm {
		o.lim.grow(-waitingBytes(&p[cut]))
		if err := o.take(&p[cut], out); err != nil {
			return err
		}
		cut++
	}
	// Move the rest to the front, swapping so every Fields array is kept.
	for i := cut; i < len(p); i++ {
		p[i-cut], p[i] = p[i], p[i-cut]
	}
	o.n -= cut
	return nil
}

// take adds e to its key's ring and emits its row.
func (o *over) take(e *event.Event, out *component.Output) error {
	g := o.group(e)
	if g < 0 {
		return o.table.full()
	}
	if o.table.rec != nil {
		o.table.touch(g)
	}
	k := len(o.refSlots)
	rows := int(o.rows)
	if int(g) == len(o.count) {
		o.count = append(o.count, 0)
		o.head = append(o.head, 0)
		o.times = append(o.times, make([]int64, rows)...)
		o.vals = append(o.vals, make([]event.Value, rows*k)...)
	}
	base := int(g) * rows
	n, head := int(o.count[g]), int(o.head[g])
	at := (head + n) % rows
	if n == rows {
		o.head[g] = int32((head + 1) % rows) // the oldest is dropped
	} else {
		o.count[g]++
	}
	o.times[base+at] = e.Time
	for j, s := range o.refSlots {
		v := &o.vals[(base+at)*k+j]
		nv := e.Get(s)
		if v.Kind == event.String || nv.Kind == event.String {
			o.lim.grow(stringBytes(nv) - stringBytes(*v))
		}
		*v = nv
	}
	o.set.Reset()
	n, head = int(o.count[g]), int(o.head[g])
	for i := range n {
		r := base + (head+i)%rows
		o.scratch.Time = o.times[r]
		for j, s := range o.refSlots {
			o.scratch.Fields[s] = o.vals[r*k+j]
		}
		o.set.Add(&o.scratch)
	}
	o.emit(out, g, e.Time, e.Created, o.set)
	return nil
}
