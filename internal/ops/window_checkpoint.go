package ops

import (
	"math"

	"github.com/greenwave/greenwave/internal/agg"
	"github.com/greenwave/greenwave/internal/event"
)

// The state of a window is its watermark, its panes or sessions, and the
// eviction and expiry counters.
//
// Tumbling and hopping windows: per open window, in start order, its start,
// whether it fired, and its groups in the order their keys arrived (those
// evict_oldest dropped are left out), each its key values and aggregate
// set. The key tables are rebuilt.
//
// Session windows: the key slots as they are (each slot's generation, and
// for a slot holding a key its values, its timer and its sessions in start
// order), the free slots in reuse order, and the timer heap as it lies.
// Slots and timers are kept exactly because which session evict_oldest
// drops among sessions due at the same time depends on them.

// windowDesc describes what a window's state fits: its kind and geometry,
// its clock, its key and its aggregate layout. The allowed lateness is left
// out: it decides only how long windows are kept.
func windowDesc(c windowConf, processing bool, in *event.Schema, keySlots []int, l *agg.Layout) string {
	d := describe("window").add("window", c.kind)
	switch c.kind {
	case windowSession:
		d.duration("gap", c.gap)
	default:
		d.duration("size", c.size).duration("slide", c.slide)
	}
	clock := "event"
	if processing {
		clock = "processing"
	}
	return d.add("time", clock).fields("key", in, keySlots).layout(l).String()
}

// Snapshot appends the window's state (component.Checkpointer).
func (w *window) Snapshot(dst []byte) ([]byte, error) { return snapshot(w, dst) }

// Restore replaces the window's state with a Snapshot's
// (component.Checkpointer).
func (w *window) Restore(src []byte) error { return restore(w, src) }

func (w *window) stateDesc() string { return w.desc }

func (w *window) appendState(b []byte) ([]byte, error) {
	b = appendVarint(b, w.wm)
	var err error
	if w.conf.kind == windowSession {
		b, err = w.appendSessions(b)
	} else {
		b, err = w.appendPanes(b)
	}
	if err != nil {
		return b, err
	}
	return w.lim.appendCounters(b), nil
}

func (w *window) decodeState(d *stateDecoder) func() {
	wm := d.varint()
	var install func()
	if w.conf.kind == windowSession {
		install = w.decodeSessions(d)
	} else {
		install = w.decodePanes(d)
	}
	evicted, expired := decodeCounters(d)
	return func() {
		w.wm = wm
		install()
		w.lim.evicted, w.lim.expired = evicted, expired
		w.lim.publish()
	}
}

func (w *window) appendPanes(b []byte) ([]byte, error) {
	b = appendUvarint(b, uint64(len(w.starts)))
	for _, s := range w.starts {
		p := w.panes[s]
		b = appendVarint(b, p.start)
		b = appendBool(b, p.fired)
		b = appendUvarint(b, uint64(len(p.groups)-p.evicted))
		for i := p.evicted; i < len(p.groups); i++ {
			g := &p.groups[i]
			if g.set == nil {
				panic("BUG: window: a dropped group after the evicted ones")
			}
			b = appendValues(b, g.key)
			var err error
			if b, err = appendSet(b, g.set); err != nil {
				return b, err
			}
		}
	}
	return b, nil
}

func (w *window) decodePanes(d *stateDecoder) func() {
	nk := len(w.keySlots)
	panes := map[int64]*pane{}
	starts := make([]int64, d.count(3))
	var keys, bytes int64
	for i := range starts {
		start, fired := d.varint(), d.bool()
		switch {
		case d.err != nil:
			return nil
		case i > 0 && start <= starts[i-1]:
			d.fail("window start %d is not after %d", start, starts[i-1])
		case start%w.conf.slide != 0 || start > math.MaxInt64-w.conf.size:
			d.fail("window start %d does not fit the geometry", start)
		}
		starts[i] = start
		p := &pane{start: start, end: start + w.conf.size, fired: fired, index: newKeyTable(nk)}
		p.groups = make([]paneGroup, d.count(nk+1))
		slab := make([]event.Value, len(p.groups)*nk) // the keys, in one allocation
		for j := range p.groups {
			key := slab[j*nk : (j+1)*nk : (j+1)*nk]
			for k := range key {
				key[k] = d.value()
			}
			set := w.pool.Get()
			d.set(set)
			if d.err != nil {
				return nil
			}
			h := hashValues(key)
			if _, ok := p.index.findKey(h, key); ok {
				d.fail("window %d holds a key twice", start)
				return nil
			}
			p.groups[j] = paneGroup{key: key, set: set}
			p.index.insert(h, j, key)
			keys++
			bytes += w.entryBytes + keyBytes(key)
		}
		panes[start] = p
	}
	return func() {
		w.panes, w.starts = panes, starts
		w.lim.keys, w.lim.bytes = keys, bytes
	}
}

