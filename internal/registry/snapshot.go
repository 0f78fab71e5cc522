package registry

import (
	"slices"
	"strings"

	"github.com/greenwave/greenwave/internal/event"
)

// Snapshot is an immutable view of the registry at one moment. Any number of
// goroutines may read it without synchronization; reads never allocate.
// Load one per batch with Registry.Snapshot and resolve the batch's schemas
// from it: every schema it returns is consistent with every other.
type Snapshot struct {
	version uint64
	// n is the next ID: IDs 1..n-1 are registered (ID 0 means "not
	// registered").
	n uint32
	// chunks[id/idChunk][id%idChunk] is the current schema with that ID.
	// Chunks, like name shards, are shared with earlier snapshots until
	// changed.
	chunks []*[idChunk]*event.Schema
	names  shardedNames
	// While the snapshot is being built: the chunks and shards it copied
	// and may change. Nil once published.
	ownChunks, ownShards map[int]bool
}

// idChunk is the IDs per chunk of the ID table.
const idChunk = 1024

// Schema returns the schema with the given ID, or nil if there is none.
func (s *Snapshot) Schema(id uint32) *event.Schema {
	if c := int(id / idChunk); c < len(s.chunks) {
		return s.chunks[c][id%idChunk]
	}
	return nil
}

// Lookup returns the schema registered under (tenant, name), or nil.
func (s *Snapshot) Lookup(tenant, name string) *event.Schema {
	return s.names.lookup(tenant, name)
}

// Len returns the number of registered types.
func (s *Snapshot) Len() int { return int(s.n) - 1 }

// Version counts the snapshots published before this one: it grows by one
// with every registration that changed the registry. Caches derived from a
// snapshot can compare versions to know whether they are stale.
func (s *Snapshot) Version() uint64 { return s.version }

// Schemas returns every registered schema in ID order, in a new slice.
func (s *Snapshot) Schemas() []*event.Schema {
	out := make([]*event.Schema, 0, s.Len())
	for id := uint32(1); id < s.n; id++ {
		out = append(out, s.Schema(id))
	}
	return out
}

// Tenants returns the tenants that have registered types, sorted, in a new
// slice.
func (s *Snapshot) Tenants() []string {
	var out []string
	for _, sc := range s.Schemas() {
		out = append(out, sc.Tenant)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Types returns the schemas registered by one tenant sorted by type name, in
// a new slice.
func (s *Snapshot) Types(tenant string) []*event.Schema {
	var out []*event.Schema
	for _, sc := range s.Schemas() {
		if sc.Tenant == tenant {
			out = append(out, sc)
		}
	}
	slices.SortFunc(out, func(a, b *event.Schema) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// emptySnapshot is the registry's first snapshot.
func emptySnapshot() *Snapshot {
	return &Snapshot{n: 1, chunks: []*[idChunk]*event.Schema{new([idChunk]*event.Schema)}, names: newShardedNames()}
}

// clone returns an unpublished copy of s, one version later. It copies the
// tables of chunk and shard pointers; a chunk or shard is copied itself only
// when the new snapshot first changes it (own), so the copy costs O(types /
// idChunk + nameShards), not O(types), and s is never changed.
func (s *Snapshot) clone() *Snapshot {
	return &Snapshot{
		version: s.version + 1, n: s.n,
		chunks:    slices.Clone(s.chunks),
		names:     shardedNames{seed: s.names.seed, shards: slices.Clone(s.names.shards)},
		ownChunks: map[int]bool{}, ownShards: map[int]bool{},
	}
}

// publish ends the building of s.
func (s *Snapshot) publish() { s.ownChunks, s.ownShards = nil, nil }

// chunkFor returns the chunk holding id, private to s, adding or copying it
// as needed.
func (s *Snapshot) chunkFor(id uint32) *[idChunk]*event.Schema {
	c := int(id / idChunk)
	if c == len(s.chunks) {
		s.chunks = append(s.chunks, new([idChunk]*event.Schema))
		s.ownChunks[c] = true
	} else if !s.ownChunks[c] {
		cp := *s.chunks[c]
		s.chunks[c] = &cp
		s.ownChunks[c] = true
	}
	return s.chunks[c]
}

// putName puts sc in its name shard, copying the shard first if s shares
// it.
func (s *Snapshot) putName(sc *event.Schema) {
	h := s.names.hash(sc.Tenant, sc.Name)
	i := shardOf(h)
	if !s.ownShards[i] {
		cp := s.names.shards[i].cloneWithRoom(1)
		s.names.shards[i] = &cp
		s.ownShards[i] = true
	}
	s.names.shards[i].putHashed(h, sc)
}

// add appends a new type to an unpublished snapshot and sets its ID.
func (s *Snapshot) add(sc *event.Schema) {
	sc.ID = s.n
	s.chunkFor(s.n)[s.n%idChunk] = sc
	s.n++
	s.putName(sc)
}

// replace puts an evolved schema in place of the one with the same ID in an
// unpublished snapshot.
func (s *Snapshot) replace(sc *event.Schema) {
	if old := s.Schema(sc.ID); old == nil || old.Tenant != sc.Tenant || old.Name != sc.Name {
		panic("BUG: registry replacing a schema with one of another type")
	}
	s.chunkFor(sc.ID)[sc.ID%idChunk] = sc
	s.putName(sc)
}
