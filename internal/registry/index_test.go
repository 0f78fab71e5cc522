package registry

import (
	"fmt"
	"testing"

	"github.com/greenwave/greenwave/internal/event"
)

func TestIndexGrowsAndFindsEverything(t *testing.T) {
	x := newNameIndex()
	var all []*event.Schema
	for i := range 3000 {
		s := event.MustSchema(fmt.Sprintf("tenant-%d", i%37), fmt.Sprintf("type-%d", i))
		if i%500 == 0 {
			x = x.cloneWithRoom(500)
		}
		x.put(s)
		all = append(all, s)
	}
	if x.n != len(all) || x.n*2 > len(x.slots) {
		t.Fatalf("n = %d over %d slots", x.n, len(x.slots))
	}
	for _, s := range all {
		if got := x.lookup(s.Tenant, s.Name); got != s {
			t.Fatalf("lookup(%s, %s) = %v", s.Tenant, s.Name, got)
		}
	}
	if x.lookup("tenant-1", "type-0") != nil {
		t.Fatal("lookup matched the type name under the wrong tenant")
	}
}

func TestIndexReplaceKeepsCount(t *testing.T) {
	x := newNameIndex()
	a := event.MustSchema("acme", "clicks")
	b := event.MustSchema("acme", "clicks", event.Field{Name: "n", Kind: event.Int})
	x.put(a)
	x.put(b)
	if x.n != 1 || x.lookup("acme", "clicks") != b {
		t.Fatalf("n = %d, lookup = %v", x.n, x.lookup("acme", "clicks"))
	}
}

// A full 64-bit hash match with different names must not be taken for the
// same key.
func TestIndexHashCollision(t *testing.T) {
	x := newNameIndex()
	a := event.MustSchema("acme", "clicks")
	impostor := event.MustSchema("acme", "views")
	x.putHashed(x.hash("acme", "clicks"), impostor)
	x.put(a)
	if x.n != 2 {
		t.Fatalf("n = %d, want 2 (the colliding key replaced the other)", x.n)
	}
	if got := x.lookup("acme", "clicks"); got != a {
		t.Fatalf("lookup(acme, clicks) = %v, want the real entry", got)
	}
}

// TestIndexGrowsPastHalf: a table being built doubles before it would be
// more than half full, and still finds everything.
func TestIndexGrowsPastHalf(t *testing.T) {
	x := newNameIndex()
	start := len(x.slots)
	var all []*event.Schema
	for i := range 4 * start {
		s := event.MustSchema("t", fmt.Sprint(i))
		x.put(s)
		all = append(all, s)
		if x.n*2 > len(x.slots) {
			t.Fatalf("%d entries in %d slots", x.n, len(x.slots))
		}
	}
	for _, s := range all {
		if x.lookup(s.Tenant, s.Name) != s {
			t.Fatalf("lost %s after growing", s.Name)
		}
	}
}
