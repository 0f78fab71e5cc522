package ops

import (
	"time"
	"unsafe"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// tableJoin is a join in table mode: the right input is an upsert table
// holding the latest row of each key, and each left event is joined with
// its key's row as it arrives (or, outer, emitted with the right fields
// null when the key has none). Event time plays no part: which right row a
// left event meets depends on the order in which the runtime delivers the
// two inputs, as in a regular join against a table without versions. State
// is one row per right key, within max_keys and max_state; with
// evict_oldest or a ttl, rows are ordered by their last update (rec) to
// evict the least recently updated one or expire those not updated for the
// ttl. Owned by one actor.
type tableJoin struct {
	*joinBase
	outer   bool
	rows    rowStore // the table; next chains rows of equal hashes
	index   map[uint64]int32
	skipped int64 // right rows ignored for a null key

	rec *recency      // nil unless evict_oldest or a ttl needs it
	ttl time.Duration // 0: rows do not expire
	now func() time.Time
	at  int64 // the clock at the current batch, with a ttl
}

func newTableJoin(b *joinBase, c joinConf, ctx *component.Context) *tableJoin {
	t := &tableJoin{joinBase: b, outer: c.outer, index: map[uint64]int32{}, ttl: c.state.ttl, now: clock(ctx)}
	// Per row beside the store: its index entry and, when tracked, its
	// stamp and up to two updates in the recency FIFO.
	extra := int64(32)
	if c.state.evict || c.state.ttl > 0 {
		t.rec = &recency{}
		extra += 8 + 2*int64(unsafe.Sizeof(touch{}))
	}
	t.rows.sizeRows(ctx.Inputs[rightSide], extra)
	return t
}

func (t *tableJoin) Process(port int, in []event.Event, out *component.Output) error {
	checkPort(port)
	if t.ttl > 0 && port == rightSide {
		t.at = t.now().UnixNano()
	}
	defer t.lim.publish()
	for i := range in {
		e := &in[i]
		h, null := t.hash(port, e.Fields)
		if err := t.checkPartition(port, e, h); err != nil {
			return err
		}
		if port == rightSide {
			if null {
				t.skipped++
				continue
			}
			if err := t.upsert(e, h); err != nil {
				return err
			}
			continue
		}
		row := int32(-1)
		if !null {
			row = t.find(leftSide, e.Fields, h)
		}
		switch {
		case row >= 0:
			t.emit(out, e.Fields, t.rows.fields(row), e.Time, e.Created, h)
		case t.outer:
			t.emit(out, e.Fields, nil, e.Time, e.Created, h)
		}
	}
	return nil
}

// find returns the table row whose key equals f's on side, or -1.
func (t *tableJoin) find(side int, f []event.Value, h uint64) int32 {
	i, ok := t.index[h]
	if !ok {
		return -1
	}
	for ; i >= 0; i = t.rows.meta[i].next {
		if t.sameKey(side, f, rightSide, t.rows.fields(i)) {
			return i
		}
	}
	return -1
}

// upsert replaces the row of e's key with e, or adds it when there is
// room (evicting the least recently updated row when the policy allows).
func (t *tableJoin) upsert(e *event.Event, h uint64) error {
	if row := t.find(rightSide, e.Fields, h); row >= 0 {
		t.lim.grow(t.rows.bytesOf(e.Fields) - t.rows.rowBytes(row))
		t.rows.set(row, e, h)
		t.touch(row)
		return nil
	}
	b := t.rows.bytesOf(e.Fields)
	if !t.lim.fits(b) && !t.evictFor(b) {
		return t.lim.full(true, b)
	}
	t.lim.add(b)
	first, ok := t.index[h]
	if !ok {
		first = -1
	}
	row := t.rows.add(e, h)
	t.rows.meta[row].next = first
	t.index[h] = row
	t.touch(row)
	return nil
}

// touch records an update of row when recency is tracked.
func (t *tableJoin) touch(row int32) {
	if t.rec != nil {
		t.rec.update(row, t.at)
	}
}

// evictFor evicts the least recently updated rows until one of b bytes
// fits, when the policy allows, and reports whether it fits.
func (t *tableJoin) evictFor(b int64) bool {
	if !t.lim.evict || t.rec == nil {
		return false
	}
	for !t.lim.fits(b) {
		row, _, ok := t.rec.oldest()
		if !ok {
			return false
		}
		t.remove(row)
		t.lim.evicted++
	}
	return true
}

// remove drops row from the table.
func (t *tableJoin) remove(row int32) {
	m := &t.rows.meta[row]
	if first := t.index[m.hash]; first == row {
		if m.next >= 0 {
			t.index[m.hash] = m.next
		} else {
			delete(t.index, m.hash)
		}
	} else {
		p := first
		for t.rows.meta[p].next != row {
			p = t.rows.meta[p].next
		}
		t.rows.meta[p].next = m.next
	}
	t.lim.remove(t.rows.rowBytes(row))
	t.rows.release(row)
	if t.rec != nil {
		t.rec.forget(row)
	}
}

// TickEvery asks for ticks to expire rows when there is a ttl (0: none).
func (t *tableJoin) TickEvery() time.Duration {
	if t.ttl > 0 {
		return ttlTick(t.ttl)
	}
	return 0
}

// Tick removes the rows not updated for the ttl, counting each as
// expired; it emits nothing.
func (t *tableJoin) Tick(now time.Time, _ *component.Output) error {
	if t.ttl > 0 {
		for {
			row, at, ok := t.rec.oldest()
			if !ok || now.UnixNano()-at < int64(t.ttl) {
				break
			}
			t.remove(row)
			t.lim.expired++
		}
	}
	t.lim.publish()
	return nil
}

// Flush has nothing to do: left events are joined as they arrive.
func (t *tableJoin) Flush(*component.Output) error { return nil }

// stored is the number of table rows (for tests and stats).
func (t *tableJoin) stored() int { return t.rows.live() }
