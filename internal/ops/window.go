package ops

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/greenwave/greenwave/internal/agg"
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// The window kinds.
const (
	windowTumbling = "tumbling"
	windowHopping  = "hopping"
	windowSession  = "session"
)

// WindowSpec returns the spec of the window transform.
func WindowSpec() *component.Spec {
	return &component.Spec{
		Type: "window",
		Kind: component.KindTransform,
		Doc: "Aggregates a keyed stream over event-time windows: `tumbling` (fixed `size`), `hopping` " +
			"(`size`, advancing by `slide`) or `session` (closed after `gap` without events of the key; an event " +
			"exactly `gap` after the last one still joins the session, as Flink merges touching windows). " +
			"Each window emits one row per key when the watermark passes its end (a session: when the watermark " +
			"reaches its end; its row has that time, others the end minus 1 ns): the key fields, " +
			"`window_start`, `window_end` and one field per aggregate (in name order). Events arriving " +
			"after their window fired but within `allowed_lateness` update it and emit the row again; " +
			"later ones are counted and sent to the side output `late`. State is freed as the watermark " +
			"passes each window's end plus the allowed lateness, and bounded meanwhile by max_keys and max_state. " +
			"Validation rejects a hopping window with more than 10000 windows per event (size / slide) and any " +
			"size, slide, gap or allowed_lateness above 366 days.",
		Options: append([]component.Option{
			{Name: "window", Type: component.Enum, Required: true, Enum: []string{windowTumbling, windowHopping, windowSession},
				Doc: "The window kind: `tumbling`, `hopping` or `session`."},
			{Name: "size", Type: component.Duration, Doc: "Window length (tumbling, hopping)."},
			{Name: "slide", Type: component.Duration, Doc: "How far each hopping window starts after the previous one; `size` must be a multiple of it, at most 10000 times (every event goes into size / slide windows)."},
			{Name: "gap", Type: component.Duration, Doc: "Session windows close after this long without an event of the key."},
			{Name: "aggregates", Type: component.StringMap, Required: true,
				Doc: "Output field name -> aggregate: count(), count(f), sum(f), avg(f), min(f), max(f), first(f), " +
					"last(f), count_distinct(f), percentile(f, q), top_k(f, k), and + - * / over them."},
			{Name: "allowed_lateness", Type: component.Duration, Default: time.Duration(0),
				Doc: "How long after a window's end late events still update it."},
			{Name: "time", Type: component.Enum, Enum: []string{"event", "processing"}, Default: "event",
				Doc: "`event`: windows follow the events' time and close as the watermark passes them. " +
					"`processing`: events fall into the window of the wall-clock time at which they arrive, and " +
					"windows close as the wall clock passes their end (tumbling and hopping only)."},
		}, stateOptions(stateDocs{
			entries: "key entries: one per key per open tumbling or hopping window (fired windows count until " +
				"their allowed lateness has passed), one per open session",
			oldest: "the oldest entry (tumbling and hopping: the first key to enter the window that started " +
				"first, which has usually fired already; session: the session due first, by its end, or its end " +
				"plus the allowed lateness once fired), with its aggregates, so its row is never emitted or, if it " +
				"fired, not updated again",
		})...),
		Keyed:       true,
		MaxInputs:   1,
		SideOutputs: []string{"late"},
		New:         newWindow,
	}
}

// Bounds on window geometry that validation enforces, so that a window's
// state can be bounded and its work per event finishes.
const (
	// maxHopWindows bounds size / slide of hopping windows: each event is
	// added to that many windows, each holding an entry per key, so 1h
	// sliding by 10ms (360,000 windows) would never finish an event.
	maxHopWindows = 10_000
	// maxStateDuration bounds every duration that decides how long window
	// and join state is kept (size, slide, gap, allowed_lateness, and an
	// interval join's bounds): state kept for more than a year cannot be
	// freed within any bound that helps, and beyond it the nanosecond
	// arithmetic of window ends nears the int64 range.
	maxStateDuration = 366 * 24 * time.Hour
)

// checkStateDuration reports a duration option longer than
// maxStateDuration (in either direction).
func checkStateDuration(name string, d int64) error {
	if d > int64(maxStateDuration) || d < -int64(maxStateDuration) {
		return component.OptErr(name, "%s is more than the %s that window and join state may be kept",
			days(time.Duration(d)), days(maxStateDuration))
	}
	return nil
}