// hashValues hashes key values as hashSlots hashes them in an event.
func hashValues(key []event.Value) uint64 {
	var h uint64
	for _, v := range key {
		h = v.Hash(h)
	}
	return h
}

// findKey returns the index of the group whose key equals key (of hash h).
func (t *keyTable) findKey(h uint64, key []event.Value) (int, bool) {
	i, ok := t.first[h]
	for ok && i >= 0 {
		if k := t.keys[i]; k != nil && sameValues(k, key) {
			return int(i), true
		}
		i = t.next[i]
	}
	return -1, false
}

func (w *window) appendSessions(b []byte) ([]byte, error) {
	b = appendUvarint(b, uint64(len(w.sessKeys)))
	b = appendUvarint(b, uint64(len(w.freeKeys)))
	for _, k := range w.freeKeys {
		b = appendUvarint(b, uint64(k))
	}
	for i := range w.sessKeys {
		sk := &w.sessKeys[i]
		b = appendUvarint(b, uint64(sk.gen))
		if sk.key == nil {
			continue // free
		}
		b = appendValues(b, sk.key)
		b = appendVarint(b, sk.timerAt)
		b = appendUvarint(b, uint64(len(sk.sessions)))
		for _, s := range sk.sessions {
			b = appendVarint(b, s.start)
			b = appendVarint(b, s.end)
			b = appendBool(b, s.fired)
			var err error
			if b, err = appendSet(b, s.set); err != nil {
				return b, err
			}
		}
	}
	b = appendUvarint(b, uint64(len(w.due)))
	for _, t := range w.due {
		b = appendVarint(b, t.at)
		b = appendUvarint(b, uint64(t.key))
		b = appendUvarint(b, uint64(t.gen))
	}
	return b, nil
}

func (w *window) decodeSessions(d *stateDecoder) func() {
	nk := len(w.keySlots)
	n := d.count(1)
	free := make([]bool, n)
	freeKeys := make([]int32, d.count(1))
	for i := range freeKeys {
		k := d.index(n, "free key slot")
		if d.err != nil {
			return nil
		}
		if free[k] {
			d.fail("key slot %d is free twice", k)
		}
		free[k], freeKeys[i] = true, k
	}
	sessKeys := make([]sessionKey, n)
	index := map[uint64][]int32{}
	var sessions, bytes int64
	for i := range sessKeys {
		sk := &sessKeys[i]
		sk.gen, sk.timerAt = uint32(d.uvarint()), math.MaxInt64
		if free[i] {
			continue
		}
		sk.key = d.values(nk)
		sk.timerAt = d.varint()
		sk.sessions = make([]session, d.count(3+1))
		for j := range sk.sessions {
			s := &sk.sessions[j]
			s.start, s.end, s.fired = d.varint(), d.varint(), d.bool()
			s.set = w.pool.Get()
			d.set(s.set)
			if d.err == nil && (s.start >= s.end || j > 0 && s.start < sk.sessions[j-1].end) {
				d.fail("session [%d, %d) is empty or overlaps the one before", s.start, s.end)
			}
		}
		if d.err != nil {
			return nil
		}
		sk.hash = hashValues(sk.key)
		for _, o := range index[sk.hash] {
			if sameValues(sessKeys[o].key, sk.key) {
				d.fail("key slots %d and %d hold the same key", o, i)
				return nil
			}
		}
		index[sk.hash] = append(index[sk.hash], int32(i))
		sessions += int64(len(sk.sessions))
		bytes += w.sessKeyBytes + keyBytes(sk.key) + int64(len(sk.sessions))*w.sessBytes
	}
	var due sessionHeap
	timed := make([]bool, n)
	for range d.count(3) {
		t := sessionTimer{at: d.varint(), key: int(d.index(n, "timer's key slot")), gen: uint32(d.uvarint())}
		if d.err != nil {
			return nil
		}
		if sk := &sessKeys[t.key]; sk.gen == t.gen && sk.timerAt == t.at {
			timed[t.key] = true
		}
		due.push(t)
	}
	for i := range sessKeys {
		if sk := &sessKeys[i]; len(sk.sessions) > 0 && !timed[i] {
			d.fail("key slot %d has sessions but no timer", i)
			return nil
		}
	}
	return func() {
		w.sessKeys, w.freeKeys, w.sessIndex, w.due = sessKeys, freeKeys, index, due
		w.lim.keys, w.lim.bytes = sessions, bytes
	}
}
