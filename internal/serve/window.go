package serve

// window is the table's retained deltas: the most recent ones, at most
// max messages and maxBytes bytes, in sequence order. A subscriber resumes
// from it (?from=SEQ) and the writers read new deltas out of it. It is
// guarded by the table's mutex.
type window struct {
	buf      []*Msg // ring of capacity max
	start    int    // index of the oldest held
	n        int
	first    uint64 // seq of the oldest held; the next pushed when n == 0
	bytes    int64
	maxBytes int64
	// evicted counts messages pushed out by the bounds.
	evicted uint64
}

func newWindow(max int, maxBytes int64) window {
	return window{buf: make([]*Msg, max), first: 1, maxBytes: maxBytes}
}

// push appends m, whose Seq must follow the newest held, evicting the
// oldest while a bound is exceeded.
func (w *window) push(m *Msg) {
	if m.Seq != w.first+uint64(w.n) {
		panic("BUG: serve: window pushed out of sequence")
	}
	for w.n > 0 && (w.n == len(w.buf) || w.bytes+m.Size() > w.maxBytes) {
		w.pop()
	}
	if w.n == 0 {
		w.first = m.Seq
	}
	i := w.start + w.n
	if i >= len(w.buf) {
		i -= len(w.buf)
	}
	w.buf[i] = m
	w.n++
	w.bytes += m.Size()
}

func (w *window) pop() {
	m := w.buf[w.start]
	w.buf[w.start] = nil
	w.bytes -= m.Size()
	w.start++
	if w.start == len(w.buf) {
		w.start = 0
	}
	w.n--
	w.first++
	w.evicted++
}

// appendFrom appends the held messages from seq on to dst. ok is false
// when seq is older than the oldest held (the deltas in between are gone).
func (w *window) appendFrom(dst []*Msg, seq uint64) (_ []*Msg, ok bool) {
	if seq < w.first {
		return dst, false
	}
	for k := int(seq - w.first); k < w.n; k++ {
		i := w.start + k
		if i >= len(w.buf) {
			i -= len(w.buf)
		}
		dst = append(dst, w.buf[i])
	}
	return dst, true
}
