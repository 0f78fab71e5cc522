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
	for _, tc := range []struct {
		what string
		fn   func()
		want string // type name the call finds, "" for none
	}{
		{"Registry.Schema", func() { sinkSchema = r.Schema(2) }, "views"},
		{"Registry.Lookup", func() { sinkSchema = r.Lookup(tenant, name) }, "views"},
		{"Registry.Snapshot", func() { sinkSchema = r.Snapshot().Schema(3) }, "orders"},
		{"Snapshot.Schema", func() { sinkSchema = snap.Schema(1) }, "clicks"},
		{"Snapshot.Lookup", func() { sinkSchema = snap.Lookup(tenant, name) }, "views"},
		{"miss", func() { sinkSchema = snap.Lookup(tenant, "nothing") }, ""},
	} {
		if a := testing.AllocsPerRun(1000, tc.fn); a != 0 {
			t.Errorf("%s: %v allocs per call, want 0", tc.what, a)
		}
		if got := sinkSchema; (got == nil) != (tc.want == "") || (got != nil && got.Name != tc.want) {
			t.Errorf("%s found %v, want %q", tc.what, got, tc.want)
		}
	}
}
