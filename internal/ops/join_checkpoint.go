package ops

import (
	"strconv"

	"github.com/greenwave/greenwave/internal/event"
)

// The state of a join is its stored rows, how each mode finds them, and
// the counters (events skipped for a null key, evictions, expiries).
//
// Rows keep their ids (the free ones listed in reuse order): every mode
// refers to rows by id. Per row held: its times, an interval join's left
// rows their until, and its values, as wide as the input (the description
// holds both inputs' fields, so a changed input starts the join empty).
// Hashes are computed again from the key values.
//
//	window:   the watermark, then per open window in start order its start,
//	          whether it fired, and its groups in arrival order (those
//	          evict_oldest dropped left out): the side and id of the row that
//	          stands for the key, and the ids of each side's rows in order.
//	          How many windows hold a row is counted again.
//	interval: the watermark, the key slots (free ones in reuse order, per
//	          key its rows of each side, oldest first), and per side the
//	          expiry queue as it lies (its FIFO, then its heap).
//	table:    the recency order of the rows (least recently updated first,
//	          with the time of the update) when the join tracks it.

// joinDesc describes what a join's state fits: its mode and geometry or
// bounds, its key fields, and every field of both inputs (rows are stored
// by slot). A window join's allowed lateness is left out (it decides only
// how long windows are kept); an interval join's is in: its rows' expiries
// were computed with it.
func joinDesc(c joinConf, b *joinBase, inputs []*event.Schema) string {
	d := describe("join").add("mode", c.mode)
	switch c.mode {
	case joinWindow:
		d.add("window", c.window.kind).duration("size", c.window.size).duration("slide", c.window.slide)
	case joinInterval:
		d.duration("lower", c.lower)
		if c.hasUpper {
			d.duration("upper", c.upper)
		}
		if c.until != "" {
			d.add("until", strconv.Quote(c.until))
		}
		d.duration("allowed_lateness", c.lateness)
	}
	d.fields("left_key", inputs[leftSide], b.slots[leftSide]).fields("right_key", inputs[rightSide], b.slots[rightSide])
	return d.schema("left", inputs[leftSide]).schema("right", inputs[rightSide]).String()
}

func (b *joinBase) stateDesc() string { return b.desc }

// appendRows appends the store's rows (with until: their until too).
func (s *rowStore) appendRows(b []byte, until bool) []byte {
	b = appendUvarint(b, uint64(len(s.meta)))
	b = appendUvarint(b, uint64(len(s.free)))
	free := make([]bool, len(s.meta))
	for _, id := range s.free {
		b = appendUvarint(b, uint64(id))
		free[id] = true
	}
	for id := range s.meta {
		if free[id] {
			continue
		}
		m := &s.meta[id]
		b = appendVarint(b, m.time)
		b = appendVarint(b, m.created)
		if until {
			b = appendVarint(b, m.until)
		}
		b = appendValues(b, s.fields(int32(id)))
	}
	return b
}

// decodeRows reads what appendRows wrote into a new store shaped like s
// (rows of side of join jb), and returns it with which ids are free.
func (s *rowStore) decodeRows(d *stateDecoder, jb *joinBase, side int, until bool) (*rowStore, []bool) {
	ns := &rowStore{width: s.width, base: s.base, strSlots: s.strSlots}
	n := d.count(1)
	free := make([]bool, n)
	ns.free = make([]int32, d.count(1))
	for i := range ns.free {
		id := d.index(n, "free row")
		if d.err != nil {
			return ns, free
		}
		if free[id] {
			d.fail("row %d is free twice", id)
		}
		free[id], ns.free[i] = true, id
	}
	ns.meta = make([]rowMeta, n)
	ns.vals = make([]event.Value, n*s.width)
	for id := range ns.meta {
		if free[id] || d.err != nil {
			continue
		}
		m := &ns.meta[id]
		m.time, m.created = d.varint(), d.varint()
		if until {
			m.until = d.varint()
		}
		f := ns.fields(int32(id))
		for j := range f {
			f[j] = d.value()
		}
		m.hash, _ = jb.hash(side, f)
	}
	return ns, free
}

// held returns the number of rows the store holds and their bytes.
func (s *rowStore) held(free []bool) (rows, bytes int64) {
	for id := range s.meta {
		if !free[id] {
			rows++
			bytes += s.rowBytes(int32(id))
		}
	}
	return rows, bytes
}

