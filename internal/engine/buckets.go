package engine

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// LatencyBuckets are the upper bounds of the coarse latency histograms
// every sink keeps beside its precise one: powers of four from 1 µs to
// about 67 s (4^13 µs), then everything above. Prometheus scrapes them for the price of a
// few atomic loads per sink, however many sinks there are; the precise
// histogram (Stats' Latency) serves readers that want exact percentiles.
var LatencyBuckets = func() []time.Duration {
	var out []time.Duration
	for d := time.Microsecond; len(out) < nLatencyBuckets-1; d *= 4 {
		out = append(out, d)
	}
	return out
}()

// nLatencyBuckets is len(LatencyBuckets) plus the overflow bucket.
const nLatencyBuckets = 15

// coarseHist counts values (ns) per LatencyBuckets bucket, non-cumulative,
// and their sum. One writer (the sink's goroutine); any reader.
type coarseHist struct {
	counts [nLatencyBuckets]atomic.Uint64
	// sum is the values' total in seconds, a float64's bits: an event-time
	// lag of months times millions of events overflows nanoseconds.
	sum atomic.Uint64
}

// bucketOf is the index of the first bound at or above ns.
func bucketOf(ns int64) int {
	if ns <= int64(time.Microsecond) {
		return 0
	}
	// Bound k is 1000 ns · 4^k; find the smallest k with bound ≥ ns.
	q := uint64((ns + 999) / 1000) // in µs, rounded up
	k := (bits.Len64(q-1) + 1) / 2
	return min(k, nLatencyBuckets-1)
}

func (h *coarseHist) add(ns int64, n int64) {
	c := &h.counts[bucketOf(ns)]
	c.Store(c.Load() + uint64(n))
	h.sum.Store(math.Float64bits(math.Float64frombits(h.sum.Load()) + float64(ns)*float64(n)/1e9))
}

// Hist is a coarse histogram read from a sink: Counts[i] values at or
// below LatencyBuckets[i] (and above the bound before), the last one
// everything above; Sum their total in seconds.
type Hist struct {
	Counts [nLatencyBuckets]uint64
	Sum    float64
}

func (h *coarseHist) read() Hist {
	var out Hist
	for i := range out.Counts {
		out.Counts[i] = h.counts[i].Load()
	}
	out.Sum = math.Float64frombits(h.sum.Load())
	return out
}

// Count is the number of values in h.
func (h Hist) Count() uint64 {
	var n uint64
	for _, c := range h.Counts {
		n += c
	}
	return n
}
