package registry

import (
	"hash/maphash"
	"math/bits"

	"github.com/greenwave/greenwave/internal/event"
)

// nameIndex maps (tenant, name) to a schema. It is an open-addressing hash
// table with linear probing, kept at most half full, whose slots hold the
// full 64-bit hash and the schema (which carries its own tenant and name).
// A probe touches one 16-byte slot per step and compares strings only on a
// full hash match. Entries are never removed: types are never unregistered.
//
// A nameIndex belongs to one Snapshot. It is modified only while its
// snapshot is being built, before publication, and is read-only afterwards.
type nameIndex struct {
	seed  maphash.Seed
	slots []slot // length is a power of two
	n     int    // occupied slots
}

type slot struct {
	hash   uint64
	schema *event.Schema // nil marks an empty slot
}

const minSlots = 16

func newNameIndex() nameIndex {
	return nameIndex{seed: maphash.MakeSeed(), slots: make([]slot, minSlots)}
}

// hash mixes both strings so that the same type name under different tenants
// (the common case) lands on different slots.
func (x *nameIndex) hash(tenant, name string) uint64 {
	return bits.RotateLeft64(maphash.String(x.seed, tenant), 29) ^ maphash.String(x.seed, name)
}

// lookup returns the schema registered under (tenant, name), or nil.
func (x *nameIndex) lookup(tenant, name string) *event.Schema {
	h := x.hash(tenant, name)
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.schema == nil {
			return nil
		}
		if s.hash == h && s.schema.Name == name && s.schema.Tenant == tenant {
			return s.schema
		}
	}
}

// cloneWithRoom returns a copy of x that can take extra more entries without
// exceeding half full. The copy shares no slots with x.
func (x *nameIndex) cloneWithRoom(extra int) nameIndex {
	size := len(x.slots)
	for (x.n+extra)*2 > size {
		size *= 2
	}
	c := nameIndex{seed: x.seed, slots: make([]slot, size)}
	if size == len(x.slots) {
		copy(c.slots, x.slots)
		c.n = x.n
		return c
	}
	for _, s := range x.slots {
		if s.schema != nil {
			c.putHashed(s.hash, s.schema)
		}
	}
	return c
}

// put adds s under (s.Tenant, s.Name) or replaces the schema already there.
func (x *nameIndex) put(s *event.Schema) { x.putHashed(x.hash(s.Tenant, s.Name), s) }

func (x *nameIndex) putHashed(h uint64, s *event.Schema) {
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		sl := &x.slots[i]
		if sl.schema == nil {
			if (x.n+1)*2 > len(x.slots) {
				panic("BUG: registry name index over half full; cloneWithRoom was given too little room")
			}
			*sl = slot{hash: h, schema: s}
			x.n++
			return
		}
		if sl.hash == h && sl.schema.Name == s.Name && sl.schema.Tenant == s.Tenant {
			sl.schema = s
			return
		}
	}
}
