package agg

import (
	"github.com/axiomhq/hyperloglog"

	"github.com/greenwave/greenwave/internal/event"
)

// DistinctPrecision is the HyperLogLog precision of count_distinct: 2^14
// registers, a standard error of 1.04/sqrt(2^14) ≈ 0.81%.
const DistinctPrecision = 14

// distinct is the HyperLogLog sketch of one field. Values are hashed with
// event.Value.Hash, which is stable across processes, so checkpointed
// sketches merge with live ones. The sketch starts sparse (about two bytes
// per distinct value), turns dense (16 KiB) at about 7000 distinct values,
// and keeps its representation and memory across resets.
type distinct struct {
	field
	sk *hyperloglog.Sketch
}

func newDistinctSketch() *hyperloglog.Sketch {
	sk, err := hyperloglog.NewSketch(DistinctPrecision, true)
	if err != nil {
		panic("BUG: agg: HyperLogLog: " + err.Error())
	}
	return sk
}

func (d *distinct) add(v event.Value) {
	if v = prep(v, d.kind); v.Kind == event.Null {
		return
	}
	if d.sk == nil {
		d.sk = newDistinctSketch()
	}
	d.sk.InsertHash(v.Hash(0))
}

func (d *distinct) merge(o *distinct) {
	if o.sk == nil {
		return
	}
	if d.sk == nil {
		d.sk = newDistinctSketch()
	}
	if err := d.sk.Merge(o.sk); err != nil {
		panic("BUG: agg: merging HyperLogLog sketches: " + err.Error())
	}
}

func (d *distinct) reset() {
	if d.sk != nil {
		d.sk.Reset()
	}
}

// result returns the estimate (0 when nothing was added).
func (d *distinct) result() event.Value {
	if d.sk == nil {
		return event.IntValue(0)
	}
	return event.IntValue(int64(d.sk.Estimate()))
}
