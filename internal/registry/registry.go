package registry

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/greenwave/greenwave/internal/event"
)

// cacheLine is the padding unit that keeps the readers' pointer alone on its
// cache line (128 covers CPUs that fetch lines in adjacent pairs).
const cacheLine = 128

// Registry maps (tenant, type name) to schemas and schema IDs to schemas.
//
// Reads (Schema, Lookup, Snapshot), taken for every batch on every core, do
// no write to shared memory: they load an atomic pointer to an immutable
// Snapshot. Register, which is rare, copies the snapshot, changes the copy
// and publishes it (read-copy-update); a mutex that readers never touch
// serializes writers. A reader sees either the old or the new snapshot,
// never a partly built one.
//
// A Registry is safe for concurrent use. Its zero value is not usable: use
// New. It must not be copied.
type Registry struct {
	_   [cacheLine]byte
	cur atomic.Pointer[Snapshot]
	_   [cacheLine - 8]byte
	mu  sync.Mutex // serializes writers
}

// New returns an empty registry.
func New() *Registry {
	r := &Registry{}
	r.cur.Store(emptySnapshot())
	return r
}

// Snapshot returns the current snapshot. Load it once per batch, then read
// from it freely: it never changes.
func (r *Registry) Snapshot() *Snapshot { return r.cur.Load() }

// Schema returns the current schema with the given ID, or nil. It costs one
// atomic load and a slice index, and never allocates.
func (r *Registry) Schema(id uint32) *event.Schema { return r.cur.Load().Schema(id) }

// Lookup returns the current schema registered under (tenant, name), or nil.
// It costs one atomic load and one hash probe, and never allocates.
func (r *Registry) Lookup(tenant, name string) *event.Schema {
	return r.cur.Load().Lookup(tenant, name)
}

// Tenants returns the tenants that have registered types, sorted.
func (r *Registry) Tenants() []string { return r.cur.Load().Tenants() }

// Types returns the schemas registered by one tenant sorted by type name.
func (r *Registry) Types(tenant string) []*event.Schema { return r.cur.Load().Types(tenant) }

// Len returns the number of registered types.
func (r *Registry) Len() int { return r.cur.Load().Len() }

// Register registers s under (s.Tenant, s.Name) and returns the registered
// schema, with its ID set. It implements component.Registry.
//
// When no type of that tenant and name exists, s is registered under a new
// ID (IDs start at 1). Otherwise the registered schema is evolved with s (see
// Evolve): if s adds no field the registered schema is returned unchanged;
// if s has fields the registered one lacks, an extended schema is published
// under the same ID, its existing slots unchanged; if a field is in both with
// different kinds, Register returns a *ConflictError and changes nothing.
//
// The registry keeps its own copy: s is not modified, s.ID is ignored, and
// the caller may reuse s. The returned schema is shared and must not be
// modified.
func (r *Registry) Register(s *event.Schema) (*event.Schema, error) {
	out, err := r.RegisterAll(s)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// RegisterAll registers several schemas at once, in order, as Register would
// one by one, and returns the registered schemas in the same order. It
// publishes at most one snapshot, so registering n types costs one copy of
// the registry instead of n. It is all or nothing: on error nothing is
// registered. A type listed twice is evolved by its second listing.
func (r *Registry) RegisterAll(schemas ...*event.Schema) ([]*event.Schema, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.cur.Load()
	var next *Snapshot // copy of old, made at the first change
	out := make([]*event.Schema, len(schemas))
	for i, s := range schemas {
		if s == nil {
			return nil, errors.New("register: nil schema")
		}
		if s.Name == "" {
			return nil, fmt.Errorf("register tenant %q: type has no name", s.Tenant)
		}
		// A private, validated copy: the caller keeps ownership of s.
		c, err := event.NewSchema(s.Tenant, s.Name, s.Fields...)
		if err != nil {
			return nil, fmt.Errorf("register tenant %q: %w", s.Tenant, err)
		}
		view := old
		if next != nil {
			view = next
		}
		cur := view.Lookup(c.Tenant, c.Name)
		if cur == nil {
			if next == nil {
				next = old.clone()
			}
			if next.n == math.MaxUint32 {
				return nil, fmt.Errorf("register tenant %q type %q: registry full", c.Tenant, c.Name)
			}
			next.add(c)
			out[i] = c
			continue
		}
		ev, err := Evolve(cur, c)
		if err != nil {
			return nil, err
		}
		if ev != cur {
			if next == nil {
				next = old.clone()
			}
			next.replace(ev)
		}
		out[i] = ev
	}
	if next != nil {
		next.publish()
		r.cur.Store(next)
	}
	return out, nil
}
