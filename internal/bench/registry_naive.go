package bench

import (
	"errors"
	"fmt"
	"sync"

	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/registry"
)

// The naive type registries the registry scenario measures greenwave's
// against. Both keep the registry package's registration semantics
// (registry.Evolve) so that only the read path differs.

type regKey struct{ tenant, name string }

// validRegistration returns a private, validated copy of s, as
// registry.Registry does.
func validRegistration(s *event.Schema) (*event.Schema, error) {
	if s == nil {
		return nil, errors.New("register: nil schema")
	}
	if s.Name == "" {
		return nil, fmt.Errorf("register tenant %q: type has no name", s.Tenant)
	}
	c, err := event.NewSchema(s.Tenant, s.Name, s.Fields...)
	if err != nil {
		return nil, fmt.Errorf("register tenant %q: %w", s.Tenant, err)
	}
	return c, nil
}

// rwmutexRegistry is the textbook concurrent registry: maps guarded by a
// sync.RWMutex. Every read takes RLock and RUnlock, two atomic adds on the
// lock's reader count, so all reading cores write to one cache line: the
// trap of seeds 000 and 001. Safe for concurrent use.
type rwmutexRegistry struct {
	mu     sync.RWMutex
	byName map[regKey]*event.Schema
	byID   []*event.Schema // byID[0] is nil
}

func newRWMutexRegistry() *rwmutexRegistry {
	return &rwmutexRegistry{byName: map[regKey]*event.Schema{}, byID: []*event.Schema{nil}}
}

func (r *rwmutexRegistry) Register(s *event.Schema) (*event.Schema, error) {
	c, err := validRegistration(s)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k := regKey{c.Tenant, c.Name}
	cur, ok := r.byName[k]
	if !ok {
		c.ID = uint32(len(r.byID))
		r.byID = append(r.byID, c)
		r.byName[k] = c
		return c, nil
	}
	ev, err := registry.Evolve(cur, c)
	if err != nil {
		return nil, err
	}
	r.byID[ev.ID] = ev
	r.byName[k] = ev
	return ev, nil
}

func (r *rwmutexRegistry) Schema(id uint32) *event.Schema {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if uint64(id) < uint64(len(r.byID)) {
		return r.byID[id]
	}
	return nil
}

func (r *rwmutexRegistry) Lookup(tenant, name string) *event.Schema {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byName[regKey{tenant, name}]
}

// syncMapRegistry keeps the schemas in sync.Maps, Go's concurrent map for
// keys that are written once and read many times. Reads take no lock, but
// every key and value goes through an interface and a hash-trie walk. A
// mutex serializes writers so that IDs are assigned once. Safe for
// concurrent use.
type syncMapRegistry struct {
	mu     sync.Mutex // serializes Register
	byName sync.Map   // regKey -> *event.Schema
	byID   sync.Map   // uint32 -> *event.Schema
	next   uint32     // next ID, guarded by mu
}

func newSyncMapRegistry() *syncMapRegistry { return &syncMapRegistry{next: 1} }

func (r *syncMapRegistry) Register(s *event.Schema) (*event.Schema, error) {
	c, err := validRegistration(s)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k := regKey{c.Tenant, c.Name}
	v, ok := r.byName.Load(k)
	if !ok {
		c.ID = r.next
		r.next++
		r.byID.Store(c.ID, c)
		r.byName.Store(k, c)
		return c, nil
	}
	ev, err := registry.Evolve(v.(*event.Schema), c)
	if err != nil {
		return nil, err
	}
	r.byID.Store(ev.ID, ev)
	r.byName.Store(k, ev)
	return ev, nil
}

func (r *syncMapRegistry) Schema(id uint32) *event.Schema {
	if v, ok := r.byID.Load(id); ok {
		return v.(*event.Schema)
	}
	return nil
}

func (r *syncMapRegistry) Lookup(tenant, name string) *event.Schema {
	if v, ok := r.byName.Load(regKey{tenant, name}); ok {
		return v.(*event.Schema)
	}
	return nil
}

// resolveIDs and resolveNames resolve one batch for the registry scenario, calling the
// registry once per event.
func (r *rwmutexRegistry) resolveIDs(ids []uint32) (sum uint64) {
	for _, id := range ids {
		s := r.Schema(id)
		sum += uint64(s.ID) + uint64(len(s.Fields))
	}
	return sum
}

func (r *rwmutexRegistry) resolveNames(names []regName) (sum uint64) {
	for i := range names {
		s := r.Lookup(names[i].tenant, names[i].name)
		sum += uint64(s.ID) + uint64(len(s.Fields))
	}
	return sum
}

func (r *syncMapRegistry) resolveIDs(ids []uint32) (sum uint64) {
	for _, id := range ids {
		s := r.Schema(id)
		sum += uint64(s.ID) + uint64(len(s.Fields))
	}
	return sum
}

func (r *syncMapRegistry) resolveNames(names []regName) (sum uint64) {
	for i := range names {
		s := r.Lookup(names[i].tenant, names[i].name)
		sum += uint64(s.ID) + uint64(len(s.Fields))
	}
	return sum
}
