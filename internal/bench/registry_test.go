package bench

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/registry"
)

func TestRegistryScenario(t *testing.T) {
	rs, err := runRegistry(Config{Duration: 30 * time.Millisecond, Cores: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != len(registryCases)*len(registryVariants) {
		t.Fatalf("%d results, want %d", len(rs), len(registryCases)*len(registryVariants))
	}
	for _, r := range rs {
		name := r.Case + " " + r.Variant
		if r.Bench != "registry" || r.EventsPerSec <= 0 || r.NsPerEvent <= 0 {
			t.Errorf("%s: %+v", name, r)
		}
		if r.Extra["goroutines"] != 2.0 {
			t.Errorf("%s: goroutines = %v, want 2", name, r.Extra["goroutines"])
		}
		writes := r.Extra["writes"].(float64)
		if strings.Contains(r.Case, "rare-writer") != (writes > 0) {
			t.Errorf("%s: %v writes", name, writes)
		}
		speedup, ok := r.Extra["speedup_vs_rwmutex"].(float64)
		if !ok || speedup <= 0 || (r.Variant == "rwmutex" && speedup != 1) {
			t.Errorf("%s: speedup_vs_rwmutex = %v", name, r.Extra["speedup_vs_rwmutex"])
		}
		// Lookups never allocate; only the writer does, a few times per
		// millisecond.
		limit := 0.1
		if r.Variant == "greenwave" && writes == 0 {
			limit = 0.001
		}
		if r.AllocsPerEvent > limit {
			t.Errorf("%s: %v allocs per lookup", name, r.AllocsPerEvent)
		}
	}
}

func TestRegistryScenarioFilters(t *testing.T) {
	rs, err := runRegistry(Config{Duration: 10 * time.Millisecond, Cores: 1, Case: "by-name/read-all-cores+", Variant: "green"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Case != "by-name/read-all-cores+rare-writer" || rs[0].Variant != "greenwave" {
		t.Fatalf("results = %+v", rs)
	}
	if _, ok := rs[0].Extra["speedup_vs_rwmutex"]; ok {
		t.Fatal("speedup reported without the baseline in the run")
	}
}

// The naive registries must register exactly as greenwave's does, so that
// the scenario compares read paths and nothing else.
func TestNaiveRegistriesRegisterLikeRegistry(t *testing.T) {
	type registrar interface {
		Register(*event.Schema) (*event.Schema, error)
		Schema(uint32) *event.Schema
		Lookup(tenant, name string) *event.Schema
	}
	int_, str := event.Int, event.String
	steps := []*event.Schema{
		event.MustSchema("acme", "clicks", event.Field{Name: "user", Kind: str}),
		event.MustSchema("globex", "clicks", event.Field{Name: "user", Kind: int_}),
		event.MustSchema("acme", "clicks", event.Field{Name: "n", Kind: int_}, event.Field{Name: "user", Kind: str}),
		event.MustSchema("acme", "clicks", event.Field{Name: "user", Kind: int_}),
		event.MustSchema("acme", "views"),
		{Tenant: "acme"},
		{Tenant: "acme", Name: "dup", Fields: []event.Field{{Name: "a", Kind: int_}, {Name: "a", Kind: int_}}},
		nil,
		event.MustSchema("acme", "clicks"),
	}
	describe := func(r registrar) string {
		var b strings.Builder
		for _, s := range steps {
			got, err := r.Register(s)
			if err != nil {
				fmt.Fprintf(&b, "error %v\n", err)
				continue
			}
			fmt.Fprintf(&b, "%d %s/%s %v\n", got.ID, got.Tenant, got.Name, got.Names())
		}
		for id := uint32(0); id < 5; id++ {
			if s := r.Schema(id); s != nil {
				fmt.Fprintf(&b, "schema %d: %s/%s %v, lookup same: %v\n", id, s.Tenant, s.Name, s.Names(), r.Lookup(s.Tenant, s.Name) == s)
			}
		}
		return b.String()
	}
	want := describe(registry.New())
	if !strings.Contains(want, `error tenant "acme" type "clicks": field "user" is int, already registered as string`) ||
		!strings.Contains(want, "1 acme/clicks [user n]") {
		t.Fatalf("registry behaved unexpectedly:\n%s", want)
	}
	for name, r := range map[string]registrar{"rwmutex": newRWMutexRegistry(), "syncmap": newSyncMapRegistry()} {
		if got := describe(r); got != want {
			t.Errorf("%s registers differently:\n%s\nwant:\n%s", name, got, want)
		}
	}
	var ce *registry.ConflictError
	if _, err := newSyncMapRegistry().Register(nil); err == nil || errors.As(err, &ce) {
		t.Errorf("nil schema: %v", err)
	}
}

func TestRegistryWriterRegistersAndExtends(t *testing.T) {
	r := registry.New()
	if _, err := regTable(r.Register, 1); err != nil {
		t.Fatal(err)
	}
	before := r.Len()
	var due atomic.Int64
	due.Store(1)
	tick := make(chan time.Time)
	done := make(chan struct{})
	result := make(chan int)
	go func() {
		n, err := regWriter(r.Register, 0, func() int { return int(due.Load()) }, tick, done)
		if err != nil {
			t.Error(err)
		}
		result <- n
	}()
	// The writer writes what is due, then waits for a tick. A change of
	// due may land in the round the previous tick started, so the exact
	// count varies by one round; the cap per round is what is checked.
	due.Store(4)
	tick <- time.Time{} // catches up: writes 2 to 4
	tick <- time.Time{} // nothing due (or the next round's writes)
	due.Store(1000)
	tick <- time.Time{} // far behind: catches up by regMaxCatchUp at most
	tick <- time.Time{}
	close(done)
	writes := <-result
	if lo, hi := 4+2*regMaxCatchUp, 4+3*regMaxCatchUp; writes < lo || writes > hi {
		t.Fatalf("%d writes, want %d to %d: at most %d per wake-up", writes, lo, hi, regMaxCatchUp)
	}
	if added, want := r.Len()-before, (writes+1)/2; added != want {
		t.Fatalf("%d writes added %d types, want %d (every other write is a new type)", writes, added, want)
	}
	if w := r.Lookup("tenant-01", regTypeNames[0]).Width(); w != len(regFields)+1 {
		t.Fatalf("extended type has width %d, want %d", w, len(regFields)+1)
	}
	if r.Lookup("tenant-02", "new_type_2") == nil {
		t.Fatal("new type not registered")
	}
}

// Go benchmarks of the three registries' one-call reads (each RCU read loads
// the snapshot pointer itself here). ns/op is wall time per lookup over all
// goroutines; multiply by GOMAXPROCS for the time one goroutine spends on a
// lookup.
func BenchmarkRegistryRead(b *testing.B) {
	rcu := registry.New()
	rw := newRWMutexRegistry()
	sm := newSyncMapRegistry()
	var in []*regLookups
	for _, reg := range []regRegister{rcu.Register, rw.Register, sm.Register} {
		var err error
		// Identical across registries: same order, same IDs.
		if in, err = regTable(reg, 64); err != nil {
			b.Fatal(err)
		}
	}
	run := func(b *testing.B, body func(pb *testing.PB, in *regLookups) uint64) {
		var next atomic.Int32
		var total atomic.Uint64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			total.Add(body(pb, in[int(next.Add(1)-1)%len(in)]))
		})
		if total.Load() == 0 {
			b.Fatal("lookups found nothing")
		}
	}
	b.Run("by-id/greenwave", func(b *testing.B) {
		run(b, func(pb *testing.PB, in *regLookups) (sink uint64) {
			for i := 0; pb.Next(); i = (i + 1) % regTableLen {
				sink += uint64(rcu.Schema(in.ids[i]).ID)
			}
			return sink
		})
	})
	b.Run("by-id/rwmutex", func(b *testing.B) {
		run(b, func(pb *testing.PB, in *regLookups) (sink uint64) {
			for i := 0; pb.Next(); i = (i + 1) % regTableLen {
				sink += uint64(rw.Schema(in.ids[i]).ID)
			}
			return sink
		})
	})
	b.Run("by-id/syncmap", func(b *testing.B) {
		run(b, func(pb *testing.PB, in *regLookups) (sink uint64) {
			for i := 0; pb.Next(); i = (i + 1) % regTableLen {
				sink += uint64(sm.Schema(in.ids[i]).ID)
			}
			return sink
		})
	})
	b.Run("by-name/greenwave", func(b *testing.B) {
		run(b, func(pb *testing.PB, in *regLookups) (sink uint64) {
			for i := 0; pb.Next(); i = (i + 1) % regTableLen {
				sink += uint64(rcu.Lookup(in.names[i].tenant, in.names[i].name).ID)
			}
			return sink
		})
	})
	b.Run("by-name/rwmutex", func(b *testing.B) {
		run(b, func(pb *testing.PB, in *regLookups) (sink uint64) {
			for i := 0; pb.Next(); i = (i + 1) % regTableLen {
				sink += uint64(rw.Lookup(in.names[i].tenant, in.names[i].name).ID)
			}
			return sink
		})
	})
	b.Run("by-name/syncmap", func(b *testing.B) {
		run(b, func(pb *testing.PB, in *regLookups) (sink uint64) {
			for i := 0; pb.Next(); i = (i + 1) % regTableLen {
				sink += uint64(sm.Lookup(in.names[i].tenant, in.names[i].name).ID)
			}
			return sink
		})
	})
}