// days writes a long duration in days when it is a whole number of them.
func days(d time.Duration) string {
	if day := 24 * time.Hour; d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	return d.String()
}

// windowConf is a window's geometry in nanoseconds.
type windowConf struct {
	kind             string
	size, slide, gap int64
	lateness         int64
}

func windowConfig(o component.Options) (windowConf, error) {
	c := windowConf{kind: o.String("window"), size: int64(o.Duration("size")), slide: int64(o.Duration("slide")),
		gap: int64(o.Duration("gap")), lateness: int64(o.Duration("allowed_lateness"))}
	need := func(name string, v int64) error {
		if v <= 0 {
			return component.OptErr(name, "a %s window needs a positive %q", c.kind, name)
		}
		return nil
	}
	forbid := func(name string, v int64) error {
		if v != 0 {
			return component.OptErr(name, "%q is not used by %s windows", name, c.kind)
		}
		return nil
	}
	var errs []error
	switch c.kind {
	case windowTumbling:
		errs = append(errs, need("size", c.size), forbid("slide", c.slide), forbid("gap", c.gap))
		c.slide = c.size
	case windowHopping:
		errs = append(errs, need("size", c.size), need("slide", c.slide), forbid("gap", c.gap))
		if c.size > 0 && c.slide > 0 && c.size%c.slide != 0 {
			errs = append(errs, component.OptErr("slide", "size %v is not a multiple of slide %v", time.Duration(c.size), time.Duration(c.slide)))
		} else if c.size > 0 && c.slide > 0 && c.size/c.slide > maxHopWindows {
			errs = append(errs, component.OptErr("slide", "size %v / slide %v puts every event in %d windows, at most %d are allowed (raise slide or shorten size)",
				time.Duration(c.size), time.Duration(c.slide), c.size/c.slide, maxHopWindows))
		}
	case windowSession:
		errs = append(errs, need("gap", c.gap), forbid("size", c.size), forbid("slide", c.slide))
	default:
		errs = append(errs, component.OptErr("window", "unknown window %q (want tumbling, hopping or session)", c.kind))
	}
	if c.lateness < 0 {
		errs = append(errs, component.OptErr("allowed_lateness", "must not be negative, got %v", time.Duration(c.lateness)))
	}
	errs = append(errs, checkStateDuration("size", c.size), checkStateDuration("gap", c.gap),
		checkStateDuration("allowed_lateness", c.lateness))
	if c.kind == windowHopping {
		errs = append(errs, checkStateDuration("slide", c.slide))
	}
	return c, errors.Join(errs...)
}

func newWindow(ctx *component.Context) (*component.Instance, error) {
	in, err := input(ctx)
	if err != nil {
		return nil, err
	}
	conf, err := windowConfig(ctx.Options)
	if err != nil {
		return nil, err
	}
	processing := ctx.Options.String("time") == "processing"
	if processing && conf.kind == windowSession {
		return nil, component.OptErr("time", "processing-time windows are tumbling or hopping, not session")
	}
	keySlots, err := resolve("key", in, ctx.Key)
	if err != nil {
		return nil, err
	}
	specs, err := agg.ParseAll(ctx.Options.StringMap("aggregates"), in)
	if err != nil {
		return nil, &component.OptionError{Path: component.At("aggregates"), Err: err}
	}
	if len(specs) == 0 {
		return nil, component.OptErr("aggregates", "no aggregates; name at least one, e.g. {events: count()}")
	}
	var fields []event.Field
	taken := map[string]bool{}
	for i, name := range ctx.Key {
		s := keySlots[i]
		fields = append(fields, event.Field{Name: name, Kind: in.Fields[s].Kind})
		taken[name] = true
	}
	for _, n := range []string{"window_start", "window_end"} {
		if taken[n] {
			return nil, component.OptErr("key", "key field %q clashes with the window's own field", n)
		}
		fields = append(fields, event.Field{Name: n, Kind: event.Time})
		taken[n] = true
	}
	for _, s := range specs {
		if taken[s.Name] {
			return nil, component.OptErr("aggregates", "aggregate %q clashes with a key or window field of the same name", s.Name)
		}
		fields = append(fields, event.Field{Name: s.Name, Kind: s.Kind})
		taken[s.Name] = true
	}
	schema, err := event.NewSchema(ctx.Tenant, ctx.Name, fields...)
	if err != nil {
		return nil, err
	}
	schema, err = ctx.Registry.Register(schema)
	if err != nil {
		return nil, err
	}
	w := &window{
		conf: conf, keySlots: keySlots, schema: schema.ID, width: schema.Width(),
		layout: agg.NewLayout(specs), wm: event.MinWatermark,
		panes: map[int64]*pane{}, sessIndex: map[uint64][]int32{},
	}
	w.pool = agg.NewPool(w.layout, 1024)
	w.sizeEntries()
	entry := w.entryBytes
	if conf.kind == windowSession {
		entry = w.sessBytes + w.sessKeyBytes
	}
	if w.lim, err = stateConf(ctx.Options).limit(entry); err != nil {
		return nil, err
	}
	w.desc = windowDesc(conf, processing, in, keySlots, w.layout)
	if processing {
		pw := &procWindow{window: w, now: clock(ctx)}
		return &component.Instance{Operator: pw, Schema: schema, SideSchemas: []*event.Schema{in}}, nil
	}
	return &component.Instance{Operator: w, Schema: schema, SideSchemas: []*event.Schema{in}}, nil
}