// Snapshot appends the windows' rows (component.Checkpointer).
func (w *windowJoin) Snapshot(dst []byte) ([]byte, error) { return snapshot(w, dst) }

// Restore replaces the windows' rows with a Snapshot's
// (component.Checkpointer).
func (w *windowJoin) Restore(src []byte) error { return restore(w, src) }

func (w *windowJoin) appendState(b []byte) ([]byte, error) {
	b = appendVarint(b, w.wm)
	b = appendVarint(b, w.skipped)
	b = w.rows[leftSide].appendRows(b, false)
	b = w.rows[rightSide].appendRows(b, false)
	b = appendUvarint(b, uint64(len(w.starts)))
	for _, s := range w.starts {
		p := w.panes[s]
		b = appendVarint(b, p.start)
		b = appendBool(b, p.fired)
		b = appendUvarint(b, uint64(len(p.groups)-p.evicted))
		for i := p.evicted; i < len(p.groups); i++ {
			g := &p.groups[i]
			if g.rep < 0 {
				panic("BUG: window join: a dropped group after the evicted ones")
			}
			b = append(b, byte(g.repSide))
			b = appendUvarint(b, uint64(g.rep))
			for _, rows := range g.rows {
				b = appendUvarint(b, uint64(len(rows)))
				for _, r := range rows {
					b = appendUvarint(b, uint64(r))
				}
			}
		}
	}
	return w.lim.appendCounters(b), nil
}

func (w *windowJoin) decodeState(d *stateDecoder) func() {
	wm, skipped := d.varint(), d.varint()
	var rows [2]*rowStore
	var free [2][]bool
	for side := range rows {
		rows[side], free[side] = w.rows[side].decodeRows(d, w.joinBase, side, false)
	}
	panes := map[int64]*joinPane{}
	starts := make([]int64, d.count(3))
	var groups int64
	for i := range starts {
		start, fired := d.varint(), d.bool()
		if d.err == nil && (i > 0 && start <= starts[i-1] || start%w.conf.slide != 0 || start > event.MaxWatermark-w.conf.size) {
			d.fail("window start %d is out of order or does not fit the geometry", start)
		}
		if d.err != nil {
			return nil
		}
		starts[i] = start
		p := &joinPane{start: start, end: start + w.conf.size, fired: fired, index: map[uint64]int32{}}
		p.groups = make([]joinGroup, d.count(4))
		for j := range p.groups {
			g := &p.groups[j]
			g.repSide = int(d.u8())
			if g.repSide > rightSide && d.err == nil {
				d.fail("bad side %d", g.repSide)
			}
			if d.err != nil {
				return nil
			}
			g.rep = d.index(len(rows[g.repSide].meta), "row")
			repHeld := false
			for side := range g.rows {
				g.rows[side] = make([]int32, d.count(1))
				for k := range g.rows[side] {
					r := d.index(len(rows[side].meta), "row")
					if d.err != nil {
						return nil
					}
					if free[side][r] {
						d.fail("window %d holds a free row", start)
						return nil
					}
					g.rows[side][k] = r
					rows[side].meta[r].refs++
					repHeld = repHeld || side == g.repSide && r == g.rep
				}
			}
			if !repHeld && d.err == nil {
				d.fail("a group of window %d is not among its rows", start)
			}
			if d.err != nil {
				return nil
			}
			g.hash = rows[g.repSide].meta[g.rep].hash
			g.next = -1
			if first, ok := p.index[g.hash]; ok {
				g.next = first
			}
			p.index[g.hash] = int32(j)
			groups++
		}
		panes[start] = p
	}
	for side := range rows {
		for id, m := range rows[side].meta {
			if !free[side][id] && m.refs == 0 && d.err == nil {
				d.fail("row %d is in no window", id)
			}
		}
	}
	evicted, expired := decodeCounters(d)
	return func() {
		w.wm, w.skipped, w.rows = wm, skipped, [2]rowStore{*rows[leftSide], *rows[rightSide]}
		w.panes, w.starts = panes, starts
		ln, lb := rows[leftSide].held(free[leftSide])
		rn, rb := rows[rightSide].held(free[rightSide])
		w.lim.restore(ln+rn, lb+rb+groups*joinGroupBytes, evicted, expired)
	}
}

