package registry_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/registry"
)

// In the concurrency test every type's fields are a prefix of f0, f1, ...
// with fixed kinds, so a reader can check any schema it sees on its own.
const maxFields = 64

var (
	fieldNames [maxFields]string
	fieldKinds = [...]event.Kind{event.Int, event.String, event.Float, event.Bool, event.Time}
)

func init() {
	for i := range fieldNames {
		fieldNames[i] = fmt.Sprintf("f%d", i)
	}
}

func prefixSchema(tenant, name string, width int) *event.Schema {
	fs := make([]event.Field, width)
	for i := range fs {
		fs[i] = event.Field{Name: fieldNames[i], Kind: fieldKinds[i%len(fieldKinds)]}
	}
	return event.MustSchema(tenant, name, fs...)
}

type seen struct {
	tenant, name string
	width        int
}

// checkSnapshot verifies one snapshot on its own and against what this
// reader saw before: IDs never move, schemas only grow, old slots stay.
func checkSnapshot(snap *registry.Snapshot, before map[uint32]seen) error {
	n := snap.Len()
	for id := uint32(1); id <= uint32(n); id++ {
		sc := snap.Schema(id)
		if sc == nil {
			return fmt.Errorf("id %d of %d missing", id, n)
		}
		if sc.ID != id {
			return fmt.Errorf("Schema(%d).ID = %d", id, sc.ID)
		}
		if got := snap.Lookup(sc.Tenant, sc.Name); got != sc {
			return fmt.Errorf("Lookup(%s, %s) = %p, Schema(%d) = %p in the same snapshot", sc.Tenant, sc.Name, got, id, sc)
		}
		if sc.Width() == 0 || sc.Width() > maxFields {
			return fmt.Errorf("%s/%s has width %d", sc.Tenant, sc.Name, sc.Width())
		}
		for i, fl := range sc.Fields {
			if fl.Name != fieldNames[i] || fl.Kind != fieldKinds[i%len(fieldKinds)] {
				return fmt.Errorf("%s/%s slot %d is %s:%s", sc.Tenant, sc.Name, i, fl.Name, fl.Kind)
			}
			if slot, ok := sc.Slot(fl.Name); !ok || slot != i {
				return fmt.Errorf("%s/%s Slot(%s) = %d, %v", sc.Tenant, sc.Name, fl.Name, slot, ok)
			}
		}
		if old, ok := before[id]; ok {
			if old.tenant != sc.Tenant || old.name != sc.Name {
				return fmt.Errorf("id %d was %s/%s, now %s/%s", id, old.tenant, old.name, sc.Tenant, sc.Name)
			}
			if sc.Width() < old.width {
				return fmt.Errorf("%s/%s shrank from %d to %d fields", sc.Tenant, sc.Name, old.width, sc.Width())
			}
		}
		before[id] = seen{sc.Tenant, sc.Name, sc.Width()}
	}
	if snap.Schema(uint32(n+1)) != nil {
		return fmt.Errorf("Schema(%d) beyond Len %d is not nil", n+1, n)
	}
	return nil
}

func TestConcurrentReadersSeeConsistentSnapshots(t *testing.T) {
	r := registry.New()
	for tn := range 10 {
		for ty := range 5 {
			mustRegister(t, r, prefixSchema(fmt.Sprintf("t%d", tn), fmt.Sprintf("type%d", ty), 1))
		}
	}

	readers := max(runtime.GOMAXPROCS(0), 2)
	var (
		done     atomic.Bool
		started  sync.WaitGroup
		wg       sync.WaitGroup
		versions atomic.Int64 // distinct versions seen, summed over readers
		passes   atomic.Int64
	)
	started.Add(readers)
	for range readers {
		wg.Go(func() {
			before := map[uint32]seen{}
			var last uint64
			distinct, n := 0, 0
			started.Done()
			for ; !done.Load(); n++ {
				snap := r.Snapshot()
				if v := snap.Version(); v < last {
					t.Errorf("version went back from %d to %d", last, v)
					return
				} else if v > last || distinct == 0 {
					distinct++
					last = v
				}
				if err := checkSnapshot(snap, before); err != nil {
					t.Error(err)
					return
				}
				// The one-call forms read the current snapshot each time.
				if sc := r.Schema(1); sc == nil || sc.ID != 1 || r.Lookup(sc.Tenant, sc.Name) == nil {
					t.Errorf("Schema(1) = %v", sc)
					return
				}
				// Readers fill every P; yielding between passes lets the
				// writer take its turns without waiting for preemption.
				runtime.Gosched()
			}
			versions.Add(int64(distinct))
			passes.Add(int64(n))
		})
	}

	started.Wait()
	rng := rand.New(rand.NewPCG(1, 2))
	width := map[string]int{}
	for tn := range 10 {
		for ty := range 5 {
			width[fmt.Sprintf("t%d/type%d", tn, ty)] = 1
		}
	}
	for step := range 3000 {
		tenant := fmt.Sprintf("t%d", rng.IntN(10))
		switch step % 3 {
		case 0: // a new type
			name := fmt.Sprintf("new%d", step)
			got := mustRegister(t, r, prefixSchema(tenant, name, 1+rng.IntN(4)))
			width[tenant+"/"+name] = got.Width()
		case 1: // extend an existing type
			name := fmt.Sprintf("type%d", rng.IntN(5))
			w := width[tenant+"/"+name]
			if w < maxFields {
				w += 1 + rng.IntN(min(3, maxFields-w))
			}
			got := mustRegister(t, r, prefixSchema(tenant, name, w))
			if got.Width() != w {
				t.Fatalf("extended %s/%s to width %d, want %d", tenant, name, got.Width(), w)
			}
			width[tenant+"/"+name] = w
		case 2: // a conflicting registration changes nothing
			name := fmt.Sprintf("type%d", rng.IntN(5))
			bad := event.MustSchema(tenant, name, event.Field{Name: "f0", Kind: event.String})
			var ce *registry.ConflictError
			if _, err := r.Register(bad); !errors.As(err, &ce) {
				t.Fatalf("conflicting registration: err = %v", err)
			}
		}
	}
	done.Store(true)
	wg.Wait()

	t.Logf("%d readers saw %d distinct snapshots in %d passes", readers, versions.Load(), passes.Load())
	if v := versions.Load(); v < 2 {
		t.Fatalf("readers saw %d distinct versions in all; they never overlapped the writer", v)
	}
	if r.Len() != len(width) {
		t.Fatalf("Len = %d, want %d", r.Len(), len(width))
	}
	for key, w := range width {
		var tenant, name string
		for i := range key {
			if key[i] == '/' {
				tenant, name = key[:i], key[i+1:]
			}
		}
		if got := r.Lookup(tenant, name); got == nil || got.Width() != w {
			t.Errorf("final %s: %v, want width %d", key, got, w)
		}
	}
}
