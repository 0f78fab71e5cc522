package ops

import (
	"container/heap"
	"slices"

	"github.com/greenwave/greenwave/internal/agg"
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// sessionKey holds one key's open session windows, sorted by start. A key
// with no open session is freed and its slot reused; gen tells the reuses
// apart, so that a timer set for the slot's previous key is ignored.
type sessionKey struct {
	key      []event.Value
	sessions []session
	gen      uint32
	hash     uint64
}

// session is one session window [start, end): end is the last event's time
// plus the gap. version changes whenever the session grows, so that stale
// timer entries are recognised.
type session struct {
	start, end int64
	set        *agg.Set
	fired      bool
	version    uint32
}

// sessionTimer asks for a look at one key's session when the watermark
// reaches at: to fire it (at = end-1) or to free it (at = end-1+lateness).
type sessionTimer struct {
	at      int64
	key     int
	gen     uint32
	start   int64
	version uint32
}

type sessionHeap []sessionTimer

func (h sessionHeap) Len() int           { return len(h) }
func (h sessionHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h sessionHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *sessionHeap) Push(x any)        { *h = append(*h, x.(sessionTimer)) }
func (h *sessionHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// addSession adds e to its key's session, merging the sessions it bridges.
func (w *window) addSession(e *event.Event, out *component.Output) {
	t := e.Time
	ki := w.sessionKeyOf(e)
	sk := &w.sessKeys[ki]
	start, end := t, t+w.conf.gap
	// Sessions overlapping [start, end) merge with it.
	lo, hi := -1, -1
	for i := range sk.sessions {
		s := &sk.sessions[i]
		if s.start < end && start < s.end {
			if lo < 0 {
				lo = i
			}
			hi = i
		}
	}
	if lo >= 0 {
		start = min(start, sk.sessions[lo].start)
		for i := lo; i <= hi; i++ {
			end = max(end, sk.sessions[i].end)
		}
	}
	if w.late(end) {
		out.Side(0).Emit(e)
		return
	}
	var merged session
	if lo < 0 {
		merged = session{start: start, end: end, set: w.pool.Get()}
		i, _ := slices.BinarySearchFunc(sk.sessions, start, func(s session, v int64) int { return cmpInt(s.start, v) })
		sk.sessions = slices.Insert(sk.sessions, i, merged)
		lo = i
	} else {
		merged = sk.sessions[lo]
		for i := lo + 1; i <= hi; i++ {
			o := sk.sessions[i]
			if err := merged.set.Merge(o.set); err != nil {
				panic("BUG: merging sessions of one layout: " + err.Error())
			}
			merged.fired = merged.fired || o.fired
			w.pool.Put(o.set)
		}
		merged.start, merged.end = start, end
		sk.sessions = slices.Delete(sk.sessions, lo+1, hi+1)
	}
	s := &sk.sessions[lo]
	*s = merged
	s.set.Add(e)
	s.version++
	heap.Push(&w.due, sessionTimer{at: s.end - 1, key: ki, gen: sk.gen, start: s.start, version: s.version})
	if s.fired {
		// Late but within the allowed lateness: emit the update now.
		w.emitRow(out, s.start, s.end, sk.key, s.set)
	}
}

// fireSessions emits the sessions the watermark has closed, in end order
// (then key order), and frees those whose lateness has passed.
func (w *window) fireSessions(out *component.Output) {
	w.fired = w.fired[:0]
	for len(w.due) > 0 && w.due[0].at <= w.wm {
		tm := heap.Pop(&w.due).(sessionTimer)
		sk := &w.sessKeys[tm.key]
		if sk.gen != tm.gen {
			continue // the slot holds another key now
		}
		i := slices.IndexFunc(sk.sessions, func(s session) bool { return s.start == tm.start && s.version == tm.version })
		if i < 0 {
			continue // the session grew or merged since: a newer timer covers it
		}
		s := &sk.sessions[i]
		if !s.fired {
			s.fired = true
			w.fired = append(w.fired, firedSession{key: tm.key, start: s.start, end: s.end, set: s.set})
		}
		if w.late(s.end) {
			w.cleanup[tm.key] = true
			continue
		}
		heap.Push(&w.due, sessionTimer{at: s.end - 1 + w.conf.lateness, key: tm.key, gen: tm.gen, start: s.start, version: s.version})
	}
	slices.SortFunc(w.fired, func(a, b firedSession) int {
		if a.end != b.end {
			return cmpInt(a.end, b.end)
		}
		return compareKeys(w.sessKeys[a.key].key, w.sessKeys[b.key].key)
	})
	for _, f := range w.fired {
		w.emitRow(out, f.start, f.end, w.sessKeys[f.key].key, f.set)
	}
	for k := range w.cleanup {
		w.freeLate(k)
	}
	clear(w.cleanup)
}

// freeLate frees key k's sessions whose lateness has passed, and the key
// itself when it has none left.
func (w *window) freeLate(k int) {
	sk := &w.sessKeys[k]
	kept := sk.sessions[:0]
	for _, s := range sk.sessions {
		if s.fired && w.late(s.end) {
			w.pool.Put(s.set)
			continue
		}
		kept = append(kept, s)
	}
	sk.sessions = kept
	if len(kept) > 0 {
		return
	}
	ids := w.sessIndex[sk.hash]
	if i := slices.Index(ids, int32(k)); i >= 0 {
		ids = slices.Delete(ids, i, i+1)
	}
	if len(ids) == 0 {
		delete(w.sessIndex, sk.hash)
	} else {
		w.sessIndex[sk.hash] = ids
	}
	sk.key, sk.sessions = nil, sk.sessions[:0]
	sk.gen++
	w.freeKeys = append(w.freeKeys, int32(k))
}

// sessionKeyOf returns the slot of e's key, creating it.
func (w *window) sessionKeyOf(e *event.Event) int {
	h := hashSlots(e, w.keySlots)
	for _, i := range w.sessIndex[h] {
		if keyMatches(w.sessKeys[i].key, e, w.keySlots) {
			return int(i)
		}
	}
	var k int
	if n := len(w.freeKeys); n > 0 {
		k = int(w.freeKeys[n-1])
		w.freeKeys = w.freeKeys[:n-1]
	} else {
		k = len(w.sessKeys)
		w.sessKeys = append(w.sessKeys, sessionKey{})
	}
	sk := &w.sessKeys[k]
	sk.key, sk.hash = copyKey(e, w.keySlots), h
	w.sessIndex[h] = append(w.sessIndex[h], int32(k))
	return k
}

// OpenKeys returns how many keys hold session state (for tests and stats).
func (w *window) openKeys() int { return len(w.sessKeys) - len(w.freeKeys) }

type firedSession struct {
	key        int
	start, end int64
	set        *agg.Set
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
