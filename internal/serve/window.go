package serve

import "sync/atomic"

// window is the table's retained deltas: the most recent ones, at most
// max messages and maxBytes bytes, in sequence order. A subscriber resumes
// from it (?from=SEQ) and the writers read new deltas out of it.
//
// One goroutine (the sink's) pushes; any number read, without a lock:
// each slot is an atomic pointer to an immutable Msg, and a reader checks
// that the message it loaded has the sequence number it wanted (a slot
// reused for a newer delta means the one wanted is gone). head and first
// are published after the slots they cover, so the sink never waits for a
// reader and a reader never waits for the sink.
type window struct {
	slots []atomic.Pointer[Msg]
	head  atomic.Uint64 // the newest seq pushed (0: none)
	first atomic.Uint64 // the oldest seq held; head+1 when empty
	// lostDel is the newest delete that has left the window (or the seq
	// a restored window starts after): a frame built from the table's
	// rows (framer.catchUp) cannot start at or before it. Stored before
	// first moves past it.
	lostDel atomic.Uint64

	// The pusher's; published for Stats.
	n, bytes, maxBytes int64
	pubN, pubBytes     atomic.Int64
	evicted            atomic.Uint64
}

func newWindow(max int, maxBytes int64) *window {
	w := &window{slots: make([]atomic.Pointer[Msg], max), maxBytes: maxBytes}
	w.first.Store(1)
	return w
}

func (w *window) slot(seq uint64) *atomic.Pointer[Msg] { return &w.slots[seq%uint64(len(w.slots))] }

// push appends m, whose Seq must follow the newest held, evicting the
// oldest while a bound is exceeded. It does not publish head: publish
// does, once per batch.
func (w *window) push(m *Msg) {
	first := w.first.Load()
	if m.Seq != first+uint64(w.n) {
		panic("BUG: serve: window pushed out of sequence")
	}
	for w.n > 0 && (w.n == int64(len(w.slots)) || w.bytes+m.Size() > w.maxBytes) {
		sl := w.slot(first)
		old := sl.Load()
		if old.del {
			w.lostDel.Store(old.Seq)
		}
		w.bytes -= old.Size()
		w.n--
		first++
		w.first.Store(first) // before the slot is cleared or reused
		sl.Store(nil)        // the bytes bound holds for memory too
		w.evicted.Add(1)
	}
	w.slot(m.Seq).Store(m)
	w.n++
	w.bytes += m.Size()
}

// restart makes an empty window start after seq: the next push is seq+1.
// Only before anything is pushed or read (a restored table).
func (w *window) restart(seq uint64) {
	if w.n != 0 || w.head.Load() != 0 {
		panic("BUG: serve: a window restarted after use")
	}
	w.lostDel.Store(seq)
	w.first.Store(seq + 1)
	w.head.Store(seq)
}

// publish makes the pushed messages up to head visible to readers.
func (w *window) publish(head uint64) {
	w.head.Store(head)
	w.pubN.Store(w.n)
	w.pubBytes.Store(w.bytes)
}

// appendFrom appends the held messages from seq up to head (as published)
// to dst. from is the seq of the first message appended; it is above seq
// when the deltas from seq to from-1 are gone (older than the window).
func (w *window) appendFrom(dst []*Msg, seq uint64) (_ []*Msg, from uint64) {
	head := w.head.Load()
	from = max(seq, w.first.Load())
	start := len(dst)
	for s := from; s <= head; s++ {
		m := w.slot(s).Load()
		if m == nil || m.Seq != s {
			// Reused for a newer delta while we read: everything up to
			// here is gone.
			clear(dst[start:])
			dst = dst[:start]
			from = s + 1
			continue
		}
		dst = append(dst, m)
	}
	return dst, from
}

// appendRange appends the messages from seq from to seq to (both held,
// to at most the published head) to dst. ok is false, and dst as it was,
// when the window no longer holds every one of them by the end of the
// read.
func (w *window) appendRange(dst []*Msg, from, to uint64) (_ []*Msg, ok bool) {
	if from < w.first.Load() || to > w.head.Load() {
		return dst, false
	}
	start := len(dst)
	for s := from; s <= to; s++ {
		m := w.slot(s).Load()
		if m == nil || m.Seq != s {
			clear(dst[start:])
			return dst[:start], false
		}
		dst = append(dst, m)
	}
	if from < w.first.Load() {
		// Evicted while we read: its key ids may have been released
		// and reused within the range read (see Table.releaseIDs).
		clear(dst[start:])
		return dst[:start], false
	}
	return dst, true
}
