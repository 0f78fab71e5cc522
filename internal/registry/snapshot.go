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
	// byID[id] is the current schema with that ID; byID[0] is nil because
	// ID 0 means "not registered".
	byID  []*event.Schema
	names nameIndex
}

// Schema returns the schema with the given ID, or nil if there is none.
func (s *Snapshot) Schema(id uint32) *event.Schema {
	if uint64(id) < uint64(len(s.byID)) {
		return s.byID[id]
	}
	return nil
}

// Lookup returns the schema registered under (tenant, name), or nil.
func (s *Snapshot) Lookup(tenant, name string) *event.Schema {
	return s.names.lookup(tenant, name)
}

// Len returns the number of registered types.
func (s *Snapshot) Len() int { return len(s.byID) - 1 }

// Version counts the snapshots published before this one: it grows by one
// with every registration that changed the registry. Caches derived from a
// snapshot can compare versions to know whether they are stale.
func (s *Snapshot) Version() uint64 { return s.version }

// Schemas returns every registered schema in ID order, in a new slice.
func (s *Snapshot) Schemas() []*event.Schema { return slices.Clone(s.byID[1:]) }

// Tenants returns the tenants that have registered types, sorted, in a new
// slice.
func (s *Snapshot) Tenants() []string {
	var out []string
	for _, sc := range s.byID[1:] {
		out = append(out, sc.Tenant)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Types returns the schemas registered by one tenant sorted by type name, in
// a new slice.
func (s *Snapshot) Types(tenant string) []*event.Schema {
	var out []*event.Schema
	for _, sc := range s.byID[1:] {
		if sc.Tenant == tenant {
			out = append(out, sc)
		}
	}
	slices.SortFunc(out, func(a, b *event.Schema) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// emptySnapshot is the registry's first snapshot.
func emptySnapshot() *Snapshot {
	return &Snapshot{byID: []*event.Schema{nil}, names: newNameIndex()}
}

// clone returns an unpublished copy of s, one version later, with room for
// extra new types. It shares no mutable memory with s.
func (s *Snapshot) clone(extra int) *Snapshot {
	byID := make([]*event.Schema, len(s.byID), len(s.byID)+extra)
	copy(byID, s.byID)
	return &Snapshot{version: s.version + 1, byID: byID, names: s.names.cloneWithRoom(extra)}
}

// add appends a new type to an unpublished snapshot and sets its ID.
func (s *Snapshot) add(sc *event.Schema) {
	sc.ID = uint32(len(s.byID))
	s.byID = append(s.byID, sc)
	s.names.put(sc)
}

// replace puts an evolved schema in place of the one with the same ID in an
// unpublished snapshot.
func (s *Snapshot) replace(sc *event.Schema) {
	if s.byID[sc.ID].Tenant != sc.Tenant || s.byID[sc.ID].Name != sc.Name {
		panic("BUG: registry replacing a schema with one of another type")
	}
	s.byID[sc.ID] = sc
	s.names.put(sc)
}
