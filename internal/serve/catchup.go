package serve

import (
	"cmp"
	"slices"
)

// catchUp appends to dst the frame that brings a subscriber at from-1,
// whose next deltas have left the window, to the table's latest snapshot
// S: with frames, a subscriber that fell behind the window (a slow reader,
// or one stalled for a while) is brought forward without a gap. A frame is
// a conflated range, and the last delta of every key changed since from is
// either its row's (a row keeps the delta that set it) or, for a key
// deleted since, a delete still in the window; the frame holds those
// deltas in sequence order and carries the checksum at S, as a frame built
// from the window would. Frames built so are cached for the pass like the
// others, so subscribers that lag from the same place share one.
//
// ok is false (dst as it was) when that cannot be known and the
// subscriber must resync: a delete after from-1 has left the window (its
// key is in neither the rows nor the window), before or while it is read,
// or the frame would hold more than the framer's max deltas.
// It reads the table's snapshot (the table's mutex is taken only to copy
// row pointers, as for any snapshot), so the sink never waits on it.
func (f *framer) catchUp(dst []*Msg, t *Table, from uint64) (_ []*Msg, ok bool) {
	snap := t.Snapshot()
	for i := range f.cache {
		if e := &f.cache[i]; e.from == from && e.to == snap.Seq {
			return append(dst, e.msgs...), true
		}
	}
	raw, ok := t.lastChanges(f.raw[:0], snap, from, f.max)
	f.raw = raw[:0]
	if !ok {
		return dst, false
	}
	m := f.build(from, snap.Seq, raw)
	clear(raw)
	f.cache = append(f.cache, framed{from: from, to: snap.Seq, msgs: []*Msg{m}})
	return append(dst, m), true
}

// lastChanges appends to raw, in sequence order, the last delta of every
// key changed from from to snap.Seq: the rows' deltas from snap and the
// deletes in the window. ok is false (raw emptied) when a delete of that
// range may be missing or there are more than limit of them. Safe from
// any goroutine.
func (t *Table) lastChanges(raw []*Msg, snap *Snapshot, from uint64, limit int) (_ []*Msg, ok bool) {
	w := t.window
	// first, then lostDel: a delete evicted before first moved past it
	// is in lostDel by then.
	first := w.first.Load()
	if snap.Seq < from || w.lostDel.Load() >= from {
		return raw, false
	}
	fail := func() ([]*Msg, bool) {
		clear(raw)
		return raw[:0], false
	}
	for _, r := range snap.rows {
		if r.msg != nil && r.msg.Seq >= from { // restored rows (no msg) predate from
			raw = append(raw, r.msg)
		}
	}
	for s := max(from, first); s <= snap.Seq; s++ {
		// A slot evicted meanwhile (nil, or reused) held no delete if
		// lostDel, checked below, is still before from.
		if m := w.slot(s).Load(); m != nil && m.Seq == s && m.del {
			raw = append(raw, m)
		}
	}
	if w.lostDel.Load() >= from || len(raw) == 0 || len(raw) > limit {
		return fail()
	}
	slices.SortFunc(raw, func(a, b *Msg) int { return cmp.Compare(a.Seq, b.Seq) })
	if raw[len(raw)-1].Seq != snap.Seq {
		// The change at S is a live row's or a delete in the window;
		// anything else means the snapshot and the window disagree.
		return fail()
	}
	return raw, true
}
