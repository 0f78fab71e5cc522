package sim

import (
	"math"
	"math/bits"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Latency summarises the latencies of the completed requests, in seconds.
// Mean and Max are exact; P95 and P99 come from an HDR histogram with three
// significant digits (the true value or up to 0.1% above it), clamped to the
// exact maximum.
type Latency struct {
	Count int64   `json:"count"`
	Mean  float64 `json:"mean"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

// HDR geometry for a lowest discernible value of 1 ns and three significant
// digits: 2048 sub-buckets, of which each bucket after the first uses the
// upper 1024.
const (
	hdrDigits            = 3
	hdrSubBucketHalfMag  = 10
	hdrSubBucketHalf     = 1 << hdrSubBucketHalfMag
	hdrSubBucketMask     = 2*hdrSubBucketHalf - 1
	hdrSubBucketCountMag = hdrSubBucketHalfMag + 1
)

// recorder accumulates nanosecond latencies in constant memory. It counts
// straight into an array laid out as hdrhistogram-go's Histogram lays out its
// counts (New(1, highest, 3)), which skips the library's per-value checks on
// the simulator's hot path; summary hands the array to hdrhistogram.Import
// for the percentile queries. recorder_test.go checks the layout against the
// library's own RecordValue.
type recorder struct {
	counts  []int64
	highest int64
	sum     float64
	max     int64
}

// newRecorder returns a recorder for values in [0, highest] ns.
func newRecorder(highest int64) *recorder {
	highest = max(highest, 2)
	return &recorder{counts: make([]int64, hdrCountsLen(highest)), highest: highest}
}

// hdrCountsLen returns the length of the counts array of
// hdrhistogram.New(1, highest, 3): one bucket of 2048 values, then one more
// bucket of 1024 for every doubling needed to reach highest.
func hdrCountsLen(highest int64) int {
	buckets := 1
	for limit := int64(2 * hdrSubBucketHalf); limit <= highest; limit <<= 1 {
		buckets++
		if limit > math.MaxInt64/2 {
			break
		}
	}
	return (buckets + 1) * hdrSubBucketHalf
}

// hdrIndex returns the index of v's count in the HDR layout above.
func hdrIndex(v int64) int {
	bucket := 64 - bits.LeadingZeros64(uint64(v)|hdrSubBucketMask) - hdrSubBucketCountMag
	sub := int(v >> uint(bucket))
	return (bucket+1)<<hdrSubBucketHalfMag + sub - hdrSubBucketHalf
}

// record counts v, which must be in [0, highest]; anything else is a broken
// invariant of the simulation and panics with an index error.
func (r *recorder) record(v int64) {
	r.counts[hdrIndex(v)]++
	r.sum += float64(v)
	r.max = max(r.max, v)
}

// histogram returns the recorded values as an HDR histogram.
func (r *recorder) histogram() *hdrhistogram.Histogram {
	return hdrhistogram.Import(&hdrhistogram.Snapshot{
		LowestTrackableValue:  1,
		HighestTrackableValue: r.highest,
		SignificantFigures:    hdrDigits,
		Counts:                r.counts,
	})
}

func (r *recorder) summary() Latency {
	h := r.histogram()
	n := h.TotalCount()
	if n == 0 {
		return Latency{}
	}
	q := func(p float64) float64 { return float64(min(h.ValueAtPercentile(p), r.max)) / 1e9 }
	return Latency{
		Count: n,
		Mean:  r.sum / float64(n) / 1e9,
		P95:   q(95),
		P99:   q(99),
		Max:   float64(r.max) / 1e9,
	}
}
