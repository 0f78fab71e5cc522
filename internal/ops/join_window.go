package ops

import (
	"slices"
	"unsafe"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// windowJoin is a join in window mode: the events of both sides are kept
// in the tumbling or hopping windows that contain them (assigned as the
// window transform assigns them), grouped by key, and a window emits the
// pairs of each key when the watermark passes its end. A window's state is
// freed once the watermark has passed its end plus the allowed lateness; an
// event stored in several hopping windows is stored once and counted by
// each. Owned by one actor.
type windowJoin struct {
	*joinBase
	conf windowConf
	wm   int64
	rows [2]rowStore

	panes   map[int64]*joinPane // by window start
	starts  []int64             // the open windows' starts, sorted
	spare   []*joinPane         // freed panes, reused with their capacity
	order   []groupOrder        // scratch: a pane's groups in key order
	skipped int64               // events dropped for a null key
}

// joinPane is one window: a group per key, found through a hash index
// whose collisions chain through joinGroup.next.
type joinPane struct {
	start, end int64
	fired      bool
	index      map[uint64]int32
	groups     []joinGroup
	// evicted is how many groups, from the first, evict_oldest has
	// dropped.
	evicted int
}

// joinGroup holds the rows of one key in one window, per side, in arrival
// order (sorted by time once the window has fired). Its first row, rep of
// side repSide, stands for the key's values. An evicted group has rep -1
// and no rows; lookups skip it.
type joinGroup struct {
	hash    uint64
	next    int32
	rep     int32
	repSide int
	rows    [2][]int32
}

// groupOrder is a group and the first value of its key, normalized, which
// decides most comparisons when a pane's groups are sorted.
type groupOrder struct {
	first event.Value
	group int32
}

// joinGroupBytes is the bytes estimate of a group: its struct and its
// index entry.
const joinGroupBytes = int64(unsafe.Sizeof(joinGroup{})) + 32

func newWindowJoin(b *joinBase, conf windowConf, inputs []*event.Schema) *windowJoin {
	w := &windowJoin{joinBase: b, conf: conf, wm: event.MinWatermark, panes: map[int64]*joinPane{}}
	// Per row beside the store: its place in each window's group.
	refs := 4 * (conf.size / conf.slide)
	w.rows[leftSide].sizeRows(inputs[leftSide], refs)
	w.rows[rightSide].sizeRows(inputs[rightSide], refs)
	return w
}

func (w *windowJoin) Process(port int, in []event.Event, out *component.Output) error {
	checkPort(port)
	defer w.lim.publish()
	for i := range in {
		e := &in[i]
		h, null := w.hash(port, e.Fields)
		if err := w.checkPartition(port, e, h); err != nil {
			return err
		}
		if null {
			w.skipped++
			continue
		}
		if err := w.add(port, e, h, out); err != nil {
			return err
		}
	}
	return nil
}

// late reports whether a window ending at end can no longer take events.
func (w *windowJoin) late(end int64) bool {
	return w.wm != event.MinWatermark && end-1+w.conf.lateness <= w.wm
}

// add stores e once and adds it to every window that contains it and is
// still open; in a window that has fired (within the allowed lateness) it
// emits the pairs e forms right away.
func (w *windowJoin) add(side int, e *event.Event, h uint64, out *component.Output) error {
	t := e.Time
	row := int32(-1)
	last := floorDiv(t, w.conf.slide) * w.conf.slide // latest window start containing t
	for start := last; start > t-w.conf.size; start -= w.conf.slide {
		end := start + w.conf.size
		if w.late(end) {
			continue
		}
		if row < 0 {
			b := w.rows[side].bytesOf(e.Fields)
			if !w.lim.fits(b) && !w.evictRows(b) {
				return w.lim.full(true, b)
			}
			w.lim.add(b)
			row = w.rows[side].add(e, h)
		}
		w.rows[side].meta[row].refs++
		p := w.pane(start, end)
		gi := w.group(p, side, e.Fields, h, row)
		g := &p.groups[gi]
		g.rows[side] = append(g.rows[side], row)
		if p.fired {
			for _, o := range g.rows[1-side] {
				w.emitPair(out, p.end, side, row, o)
			}
		}
	}
	if row < 0 {
		w.emitLate(out, side, e)
	}
	return nil
}

// evictRows drops groups, oldest first (the windows in start order, each
// window's groups in the order their keys arrived), until a row of b bytes
// fits, when the policy allows; it reports whether it fits. Dropping a
// group frees the rows no other window holds, each counted as evicted.
func (w *windowJoin) evictRows(b int64) bool {
	if !w.lim.evict {
		return false
	}
	for _, s := range w.starts {
		p := w.panes[s]
		for p.evicted < len(p.groups) {
			if w.lim.fits(b) {
				return true
			}
			g := &p.groups[p.evicted]
			p.evicted++
			if g.rep >= 0 {
				w.lim.evicted += w.dropGroup(g)
				g.rep = -1
			}
		}
	}
	return w.lim.fits(b)
}

// dropGroup lets go of g's rows, releasing each that no window holds any
// more, and returns how many it released.
func (w *windowJoin) dropGroup(g *joinGroup) (released uint64) {
	for side, rows := range g.rows {
		for _, r := range rows {
			m := &w.rows[side].meta[r]
			if m.refs--; m.refs == 0 {
				w.lim.remove(w.rows[side].rowBytes(r))
				w.rows[side].release(r)
				released++
			}
		}
		g.rows[side] = rows[:0]
	}
	w.lim.grow(-joinGroupBytes)
	return released
}

// pane returns the window starting at start, creating it.
func (w *windowJoin) pane(start, end int64) *joinPane {
	if p := w.panes[start]; p != nil {
		return p
	}
	var p *joinPane
	if n := len(w.spare); n > 0 {
		p = w.spare[n-1]
		w.spare = w.spare[:n-1]
	} else {
		p = &joinPane{index: map[uint64]int32{}}
	}
	p.start, p.end, p.fired, p.evicted = start, end, false, 0
	w.panes[start] = p
	i, _ := slices.BinarySearch(w.starts, start)
	w.starts = slices.Insert(w.starts, i, start)
	return p
}

// group returns the index of the group of the key f has on side in p,
// creating it with row (of side) as its representative.
func (w *windowJoin) group(p *joinPane, side int, f []event.Value, h uint64, row int32) int32 {
	first, ok := p.index[h]
	if ok {
		for i := first; i >= 0; i = p.groups[i].next {
			if p.groups[i].rep < 0 {
				continue // evicted
			}
			rs, rf := w.repRow(&p.groups[i])
			if w.sameKey(side, f, rs, rf) {
				return i
			}
		}
	} else {
		first = -1
	}
	w.lim.grow(joinGroupBytes)
	n := len(p.groups)
	if n < cap(p.groups) {
		p.groups = p.groups[:n+1]
	} else {
		p.groups = append(p.groups, joinGroup{})
	}
	g := &p.groups[n]
	g.hash, g.next, g.rep, g.repSide = h, first, row, side
	g.rows[leftSide], g.rows[rightSide] = g.rows[leftSide][:0], g.rows[rightSide][:0]
	p.index[h] = int32(n)
	return int32(n)
}

// repRow returns the side and values of g's representative row.
func (w *windowJoin) repRow(g *joinGroup) (int, []event.Value) {
	return g.repSide, w.rows[g.repSide].fields(g.rep)
}

// OnWatermark fires the windows whose end the watermark has passed, in
// start order, and frees those whose allowed lateness has passed too.
func (w *windowJoin) OnWatermark(wm int64, out *component.Output) error {
	if wm <= w.wm {
		return nil
	}
	w.wm = wm
	defer w.lim.publish()
	// All windows have one size, so start order is end order.
	for _, s := range w.starts {
		p := w.panes[s]
		if p.end-1 > wm {
			break
		}
		if !p.fired {
			p.fired = true
			w.firePane(out, p)
		}
	}
	kept := w.starts[:0]
	for _, s := range w.starts {
		p := w.panes[s]
		if p.fired && w.late(p.end) {
			w.freePane(p)
			continue
		}
		kept = append(kept, s)
	}
	w.starts = kept
	return nil
}

// firePane emits every pair of the window: by key, then left time, then
// right time (ties in arrival order).
func (w *windowJoin) firePane(out *component.Output, p *joinPane) {
	w.order = w.order[:0]
	for i := range p.groups {
		g := &p.groups[i]
		if len(g.rows[leftSide]) > 0 && len(g.rows[rightSide]) > 0 {
			rs, rf := w.repRow(g)
			v := valueAt(rf, w.slots[rs][0])
			if w.norm[0] && v.Kind == event.Int {
				v = event.FloatValue(float64(int64(v.N)))
			}
			w.order = append(w.order, groupOrder{first: v, group: int32(i)})
		}
	}
	whole := len(w.slots[leftSide]) > 1
	slices.SortFunc(w.order, func(a, b groupOrder) int {
		if c := cmpJoinValue(a.first, b.first); c != 0 || !whole {
			return c
		}
		as, af := w.repRow(&p.groups[a.group])
		bs, bf := w.repRow(&p.groups[b.group])
		return w.compareKey(as, af, bs, bf)
	})
	for _, o := range w.order {
		g := &p.groups[o.group]
		for side := range g.rows {
			meta := w.rows[side].meta
			slices.SortStableFunc(g.rows[side], func(a, b int32) int { return cmpInt(meta[a].time, meta[b].time) })
		}
		for _, l := range g.rows[leftSide] {
			for _, r := range g.rows[rightSide] {
				w.emitPair(out, p.end, leftSide, l, r)
			}
		}
	}
}

// emitPair emits the pair of row a of side and row b of the other side, in
// the window ending at end.
func (w *windowJoin) emitPair(out *component.Output, end int64, side int, a, b int32) {
	l, r := a, b
	if side == rightSide {
		l, r = b, a
	}
	lm, rm := &w.rows[leftSide].meta[l], &w.rows[rightSide].meta[r]
	lf := w.rows[leftSide].fields(l)
	w.emit(out, lf, w.rows[rightSide].fields(r), end-1, max(lm.created, rm.created), lm.hash)
}

// freePane drops a window's rows (each row once no window holds it) and
// keeps the pane for reuse.
func (w *windowJoin) freePane(p *joinPane) {
	for i := range p.groups {
		if g := &p.groups[i]; g.rep >= 0 {
			w.dropGroup(g)
		}
	}
	delete(w.panes, p.start)
	clear(p.index)
	p.groups = p.groups[:0]
	p.evicted = 0
	w.spare = append(w.spare, p)
}

// Flush has nothing to do: the runtime delivers the final watermark, which
// fires every window, before Flush.
func (w *windowJoin) Flush(*component.Output) error { return nil }

// stored is the number of rows held per side (for tests and stats).
func (w *windowJoin) stored() [2]int {
	return [2]int{w.rows[leftSide].live(), w.rows[rightSide].live()}
}
