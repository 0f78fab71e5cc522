package agg

import (
	"github.com/axiomhq/hyperloglog"

	"github.com/greenwave/greenwave/internal/event"
)

const (
	// DistinctPrecision is the HyperLogLog precision of count_distinct:
	// 2^14 registers, a standard error of 1.04/sqrt(2^14) ≈ 0.81%.
	DistinctPrecision = 14
	// ExactDistinct is the number of distinct values count_distinct counts
	// exactly (by 64-bit hash) before it switches to HyperLogLog.
	ExactDistinct = 1024
)

// distinct counts the distinct values of one field. Up to ExactDistinct
// values it keeps their 64-bit hashes in an open-addressing set (linear
// probing, at most half full, 0 marking an empty slot), which is exact
// barring hash collisions, fast, and small for the many windows that see
// few values. Past that it moves to a dense HyperLogLog sketch (16 KiB).
// Both are kept across resets, so a reused state does not allocate.
//
// Values are hashed with event.Value.Hash, which is stable across
// processes: checkpointed state merges with live state.
type distinct struct {
	field
	hashes []uint64
	n      int  // hashes held
	dense  bool // past ExactDistinct: sk holds the state
	sk     *hyperloglog.Sketch
}

func (d *distinct) add(v event.Value) {
	if v = prep(v, d.kind); v.Kind == event.Null {
		return
	}
	h := v.Hash(0)
	if d.dense {
		d.sk.InsertHash(h)
		return
	}
	d.insert(h)
}

// insert adds hash h, growing the set or turning dense as needed.
func (d *distinct) insert(h uint64) {
	if d.dense {
		d.sk.InsertHash(h)
		return
	}
	if h == 0 {
		h = 1 // 0 marks empty slots
	}
	if 2*(d.n+1) > len(d.hashes) {
		if d.n+1 > ExactDistinct {
			if !d.has(h) {
				d.toDense()
				d.sk.InsertHash(h)
			}
			return
		}
		d.grow()
	}
	mask := len(d.hashes) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		switch d.hashes[i] {
		case 0:
			d.hashes[i] = h
			d.n++
			return
		case h:
			return
		}
	}
}

// has reports whether the set holds h.
func (d *distinct) has(h uint64) bool {
	mask := len(d.hashes) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		switch d.hashes[i] {
		case 0:
			return false
		case h:
			return true
		}
	}
}

// grow doubles the set (to 16 slots at first) and rehashes it.
func (d *distinct) grow() {
	old := d.hashes
	d.hashes = make([]uint64, max(16, 2*len(old)))
	mask := len(d.hashes) - 1
	for _, h := range old {
		if h == 0 {
			continue
		}
		i := int(h) & mask
		for d.hashes[i] != 0 {
			i = (i + 1) & mask
		}
		d.hashes[i] = h
	}
}

// toDense moves the set's hashes into the HyperLogLog sketch, making it
// (once) or reusing it.
func (d *distinct) toDense() {
	if d.dense {
		return
	}
	if d.sk == nil {
		sk, err := hyperloglog.NewSketch(DistinctPrecision, false)
		if err != nil {
			panic("BUG: agg: HyperLogLog: " + err.Error())
		}
		d.sk = sk
	}
	for _, h := range d.hashes {
		if h != 0 {
			d.sk.InsertHash(h)
		}
	}
	d.dense = true
}

func (d *distinct) merge(o *distinct) {
	if o.dense {
		d.toDense()
		if err := d.sk.Merge(o.sk); err != nil {
			panic("BUG: agg: merging HyperLogLog sketches: " + err.Error())
		}
		return
	}
	if o.n == 0 {
		return
	}
	for _, h := range o.hashes {
		if h != 0 {
			d.insert(h)
		}
	}
}

func (d *distinct) reset() {
	if d.n > 0 || d.dense {
		clear(d.hashes)
	}
	if d.dense {
		d.sk.Reset()
	}
	d.n, d.dense = 0, false
}

// result returns the count: exact up to ExactDistinct, estimated beyond.
func (d *distinct) result() event.Value {
	if d.dense {
		return event.IntValue(int64(d.sk.Estimate()))
	}
	return event.IntValue(int64(d.n))
}
