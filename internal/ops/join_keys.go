package ops

import (
	"fmt"
	"strings"

	"github.com/greenwave/greenwave/internal/event"
)

// hash returns the hash of f's values in a side's key slots, chained from
// 0 as key_by does, and whether one of them is null. An int and a float
// that are equal hash alike, so the two sides of an int-against-float join
// are partitioned alike too.
func (b *joinBase) hash(side int, f []event.Value) (h uint64, null bool) {
	for _, s := range b.slots[side] {
		v := valueAt(f, s)
		if v.Kind == event.Null {
			null = true
		}
		h = v.Hash(h)
	}
	return h, null
}

// checkPartition reports an event whose Event.Key is not the hash of its
// join fields while parallel instances rely on it: a pair could then be
// split over two instances and silently never meet.
func (b *joinBase) checkPartition(side int, e *event.Event, h uint64) error {
	if !b.checkKeys || e.Key == h {
		return nil
	}
	opt := [2]string{"left_key", "right_key"}[side]
	return fmt.Errorf("the %s input is not partitioned by %s %q (an event's key is not their hash): with parallelism %d, key_by each input on its join fields upstream",
		[2]string{"left", "right"}[side], opt, b.keys[side], b.parallelism)
}

// sameKey reports whether the key values of a (a row or event of side sa)
// equal those of c (of side sb).
func (b *joinBase) sameKey(sa int, a []event.Value, sb int, c []event.Value) bool {
	for i, s := range b.slots[sa] {
		if !valueAt(a, s).Equal(valueAt(c, b.slots[sb][i])) {
			return false
		}
	}
	return true
}

// compareKey orders the key of a (of side sa) against that of c (of side
// sb) as compareKeys orders keys, comparing int with float numerically.
func (b *joinBase) compareKey(sa int, a []event.Value, sb int, c []event.Value) int {
	for i, s := range b.slots[sa] {
		x, y := valueAt(a, s), valueAt(c, b.slots[sb][i])
		if x.Kind != y.Kind && numeric(x.Kind) && numeric(y.Kind) {
			if r := cmpFloat(x.Float(), y.Float()); r != 0 {
				return r
			}
			continue
		}
		if r := cmpJoinValue(x, y); r != 0 {
			return r
		}
	}
	return 0
}

// cmpJoinValue orders two values as compareKeys orders keys: nulls
// first, then by kind, then by value.
func cmpJoinValue(x, y event.Value) int {
	if x.Kind != y.Kind {
		return int(x.Kind) - int(y.Kind)
	}
	switch x.Kind {
	case event.String:
		return strings.Compare(x.S, y.S)
	case event.Float:
		return cmpFloat(x.Float(), y.Float())
	}
	return cmpInt(x.Int(), y.Int())
}

// valueAt returns f[slot], or null when f is shorter.
func valueAt(f []event.Value, slot int) event.Value {
	if slot < len(f) {
		return f[slot]
	}
	return event.Value{}
}
