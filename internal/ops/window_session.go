package ops

import (
	"math"
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
	// timerAt is when the key's one pending timer is due (MaxInt64: none).
	timerAt int64
}

// session is one session window [start, end): end is the last event's time
// plus the gap. Sessions that touch (one's end is the other's start) are one
// session, as Flink's TimeWindow.intersects has it: an event exactly gap
// after the last one extends the session. So a session is complete only
// when the watermark reaches its end (no event at or before end can come),
// not end-1 as a tumbling window, and its row has the time end.
type session struct {
	start, end int64
	set        *agg.Set
	fired      bool
}

// sessionTimer asks for a look at one key's sessions when the watermark
// reaches at: to fire those that ended, or free those past their lateness.
// A key has at most one timer that counts (at == its timerAt); entries left
// behind by an earlier schedule are skipped when they come up.
type sessionTimer struct {
	at  int64
	key int
	gen uint32
}

// sessionHeap orders the timers by when they are due.
type sessionHeap = minHeap[sessionTimer]

func (t sessionTimer) due() int64 { return t.at }

// schedule makes sure key k has a timer for its earliest due session: the
// end of an open one, or the end plus lateness of a fired one.
func (w *window) schedule(k int) {
	sk := &w.sessKeys[k]
	next := int64(math.MaxInt64)
	for _, s := range sk.sessions {
		due := s.end
		if s.fired {
			due += w.conf.lateness
		}
		next = min(next, due)
	}
	if next < sk.timerAt {
		sk.timerAt = next
		w.due.push(sessionTimer{at: next, key: k, gen: sk.gen})
	}
}

// addSession adds e to its key's session, merging the sessions it bridges.
// It fails when e opens a session and the state limit has no room for it.
func (w *window) addSession(e *event.Event, out *component.Output) error {
	t := e.Time
	ki := w.sessionKeyOf(e)
	sk := &w.sessKeys[ki]
	start, end := t, t+w.conf.gap
	// Sessions overlapping or touching [start, end) merge with it.
	lo, hi := -1, -1
	for i := range sk.sessions {
		s := &sk.sessions[i]
		if s.start <= end && start <= s.end {
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
	if w.sessionLate(end) {
		out.Side(0).Emit(e)
		if len(sk.sessions) == 0 {
			w.freeKey(ki) // made for e alone
		}
		return nil
	}
	if lo < 0 && !w.lim.fits(w.sessBytes) {
		if !w.evictSessions(w.sessBytes) {
			return w.lim.full(true, w.sessBytes)
		}
		// The evicted sessions may have been this key's: start again.
		return w.addSession(e, out)
	}
	var merged session
	if lo < 0 {
		w.lim.add(w.sessBytes)
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
			w.lim.remove(w.sessBytes)
		}
		merged.start, merged.end = start, end
		sk.sessions = slices.Delete(sk.sessions, lo+1, hi+1)
	}
	s := &sk.sessions[lo]
	*s = merged
	s.set.Add(e)
	w.schedule(ki)
	if s.fired {
		// Late but within the allowed lateness: emit the update now.
		w.emitRow(out, s.start, s.end, sk.key, s.set)
	}
	return nil
}

// evictSessions drops sessions until one more of b bytes fits, when the
// policy allows, and reports whether it fits. Each time it takes the
// session due first: the key whose timer comes first (its earliest session
// end, or end plus lateness once fired), and of that key the session due
// first.
func (w *window) evictSessions(b int64) bool {
	if !w.lim.evict {
		return false
	}
	for !w.lim.fits(b) {
		if len(w.due) == 0 {
			return false
		}
		tm := w.due.pop()
		k := tm.key
		sk := &w.sessKeys[k]
		if sk.gen != tm.gen || sk.timerAt != tm.at {
			continue // stale
		}
		first, due := 0, int64(math.MaxInt64)
		for i, s := range sk.sessions {
			d := s.end
			if s.fired {
				d += w.conf.lateness
			}
			if d < due {
				first, due = i, d
			}
		}
		w.pool.Put(sk.sessions[first].set)
		sk.sessions = slices.Delete(sk.sessions, first, first+1)
		w.lim.remove(w.sessBytes)
		w.lim.evicted++
		sk.timerAt = math.MaxInt64
		if len(sk.sessions) == 0 {
			w.freeKey(k)
		} else {
			w.schedule(k)
		}
	}
	return true
}

// fireSessions emits the sessions the watermark has closed, in end order
// (then key order), and frees those whose lateness has passed.
func (w *window) fireSessions(out *component.Output) {
	w.fired = w.fired[:0]
	for len(w.due) > 0 && w.due[0].at <= w.wm {
		tm := w.due.pop()
		sk := &w.sessKeys[tm.key]
		if sk.gen != tm.gen || sk.timerAt != tm.at {
			continue // the slot holds another key, or a later schedule replaced this timer
		}
		sk.timerAt = math.MaxInt64
		for i := range sk.sessions {
			s := &sk.sessions[i]
			if !s.fired && s.end <= w.wm {
				s.fired = true
				w.fired = append(w.fired, firedSession{key: tm.key, start: s.start, end: s.end, set: s.set})
			}
		}
		w.cleanup = append(w.cleanup, tm.key)
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
	for _, k := range w.cleanup {
		if !w.freeLate(k) {
			w.schedule(k)
		}
	}
	w.cleanup = w.cleanup[:0]
}

// sessionLate reports whether a session ending at end can no longer take
// events: the watermark has passed its end by the allowed lateness.
func (w *window) sessionLate(end int64) bool {
	return w.wm != event.MinWatermark && end+w.conf.lateness <= w.wm
}

// freeLate frees key k's sessions whose lateness has passed, and the key
// itself when it has none left (then it reports true).
func (w *window) freeLate(k int) bool {
	sk := &w.sessKeys[k]
	kept := sk.sessions[:0]
	for _, s := range sk.sessions {
		if s.fired && w.sessionLate(s.end) {
			w.pool.Put(s.set)
			w.lim.remove(w.sessBytes)
			continue
		}
		kept = append(kept, s)
	}
	sk.sessions = kept
	if len(kept) > 0 {
		return false
	}
	w.freeKey(k)
	return true
}

// freeKey frees key k, which holds no session, for reuse.
func (w *window) freeKey(k int) {
	sk := &w.sessKeys[k]
	w.lim.grow(-(w.sessKeyBytes + keyBytes(sk.key)))
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
	sk.timerAt = math.MaxInt64
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
	sk.key, sk.hash, sk.timerAt = copyKey(e, w.keySlots), h, math.MaxInt64
	w.sessIndex[h] = append(w.sessIndex[h], int32(k))
	w.lim.grow(w.sessKeyBytes + keyBytes(sk.key))
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
