package dispatch

import (
	"slices"
	"time"
)

// The sizes of the measurement windows.
const (
	gapWindow      = 1024 // wake-up gaps kept for Stats and the verdict
	latenessWindow = 256  // wake-up lateness values compensation reads
	latenessEvery  = 32   // wake-ups between two sorts of the lateness window
	snapshotEvery  = 100 * time.Millisecond
	snapshots      = 16 // 1.6 s of snapshots: "the last second" always has one
	rateWindow     = time.Second
)

// ring keeps the last n durations.
type ring struct {
	v    []time.Duration
	next int
	full bool
}

func newRing(n int) ring { return ring{v: make([]time.Duration, n)} }

func (r *ring) add(d time.Duration) {
	r.v[r.next] = d
	r.next++
	if r.next == len(r.v) {
		r.next, r.full = 0, true
	}
}

func (r *ring) len() int {
	if r.full {
		return len(r.v)
	}
	return r.next
}

// values returns a copy of the kept values, oldest first.
func (r *ring) values() []time.Duration {
	if !r.full {
		return slices.Clone(r.v[:r.next])
	}
	return append(slices.Clone(r.v[r.next:]), r.v[:r.next]...)
}

// meanP99 returns the mean and the 99th percentile (nearest rank) of ds.
func meanP99(ds []time.Duration) (mean, p99 time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return sum / time.Duration(len(s)), s[p99Index(len(s))]
}

// p99Index is the nearest-rank index of the 99th percentile of n sorted
// values.
func p99Index(n int) int { return min(n-1, (n*99+99)/100-1) }

// lateness tracks the lateness of the recent wake-ups and its 99th
// percentile, re-sorted every latenessEvery wake-ups (between sorts a
// wake-up's own lateness still counts: see compensation).
type lateness struct {
	r      ring
	n      int
	p99    time.Duration
	sorted []time.Duration
}

func newLateness() lateness { return lateness{r: newRing(latenessWindow)} }

func (l *lateness) add(d time.Duration) {
	l.r.add(d)
	l.n++
	if l.n%latenessEvery == 0 || l.r.len() < latenessEvery {
		l.sorted = append(l.sorted[:0], l.r.v[:l.r.len()]...)
		slices.Sort(l.sorted)
		l.p99 = l.sorted[p99Index(len(l.sorted))]
	}
}

// snapshot is the counters at one time, for rates over the last second.
type snapshot struct {
	t                              time.Time
	enqueued, dispatched, complete uint64
	busy                           time.Duration
}

// history keeps a snapshot every snapshotEvery.
type history struct {
	s    [snapshots]snapshot
	n    int // snapshots taken
	last time.Time
}

// due reports whether a snapshot is due at now.
func (h *history) due(now time.Time) bool { return h.n == 0 || now.Sub(h.last) >= snapshotEvery }

func (h *history) add(s snapshot) {
	h.s[h.n%snapshots] = s
	h.n++
	h.last = s.t
}

// since returns the newest snapshot at least rateWindow before now, or the
// oldest one kept, and whether there is any.
func (h *history) since(now time.Time) (snapshot, bool) {
	if h.n == 0 {
		return snapshot{}, false
	}
	oldest := max(0, h.n-snapshots)
	best := h.s[oldest%snapshots]
	for i := oldest; i < h.n; i++ {
		s := h.s[i%snapshots]
		if now.Sub(s.t) < rateWindow {
			break
		}
		best = s
	}
	return best, true
}