// Snapshot appends the stored rows (component.Checkpointer).
func (j *intervalJoin) Snapshot(dst []byte) ([]byte, error) { return snapshot(j, dst) }

// Restore replaces the stored rows with a Snapshot's
// (component.Checkpointer).
func (j *intervalJoin) Restore(src []byte) error { return restore(j, src) }

func (j *intervalJoin) appendState(b []byte) ([]byte, error) {
	b = appendVarint(b, j.wm)
	b = appendVarint(b, j.skipped)
	b = j.rows[leftSide].appendRows(b, true)
	b = j.rows[rightSide].appendRows(b, false)
	b = appendUvarint(b, uint64(len(j.keys)))
	b = appendUvarint(b, uint64(len(j.freeKeys)))
	free := make([]bool, len(j.keys))
	for _, k := range j.freeKeys {
		b = appendUvarint(b, uint64(k))
		free[k] = true
	}
	for i := range j.keys {
		if free[i] {
			continue
		}
		for side := range j.rows {
			n := 0
			for r := j.keys[i].head[side]; r >= 0; r = j.rows[side].meta[r].next {
				n++
			}
			b = appendUvarint(b, uint64(n))
			for r := j.keys[i].head[side]; r >= 0; r = j.rows[side].meta[r].next {
				b = appendUvarint(b, uint64(r))
			}
		}
	}
	for side := range j.expiry {
		q := &j.expiry[side]
		b = appendExpiries(b, q.fifo[q.head:])
		b = appendExpiries(b, q.heap)
	}
	return j.lim.appendCounters(b), nil
}

func appendExpiries(b []byte, xs []expiry) []byte {
	b = appendUvarint(b, uint64(len(xs)))
	for _, x := range xs {
		b = appendVarint(b, x.at)
		b = appendUvarint(b, uint64(x.row))
	}
	return b
}

func (j *intervalJoin) decodeState(d *stateDecoder) func() {
	wm, skipped := d.varint(), d.varint()
	var rows [2]*rowStore
	var free [2][]bool
	for side := range rows {
		rows[side], free[side] = j.rows[side].decodeRows(d, j.joinBase, side, side == leftSide)
	}
	n := d.count(1)
	freeKey := make([]bool, n)
	freeKeys := make([]int32, d.count(1))
	for i := range freeKeys {
		k := d.index(n, "free key")
		if d.err != nil {
			return nil
		}
		if freeKey[k] {
			d.fail("key %d is free twice", k)
		}
		freeKey[k], freeKeys[i] = true, k
	}
	var owned [2][]bool
	for side := range owned {
		owned[side] = make([]bool, len(rows[side].meta))
	}
	keys := make([]intervalKey, n)
	index := map[uint64]int32{}
	for i := range keys {
		k := &keys[i]
		k.head, k.tail = [2]int32{-1, -1}, [2]int32{-1, -1}
		if freeKey[i] {
			continue
		}
		some := -1 // a side holding rows
		for side := range rows {
			rs := rows[side]
			for range d.count(1) {
				r := d.index(len(rs.meta), "row")
				if d.err != nil {
					return nil
				}
				if free[side][r] || owned[side][r] {
					d.fail("row %d is free or held twice", r)
					return nil
				}
				if some < 0 {
					some, k.hash = side, rs.meta[r].hash
				} else if rs.meta[r].hash != k.hash {
					d.fail("key %d holds rows of different keys", i)
					return nil
				}
				owned[side][r] = true
				m := &rs.meta[r]
				m.owner, m.prev, m.next = int32(i), k.tail[side], -1
				if k.tail[side] >= 0 {
					rs.meta[k.tail[side]].next = r
				} else {
					k.head[side] = r
				}
				k.tail[side] = r
			}
		}
		if some < 0 {
			d.fail("key %d holds no rows", i)
			return nil
		}
		k.next = -1
		if first, ok := index[k.hash]; ok {
			for o := first; o >= 0; o = keys[o].next {
				os := leftSide
				if keys[o].head[leftSide] < 0 {
					os = rightSide
				}
				if j.sameKey(some, rows[some].fields(k.head[some]), os, rows[os].fields(keys[o].head[os])) {
					d.fail("keys %d and %d are the same", o, i)
					return nil
				}
			}
			k.next = first
		}
		index[k.hash] = int32(i)
	}
	var expiries [2]expiryQueue
	for side := range expiries {
		seen := make([]bool, len(rows[side].meta))
		take := func(fifo bool) {
			for range d.count(2) {
				x := expiry{at: d.varint(), row: d.index(len(seen), "row")}
				if d.err != nil {
					return
				}
				if !owned[side][x.row] || seen[x.row] {
					d.fail("an expiry of a row not held or listed twice")
					return
				}
				seen[x.row] = true
				q := &expiries[side]
				if !fifo {
					q.heap.push(x)
				} else if n := len(q.fifo); n > 0 && q.fifo[n-1].at > x.at {
					d.fail("expiries out of order")
					return
				} else {
					q.fifo = append(q.fifo, x)
				}
			}
		}
		take(true)
		take(false)
		for id := range seen {
			if owned[side][id] && !seen[id] && d.err == nil {
				d.fail("row %d never expires", id)
			}
		}
		for id := range owned[side] {
			if !free[side][id] && !owned[side][id] && d.err == nil {
				d.fail("row %d belongs to no key", id)
			}
		}
	}
	evicted, expired := decodeCounters(d)
	return func() {
		j.wm, j.skipped, j.rows = wm, skipped, [2]rowStore{*rows[leftSide], *rows[rightSide]}
		j.keys, j.freeKeys, j.index, j.expiry = keys, freeKeys, index, expiries
		ln, lb := rows[leftSide].held(free[leftSide])
		rn, rb := rows[rightSide].held(free[rightSide])
		live := int64(len(keys) - len(freeKeys))
		j.lim.restore(ln+rn, lb+rb+live*intervalKeyBytes, evicted, expired)
	}
}