// window is one instance of the window transform. It is owned by one actor.
type window struct {
	conf     windowConf
	keySlots []int
	schema   uint32
	width    int
	layout   *agg.Layout
	pool     *agg.Pool
	wm       int64 // the last watermark

	// Tumbling and hopping windows: one pane per window start, each with a
	// group per key; starts holds the open windows' starts, sorted.
	panes  map[int64]*pane
	starts []int64
	// Session windows: per key, its open sessions; due orders them by end.
	sessIndex map[uint64][]int32
	freeKeys  []int32
	sessKeys  []sessionKey
	due       sessionHeap
	fired     []firedSession
	// cleanup lists the keys whose timers fired, in the order they fell
	// due (each once: a key's timer is reset when it fires), so that every
	// run frees and reuses key slots alike.
	cleanup []int

	results []event.Value // scratch for Result
	order   []int         // scratch for sorting groups by key

	// lim bounds the key entries: pane groups, or sessions. The bytes
	// estimate of a pane group is entryBytes, of a session sessBytes, of
	// a session key sessKeyBytes, each plus the key's strings.
	lim                                 *stateLimit
	entryBytes, sessBytes, sessKeyBytes int64

	desc string // what its checkpoint must have been written by
}

// sizeEntries sets the bytes estimates of the window's entries: the Go
// structures that hold them, the key's values and the aggregate set at its
// largest.
func (w *window) sizeEntries() {
	key := int64(len(w.keySlots)) * valueBytes
	set := w.layout.MaxSetBytes()
	// A pane group, its key copy, its key table entry (map entry, chain
	// link, key slice) and its place in the sort scratch.
	w.entryBytes = int64(unsafe.Sizeof(paneGroup{})) + key + 48 + 4 + 24 + 8 + set
	// A session, with up to two timers in the heap.
	w.sessBytes = int64(unsafe.Sizeof(session{})) + 2*int64(unsafe.Sizeof(sessionTimer{})) + set
	// A key with sessions: its slot, its key copy, its index entry.
	w.sessKeyBytes = int64(unsafe.Sizeof(sessionKey{})) + key + 64
}

// StateStats returns the window's state figures (component.StateReporter).
func (w *window) StateStats() component.StateStats { return w.lim.StateStats() }

// keyBytes is the bytes of the strings of a key.
func keyBytes(key []event.Value) int64 {
	var b int64
	for _, v := range key {
		b += stringBytes(v)
	}
	return b
}

// pane is the state of one tumbling or hopping window: one aggregate set
// per key, in a key table.
type pane struct {
	start, end int64
	fired      bool
	groups     []paneGroup
	index      *keyTable
	// evicted is how many groups, from the first, evict_oldest has
	// looked at: all of them are gone.
	evicted int
}

