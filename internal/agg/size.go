package agg

import (
	"unsafe"

	"github.com/greenwave/greenwave/internal/event"
)

// Upper bounds of the sketches' memory, from their configured limits.
const (
	// A distinct state holds up to 2·ExactDistinct hashes in its exact
	// set, kept after it turns dense, plus a HyperLogLog of
	// 2^DistinctPrecision registers (bounded here at a byte each).
	maxDistinctBytes = 2*ExactDistinct*8 + 1<<DistinctPrecision
	// A DDSketch has two stores (positive and negative values) of at most
	// maxQuantileBins float64 bins, each in a slice that append may have
	// grown up to a quarter beyond it, plus its own structures.
	maxQuantileBytes = 2*maxQuantileBins*8*5/4 + 512
	// topIndexBytes bounds one entry of top_k's value index (a map entry
	// with its share of the table's empty room).
	topIndexBytes = 48
)

// MaxSetBytes returns an upper bound of the memory one Set of l holds: its
// fixed part, and every sketch and counter table at the largest size it
// can grow to (count_distinct about 32 KiB, percentile about 40 KiB, top_k
// about 160 bytes per counter, at least 100 counters). It leaves out the
// bytes of the string values a Set keeps (min, max, first and last of a
// string field, top_k's values), which only the data decides.
//
// Keyed operators charge it for each Set against their max_state, so that
// the estimate of their state never falls short because a sketch grew
// after it was counted. It is computed from the layout alone and costs
// nothing per event.
func (l *Layout) MaxSetBytes() int64 {
	n := int64(unsafe.Sizeof(Set{})) + int64(l.maxCalls)*int64(unsafe.Sizeof(event.Value{}))
	n += int64(len(l.stats)) * int64(unsafe.Sizeof(stat{}))
	n += int64(len(l.edges)) * int64(unsafe.Sizeof(edge{}))
	n += int64(len(l.quants)) * (int64(unsafe.Sizeof(quant{})) + maxQuantileBytes)
	n += int64(len(l.distincts)) * (int64(unsafe.Sizeof(distinct{})) + maxDistinctBytes)
	for i := range l.tops {
		c := int64(l.tops[i].capacity)
		// counters, the same again as merge's and result's scratch, the
		// heap of indices, and the index.
		n += int64(unsafe.Sizeof(topK{})) + c*(2*int64(unsafe.Sizeof(counter{}))+4+topIndexBytes)
	}
	return n
}
