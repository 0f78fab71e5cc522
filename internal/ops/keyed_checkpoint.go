package ops

import (
	"time"

	"github.com/greenwave/greenwave/internal/agg"
	"github.com/greenwave/greenwave/internal/event"
)

// The state of count, aggregate and over: their key table (see
// count_table_checkpoint.go), what each keeps per key beside it, and the
// eviction and expiry counters. With emit: interval, the time of the last
// emit comes first.

// Snapshot appends the counts (component.Checkpointer).
func (c *counter) Snapshot(dst []byte) ([]byte, error) { return snapshot(c, dst) }

// Restore replaces the counts with a Snapshot's (component.Checkpointer).
func (c *counter) Restore(src []byte) error { return restore(c, src) }

func (c *counter) stateDesc() string { return c.desc }

func (c *counter) appendState(b []byte) ([]byte, error) {
	b = c.table.appendState(b)
	return c.lim.appendCounters(b), nil
}

func (c *counter) decodeState(d *stateDecoder) func() {
	nt := c.table.decodeTable(d, c.now().UnixNano())
	evicted, expired := decodeCounters(d)
	return func() {
		c.table = *nt
		c.lim.restore(int64(nt.live()), nt.bytes(), evicted, expired)
	}
}

// Snapshot appends the aggregates (component.Checkpointer).
func (a *aggregator) Snapshot(dst []byte) ([]byte, error) { return snapshot(a, dst) }

// Restore replaces the aggregates with a Snapshot's (component.Checkpointer).
func (a *aggregator) Restore(src []byte) error { return restore(a, src) }

func (a *aggregator) stateDesc() string { return a.desc }

// appendState appends the key table, then each key's aggregate set in group
// order.
func (a *aggregator) appendState(b []byte) ([]byte, error) {
	b = a.table.appendState(b)
	for g, gr := range a.table.groups {
		if gr.count < 0 {
			continue
		}
		var err error
		if b, err = appendSet(b, a.sets[g]); err != nil {
			return b, err
		}
	}
	return a.lim.appendCounters(b), nil
}

func (a *aggregator) decodeState(d *stateDecoder) func() {
	nt := a.table.decodeTable(d, a.now().UnixNano())
	sets := make([]*agg.Set, len(nt.groups))
	for g, gr := range nt.groups {
		if d.err != nil {
			break
		}
		sets[g] = a.layout.New()
		if gr.count >= 0 {
			d.set(sets[g])
		}
	}
	evicted, expired := decodeCounters(d)
	return func() {
		a.table, a.sets = *nt, sets
		a.lim.restore(int64(nt.live()), nt.bytes(), evicted, expired)
	}
}

// Snapshot appends the operator's state and the time of the last emit
// (component.Checkpointer).
func (e *intervalEmitter) Snapshot(dst []byte) ([]byte, error) { return snapshot(e, dst) }

// Restore replaces the operator's state and the time of the last emit with
// a Snapshot's (component.Checkpointer): the next emit comes when the
// period has passed since the snapshotted one.
func (e *intervalEmitter) Restore(src []byte) error { return restore(e, src) }

func (e *intervalEmitter) stateDesc() string { return e.changes.stateDesc() }

func (e *intervalEmitter) appendState(b []byte) ([]byte, error) {
	return e.changes.appendState(appendVarint(b, e.last.UnixNano()))
}

func (e *intervalEmitter) decodeState(d *stateDecoder) func() {
	last := d.varint()
	install := e.changes.decodeState(d)
	return func() {
		e.last = time.Unix(0, last)
		install()
	}
}

// Snapshot appends the rows of every key and the events waiting for the
// watermark (component.Checkpointer).
func (o *over) Snapshot(dst []byte) ([]byte, error) { return snapshot(o, dst) }

// Restore replaces the rows and waiting events with a Snapshot's
// (component.Checkpointer).
func (o *over) Restore(src []byte) error { return restore(o, src) }

func (o *over) stateDesc() string { return o.desc }

// appendState appends the watermark, the key table, each key's ring oldest
// first (its length, then time and values per entry), the waiting events in
// arrival order, and the counters.
func (o *over) appendState(b []byte) ([]byte, error) {
	b = appendVarint(b, o.wm)
	b = o.table.appendState(b)
	k, rows := len(o.refSlots), int(o.rows)
	for g, gr := range o.table.groups {
		if gr.count < 0 {
			continue
		}
		n, head := 0, 0
		if g < len(o.count) {
			n, head = int(o.count[g]), int(o.head[g])
		}
		b = appendUvarint(b, uint64(n))
		for i := range n {
			r := g*rows + (head+i)%rows
			b = appendVarint(b, o.times[r])
			b = appendValues(b, o.vals[r*k:(r+1)*k])
		}
	}
	b = appendUvarint(b, uint64(o.n))
	for i := range o.n {
		b = appendEvent(b, &o.pending[i])
	}
	return o.lim.appendCounters(b), nil
}

func (o *over) decodeState(d *stateDecoder) func() {
	wm := d.varint()
	nt := o.table.decodeTable(d, o.now().UnixNano())
	k, rows := len(o.refSlots), int(o.rows)
	groups := len(nt.groups)
	if d.err != nil {
		groups = 0
	}
	count, head := make([]int32, groups), make([]int32, groups)
	times, vals := make([]int64, groups*rows), make([]event.Value, groups*rows*k)
	var strs int64
	for g := range groups {
		if nt.groups[g].count < 0 {
			continue
		}
		n := d.uvarint()
		if n > uint64(rows) && d.err == nil {
			d.fail("key %d holds %d rows, more than %d", g, n, rows)
		}
		if d.err != nil {
			break
		}
		count[g] = int32(n)
		for i := range int(n) {
			r := g*rows + i
			times[r] = d.varint()
			for j := range k {
				v := d.value()
				vals[r*k+j] = v
				strs += stringBytes(v)
			}
		}
	}
	pending := make([]event.Event, d.count(8+1+1))
	var waiting int64
	for i := range pending {
		d.event(&pending[i])
		waiting += waitingBytes(&pending[i])
	}
	evicted, expired := decodeCounters(d)
	return func() {
		o.wm, o.table = wm, *nt
		o.count, o.head, o.times, o.vals = count, head, times, vals
		o.pending, o.n = pending, len(pending)
		o.lim.restore(int64(nt.live()), nt.bytes()+strs+waiting, evicted, expired)
	}
}