// Snapshot appends the table (component.Checkpointer).
func (t *tableJoin) Snapshot(dst []byte) ([]byte, error) { return snapshot(t, dst) }

// Restore replaces the table with a Snapshot's (component.Checkpointer).
func (t *tableJoin) Restore(src []byte) error { return restore(t, src) }

func (t *tableJoin) appendState(b []byte) ([]byte, error) {
	b = appendVarint(b, t.skipped)
	b = t.rows.appendRows(b, false)
	if t.rec == nil {
		b = appendUvarint(b, 0)
	} else {
		b = t.rec.appendOrder(b)
	}
	return t.lim.appendCounters(b), nil
}

func (t *tableJoin) decodeState(d *stateDecoder) func() {
	skipped := d.varint()
	rows, free := t.rows.decodeRows(d, t.joinBase, rightSide, false)
	index := map[uint64]int32{}
	live := 0
	for id := range rows.meta {
		if free[id] || d.err != nil {
			continue
		}
		live++
		m := &rows.meta[id]
		m.next = -1
		if first, ok := index[m.hash]; ok {
			for o := first; o >= 0; o = rows.meta[o].next {
				if t.sameKey(rightSide, rows.fields(o), rightSide, rows.fields(int32(id))) {
					d.fail("rows %d and %d have the same key", o, id)
				}
			}
			m.next = first
		}
		index[m.hash] = int32(id)
	}
	order := d.count(2)
	var rec *recency
	if t.rec != nil {
		rec = &recency{}
		if order > 0 && order != live && d.err == nil {
			d.fail("the recency order holds %d of %d rows", order, live)
		}
	}
	for range order {
		id, at := d.index(len(rows.meta), "row"), d.varint()
		if d.err != nil {
			return nil
		}
		if free[id] {
			d.fail("row %d is free", id)
			return nil
		}
		if rec != nil {
			if int(id) < len(rec.stamps) && rec.stamps[id] != 0 {
				d.fail("row %d is listed twice", id)
				return nil
			}
			rec.update(id, at)
		}
	}
	if rec != nil && order == 0 {
		now := t.now().UnixNano()
		for id := range rows.meta {
			if !free[id] {
				rec.update(int32(id), now)
			}
		}
	}
	evicted, expired := decodeCounters(d)
	return func() {
		t.skipped, t.rows, t.index = skipped, *rows, index
		if t.rec != nil {
			t.rec = rec
		}
		n, bytes := rows.held(free)
		t.lim.restore(n, bytes, evicted, expired)
	}
}
