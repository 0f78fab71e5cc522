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
// It doubles the table first when an addition would fill it past half.
func (x *nameIndex) put(s *event.Schema) { x.putHashed(x.hash(s.Tenant, s.Name), s) }

func (x *nameIndex) putHashed(h uint64, s *event.Schema) {
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		sl := &x.slots[i]
		if sl.schema == nil {
			if (x.n+1)*2 > len(x.slots) {
				*x = x.cloneWithRoom(1)
				x.putHashed(h, s)
				return
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

// nameShards is the number of nameIndex shards of a snapshot (a power of
// two), chosen by the top bits of the hash. A registration copies the one
// shard it changes, not the whole index: registering n types one by one
// costs O(n²/nameShards) copying instead of O(n²), which matters when
// thousands of tenants start.
const (
	nameShardBits = 6
	nameShards    = 1 << nameShardBits
)

// shardedNames maps (tenant, name) to a schema through nameShards shards.
// Shards are shared between snapshots until one is changed; a snapshot
// being built copies a shard before its first change (see Snapshot.own).
type shardedNames struct {
	seed   maphash.Seed
	shards []*nameIndex
}

func newShardedNames() shardedNames {
	n := shardedNames{seed: maphash.MakeSeed(), shards: make([]*nameIndex, nameShards)}
	for i := range n.shards {
		x := newNameIndex()
		x.seed = n.seed
		n.shards[i] = &x
	}
	return n
}

func (n *shardedNames) hash(tenant, name string) uint64 {
	return bits.RotateLeft64(maphash.String(n.seed, tenant), 29) ^ maphash.String(n.seed, name)
}

func shardOf(h uint64) int { return int(h >> (64 - nameShardBits)) }

// lookup returns the schema registered under (tenant, name), or nil.
func (n *shardedNames) lookup(tenant, name string) *event.Schema {
	h := n.hash(tenant, name)
	x := n.shards[shardOf(h)]
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
