package ops

import (
	"encoding/binary"
	"math"

	"github.com/greenwave/greenwave/internal/event"
)

// The state of a countTable (count, aggregate and over keep their keys in
// one) is:
//
//	groups(uvarint) free(uvarint) free group ids, in the free list's order
//	per group holding a key, in group order:
//	    its key (the partition key, 8 bytes, or nk values), count, time, created
//	changed(uvarint) the ids of the changed groups holding a key
//	recency(uvarint) (id, time of the last update), least recent first;
//	    none when the table does not track recency
//
// Group ids are kept, so that whatever an operator keeps per group beside
// the table (aggregate sets, over's rings) stays with its key; the hash
// table is rebuilt from the keys, and the partition hashes are computed
// again from them.

// appendState appends the table's state to b.
func (t *countTable) appendState(b []byte) []byte {
	b = appendUvarint(b, uint64(len(t.groups)))
	b = appendUvarint(b, uint64(len(t.free)))
	for _, g := range t.free {
		b = appendUvarint(b, uint64(g))
	}
	for g := range t.groups {
		gr := &t.groups[g]
		if gr.count < 0 {
			continue
		}
		if t.nk == 0 {
			b = binary.LittleEndian.AppendUint64(b, gr.hash)
		} else {
			b = appendValues(b, t.key(int32(g)))
		}
		b = appendUvarint(b, uint64(gr.count))
		b = appendVarint(b, gr.time)
		b = appendVarint(b, gr.created)
	}
	// Changed groups whose key was removed since are left out: emitChanged
	// would drop them.
	n := 0
	for _, g := range t.dirty {
		if t.groups[g].count >= 0 {
			n++
		}
	}
	b = appendUvarint(b, uint64(n))
	for _, g := range t.dirty {
		if t.groups[g].count >= 0 {
			b = appendUvarint(b, uint64(g))
		}
	}
	if t.rec == nil {
		return appendUvarint(b, 0)
	}
	return t.rec.appendOrder(b)
}

// decodeTable reads a table appendState wrote into a new table shaped like
// t: its key width, its limit and bytes per key, its recency tracking and
// its onRemove. It changes neither t nor the limit's figures. A table that
// tracks recency restored from one that did not orders its keys by group
// id, updated at now (unix nanoseconds).
func (t *countTable) decodeTable(d *stateDecoder, now int64) *countTable {
	fresh := newCountTable(t.nk)
	nt := &fresh
	nt.lim, nt.keyBytes, nt.onRemove = t.lim, t.keyBytes, t.onRemove
	n := d.count(1)
	free := make([]bool, n)
	nt.free = make([]int32, d.count(1))
	for i := range nt.free {
		g := d.index(n, "free group")
		if d.err != nil {
			return nt
		}
		if free[g] {
			d.fail("group %d is free twice", g)
		}
		free[g], nt.free[i] = true, g
	}
	nt.groups = make([]countGroup, n)
	nt.keys = make([]event.Value, n*t.nk)
	live := 0
	for g := range nt.groups {
		if d.err != nil {
			return nt
		}
		gr := &nt.groups[g]
		if free[g] {
			gr.count = -1
			continue
		}
		if t.nk == 0 {
			gr.hash = d.u64()
		} else {
			k := nt.key(int32(g))
			for j := range k {
				k[j] = d.value()
				gr.hash = k[j].Hash(gr.hash)
			}
		}
		c := d.uvarint()
		if c > math.MaxInt64 {
			d.fail("count %d out of range", c)
		}
		gr.count, gr.time, gr.created = int64(c), d.varint(), d.varint()
		live++
	}
	if d.err != nil {
		return nt
	}
	nt.resize(slotsFor(live))
	for g := range nt.groups {
		if !free[g] && !nt.reinsert(int32(g)) {
			d.fail("group %d repeats the key of another", g)
			return nt
		}
	}
	nt.marked = make([]bool, n)
	nt.dirty = make([]int32, d.count(1))
	for i := range nt.dirty {
		g := d.index(n, "changed group")
		if d.err != nil {
			return nt
		}
		if free[g] || nt.marked[g] {
			d.fail("changed group %d is free or listed twice", g)
		}
		nt.marked[g], nt.dirty[i] = true, g
	}
	order := d.count(2)
	if t.rec == nil {
		for range order {
			d.index(n, "recent group")
			d.varint()
		}
		return nt
	}
	nt.rec = &recency{}
	if order == 0 {
		for g := range nt.groups {
			if !free[g] {
				nt.rec.update(int32(g), now)
			}
		}
		return nt
	}
	if order != live && d.err == nil {
		d.fail("the recency order holds %d of %d keys", order, live)
	}
	for range order {
		g, at := d.index(n, "recent group"), d.varint()
		if d.err != nil {
			return nt
		}
		if free[g] || (int(g) < len(nt.rec.stamps) && nt.rec.stamps[g] != 0) {
			d.fail("recent group %d is free or listed twice", g)
			return nt
		}
		nt.rec.update(g, at)
	}
	return nt
}

// slotsFor is the hash table size for n keys: the smallest power of two
// that holds them below the load limit, at least initialSlots.
func slotsFor(n int) int {
	s := initialSlots
	for n*loadDen > s*loadNum {
		s *= 2
	}
	return s
}

// reinsert puts group g's key into the hash table, which has room for it;
// it reports false, inserting nothing, when another group holds the key.
func (t *countTable) reinsert(g int32) bool {
	tag, kind := t.slotTag(g)
	mask := uint64(len(t.slots) - 1)
	for i := t.home(tag); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.g == 0 {
			*s = tableSlot{tag: tag, g: g + 1, kind: kind}
			t.used++
			return true
		}
		if s.tag == tag && s.kind == kind && (kind != kindHashed || sameValues(t.key(s.g-1), t.key(g))) {
			return false
		}
	}
}

// sameValues reports whether two keys hold identical values.
func sameValues(a, b []event.Value) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// bytes is the estimate of the bytes the table's keys hold, as the limit
// counts them: keyBytes per key plus the strings of its key.
func (t *countTable) bytes() int64 {
	b := int64(t.live()) * t.keyBytes
	for _, v := range t.keys {
		b += stringBytes(v)
	}
	return b
}
