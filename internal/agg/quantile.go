package agg

import (
	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/DataDog/sketches-go/ddsketch/mapping"
	"github.com/DataDog/sketches-go/ddsketch/store"

	"github.com/greenwave/greenwave/internal/event"
)

const (
	// RelativeAccuracy is the relative error bound of percentile.
	RelativeAccuracy = 0.01
	// maxQuantileBins bounds each DDSketch store (one for positive values,
	// one for negative); at 1% accuracy 2048 bins span a factor of about
	// 4·10^17 between the smallest and largest magnitude.
	maxQuantileBins = 2048
)

// quantileMapping maps values to DDSketch bins. It is immutable and shared
// by every sketch (sharing it is also what lets sketches merge). The
// cubically interpolated mapping keeps the 1% guarantee with about 1% more
// bins than the logarithmic one, and adds a value in about half the time
// (no math.Log; measured in BenchmarkAdd/percentile).
var quantileMapping = func() mapping.IndexMapping {
	m, err := mapping.NewCubicallyInterpolatedMapping(RelativeAccuracy)
	if err != nil {
		panic("BUG: agg: DDSketch mapping: " + err.Error())
	}
	return m
}()

// newQuantileSketch returns an empty sketch with bounded stores.
func newQuantileSketch() *ddsketch.DDSketch {
	return ddsketch.NewDDSketch(quantileMapping,
		store.NewCollapsingLowestDenseStore(maxQuantileBins),
		store.NewCollapsingLowestDenseStore(maxQuantileBins))
}

// quant is the DDSketch of one field, shared by every percentile of it. The
// sketch is created with the first value and kept across resets.
type quant struct {
	field
	sk *ddsketch.DDSketch
}

// add folds v in. Values beyond ±1.7e308 (±Inf) cannot be sketched and are
// skipped.
func (q *quant) add(v event.Value) {
	if v = prep(v, q.kind); v.Kind == event.Null {
		return
	}
	if q.sk == nil {
		q.sk = newQuantileSketch()
	}
	_ = q.sk.Add(v.Float()) // the only errors are for values it skips
}

func (q *quant) merge(o *quant) {
	if o.sk == nil || o.sk.IsEmpty() {
		return
	}
	if q.sk == nil {
		q.sk = newQuantileSketch()
	}
	if err := q.sk.MergeWith(o.sk); err != nil {
		panic("BUG: agg: merging DDSketches: " + err.Error())
	}
}

func (q *quant) reset() {
	if q.sk != nil {
		q.sk.Clear()
	}
}

// result returns the value at quantile p, or null when empty.
func (q *quant) result(p float64) event.Value {
	if q.sk == nil {
		return event.Value{}
	}
	f, err := q.sk.GetValueAtQuantile(p)
	if err != nil { // empty
		return event.Value{}
	}
	return event.FloatValue(f)
}
