package registry_test

import (
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/registry"
)

var sinkSchema *event.Schema

func TestReadsDoNotAllocate(t *testing.T) {
	r := registry.New()
	for _, name := range []string{"clicks", "views", "orders"} {
		mustRegister(t, r, event.MustSchema("acme", name, f("n", event.Int)))
	}
	// Strings built at run time, as a source would parse them, not the
	// registered strings themselves.
	tenant, name := strings.Clone("acme"), strings.Clone("views")
	snap := r.Snapshot()
	for what, fn := range map[string]func(){
		"Registry.Schema":   func() { sinkSchema = r.Schema(2) },
		"Registry.Lookup":   func() { sinkSchema = r.Lookup(tenant, name) },
		"Registry.Snapshot": func() { sinkSchema = r.Snapshot().Schema(3) },
		"Snapshot.Schema":   func() { sinkSchema = snap.Schema(1) },
		"Snapshot.Lookup":   func() { sinkSchema = snap.Lookup(tenant, name) },
		"miss":              func() { sinkSchema = snap.Lookup(tenant, "nothing") },
	} {
		if a := testing.AllocsPerRun(1000, fn); a != 0 {
			t.Errorf("%s: %v allocs per call, want 0", what, a)
		}
	}
	if sinkSchema != nil || r.Lookup(tenant, name) == nil {
		t.Fatal("lookups returned wrong results")
	}
}
