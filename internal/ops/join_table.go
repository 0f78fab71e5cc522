package ops

import (
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// tableJoin is a join in table mode: the right input is an upsert table
// holding the latest row of each key, and each left event is joined with
// its key's row as it arrives (or, outer, emitted with the right fields
// null when the key has none). Event time plays no part: which right row a
// left event meets depends on the order in which the runtime delivers the
// two inputs, as in a regular join against a table without versions. State
// is one row per right key, never dropped. Owned by one actor.
type tableJoin struct {
	*joinBase
	outer   bool
	rows    rowStore // the table; next chains rows of equal hashes
	index   map[uint64]int32
	skipped int64 // right rows ignored for a null key
}

func newTableJoin(b *joinBase, outer bool) *tableJoin {
	t := &tableJoin{joinBase: b, outer: outer, index: map[uint64]int32{}}
	t.rows.width = b.widths[rightSide]
	return t
}

func (t *tableJoin) Process(port int, in []event.Event, out *component.Output) error {
	checkPort(port)
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
			t.upsert(e, h)
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

// upsert replaces the row of e's key with e, or adds it.
func (t *tableJoin) upsert(e *event.Event, h uint64) {
	if row := t.find(rightSide, e.Fields, h); row >= 0 {
		t.rows.set(row, e, h)
		return
	}
	first, ok := t.index[h]
	if !ok {
		first = -1
	}
	row := t.rows.add(e, h)
	t.rows.meta[row].next = first
	t.index[h] = row
}

// Flush has nothing to do: left events are joined as they arrive.
func (t *tableJoin) Flush(*component.Output) error { return nil }

// stored is the number of table rows (for tests and stats).
func (t *tableJoin) stored() int { return t.rows.live() }
