package registry_test

import (
	"testing"

	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/registry"
)

func TestSnapshotIsImmutable(t *testing.T) {
	r := registry.New()
	clicks := mustRegister(t, r, event.MustSchema("acme", "clicks", f("n", event.Int)))
	snap := r.Snapshot()
	listed := snap.Schemas()

	mustRegister(t, r, event.MustSchema("acme", "clicks", f("n", event.Int), f("user", event.String)))
	for i := range 100 { // enough to grow the name index several times
		mustRegister(t, r, event.MustSchema("acme", "t"+string(rune('a'+i%26))+string(rune('a'+i/26)), f("x", event.Int)))
	}

	if snap.Len() != 1 || snap.Schema(1) != clicks || snap.Lookup("acme", "clicks") != clicks {
		t.Fatal("an old snapshot changed after later registrations")
	}
	if snap.Lookup("acme", "taa") != nil || snap.Schema(2) != nil {
		t.Fatal("an old snapshot sees types registered after it")
	}
	if clicks.Width() != 1 {
		t.Fatalf("published schema grew to width %d", clicks.Width())
	}
	listed[0] = nil // Schemas returns a copy
	if snap.Schema(1) != clicks {
		t.Fatal("Schemas exposed the snapshot's own slice")
	}
	now := r.Snapshot()
	if now.Len() != 101 || now.Schema(1).Width() != 2 || now.Version() <= snap.Version() {
		t.Fatalf("current snapshot: len %d, width %d, version %d (old %d)",
			now.Len(), now.Schema(1).Width(), now.Version(), snap.Version())
	}
}