// paneGroup is one key's entry in a pane. An evicted group has a nil set
// and key, and is skipped.
type paneGroup struct {
	key   []event.Value
	set   *agg.Set
	dirty bool // changed since it was last emitted
}

func (w *window) Process(_ int, in []event.Event, out *component.Output) error {
	defer w.lim.publish()
	for i := range in {
		e := &in[i]
		var err error
		if w.conf.kind == windowSession {
			err = w.addSession(e, out)
		} else {
			err = w.addPanes(e, e.Time, out)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// procWindow is a window over processing time: an event falls into the
// windows of the wall-clock time it arrives at, and windows close as the
// wall clock passes their end (Tick), or all at once when the input ends.
type procWindow struct {
	*window
	now func() time.Time
}

func (p *procWindow) Process(_ int, in []event.Event, out *component.Output) error {
	t := p.now().UnixNano()
	if t <= p.wm {
		t = p.wm + 1 // the clock must not step back into closed windows
	}
	defer p.lim.publish()
	for i := range in {
		if err := p.addPanes(&in[i], t, out); err != nil {
			return err
		}
	}
	return nil
}

// OnWatermark ignores event time, except its end: the input has finished,
// so every window closes.
func (p *procWindow) OnWatermark(wm int64, out *component.Output) error {
	if wm == event.MaxWatermark {
		return p.window.OnWatermark(wm, out)
	}
	return nil
}

// TickEvery checks the wall clock often enough that windows close within
// a small fraction of their slide.
func (p *procWindow) TickEvery() time.Duration {
	return min(max(time.Duration(p.conf.slide)/10, 10*time.Millisecond), time.Second)
}

func (p *procWindow) Tick(now time.Time, out *component.Output) error {
	return p.window.OnWatermark(now.UnixNano()-1, out)
}

// late reports whether a window ending at end can no longer take events.
func (w *window) late(end int64) bool {
	return w.wm != event.MinWatermark && end-1+w.conf.lateness <= w.wm
}

// addPanes adds e to every tumbling or hopping window that contains time
// t (its event time, or its arrival time for processing-time windows).
func (w *window) addPanes(e *event.Event, t int64, out *component.Output) error {
	last := floorDiv(t, w.conf.slide) * w.conf.slide // latest window start containing t
	added := false
	for start := last; start > t-w.conf.size; start -= w.conf.slide {
		end := start + w.conf.size
		if w.late(end) {
			continue
		}
		p := w.pane(start, end)
		g, err := p.group(e, w)
		if err != nil {
			return err
		}
		g.set.Add(e)
		g.dirty = true
		added = true
		if p.fired {
			// A late event within the allowed lateness: emit the update now.
			w.emitGroup(out, p.start, p.end, g)
		}
	}
	if !added {
		out.Side(0).Emit(e)
	}
	return nil
}

func (w *window) pane(start, end int64) *pane {
	if p := w.panes[start]; p != nil {
		return p
	}
	p := &pane{start: start, end: end, index: newKeyTable(len(w.keySlots))}
	w.panes[start] = p
	i, _ := slices.BinarySearch(w.starts, start)
	w.starts = slices.Insert(w.starts, i, start)
	return p
}

// group returns e's key group in the pane, creating it; it fails when the
// state limit has no room for a new group.
func (p *pane) group(e *event.Event, w *window) (*paneGroup, error) {
	h := hashSlots(e, w.keySlots)
	idx, ok := p.index.find(h, e, w.keySlots)
	if ok {
		return &p.groups[idx], nil
	}
	key := copyKey(e, w.keySlots)
	b := w.entryBytes + keyBytes(key)
	if !w.lim.fits(b) && !w.evictEntries(b) {
		return nil, w.lim.full(true, b)
	}
	w.lim.add(b)
	p.groups = append(p.groups, paneGroup{key: key, set: w.pool.Get()})
	p.index.insert(h, len(p.groups)-1, key)
	return &p.groups[len(p.groups)-1], nil
}

// evictEntries drops pane groups, oldest first (the panes in start order,
// each pane's groups in the order their keys arrived), until an entry of b
// bytes fits, when the policy allows; it reports whether it fits.
func (w *window) evictEntries(b int64) bool {
	if !w.lim.evict {
		return false
	}
	for _, s := range w.starts {
		p := w.panes[s]
		for p.evicted < len(p.groups) {
			if w.lim.fits(b) {
				return true
			}
			i := p.evicted
			p.evicted++
			if g := &p.groups[i]; g.set != nil {
				w.dropGroup(g)
				p.index.remove(i)
				w.lim.evicted++
			}
		}
	}
	return w.lim.fits(b)
}

// dropGroup frees a pane group's state and uncounts it.
func (w *window) dropGroup(g *paneGroup) {
	w.lim.remove(w.entryBytes + keyBytes(g.key))
	w.pool.Put(g.set)
	g.set, g.key = nil, nil
}

func (w *window) OnWatermark(wm int64, out *component.Output) error {
	if wm <= w.wm {
		return nil
	}
	w.wm = wm
	defer w.lim.publish()
	if w.conf.kind == windowSession {
		w.fireSessions(out)
		return nil
	}
	// All windows have one size, so start order is end order.
	for _, s := range w.starts {
		p := w.panes[s]
		if p.end-1 > wm {
			break
		}
		if !p.fired {
			p.fired = true
			w.emitPane(out, p)
		}
	}
	// Free the panes whose allowed lateness has passed.
	kept := w.starts[:0]
	for _, s := range w.starts {
		p := w.panes[s]
		if p.fired && w.late(p.end) {
			for i := range p.groups {
				if g := &p.groups[i]; g.set != nil {
					w.dropGroup(g)
				}
			}
			delete(w.panes, s)
			continue
		}
		kept = append(kept, s)
	}
	w.starts = kept
	return nil
}

// emitPane emits every group of a pane, sorted by key.
func (w *window) emitPane(out *component.Output, p *pane) {
	w.order = w.order[:0]
	for i := range p.groups {
		if p.groups[i].set != nil {
			w.order = append(w.order, i)
		}
	}
	slices.SortFunc(w.order, func(a, b int) int { return compareKeys(p.groups[a].key, p.groups[b].key) })
	for _, i := range w.order {
		w.emitGroup(out, p.start, p.end, &p.groups[i])
	}
}

func (w *window) emitGroup(out *component.Output, start, end int64, g *paneGroup) {
	w.emitRow(out, start, end, g.key, g.set)
	g.dirty = false
}

func (w *window) emitRow(out *component.Output, start, end int64, key []event.Value, set *agg.Set) {
	e := out.Next()
	e.Schema = w.schema
	e.Time = end - 1
	if w.conf.kind == windowSession {
		// A session fires once the watermark reaches end: a row at end-1
		// could be behind a watermark already sent downstream.
		e.Time = end
	}
	var h uint64
	for _, v := range key {
		h = v.Hash(h)
	}
	e.Key = h
	e.Fields = append(e.Fields, key...)
	e.Fields = append(e.Fields, event.TimeValue(start), event.TimeValue(end))
	n := len(e.Fields)
	for len(e.Fields) < w.width {
		e.Fields = append(e.Fields, event.Value{})
	}
	set.Result(e.Fields[n:])
}

func (w *window) Flush(out *component.Output) error {
	// The runtime delivers the final watermark before Flush; anything left
	// here was kept for lateness and has been emitted already.
	return nil
}

// floorDiv is a / b rounded towards negative infinity (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func copyKey(e *event.Event, slots []int) []event.Value {
	k := make([]event.Value, len(slots))
	for i, s := range slots {
		k[i] = e.Get(s)
	}
	return k
}

func hashSlots(e *event.Event, slots []int) uint64 {
	var h uint64
	for _, s := range slots {
		h = e.Get(s).Hash(h)
	}
	return h
}

// compareKeys orders keys: nulls first, then by kind, then by value.
func compareKeys(a, b []event.Value) int {
	for i := range a {
		x, y := a[i], b[i]
		if x.Kind != y.Kind {
			return int(x.Kind) - int(y.Kind)
		}
		switch x.Kind {
		case event.String:
			if c := strings.Compare(x.S, y.S); c != 0 {
				return c
			}
		case event.Float:
			if c := cmpFloat(x.Float(), y.Float()); c != 0 {
				return c
			}
		default:
			if x.Int() != y.Int() {
				if x.Int() < y.Int() {
					return -1
				}
				return 1
			}
		}
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
