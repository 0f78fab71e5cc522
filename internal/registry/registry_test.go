package registry_test

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/registry"
)

var _ component.Registry = (*registry.Registry)(nil)

func f(name string, k event.Kind) event.Field { return event.Field{Name: name, Kind: k} }

func mustRegister(t *testing.T, r *registry.Registry, s *event.Schema) *event.Schema {
	t.Helper()
	got, err := r.Register(s)
	if err != nil {
		t.Fatalf("Register(%s/%s): %v", s.Tenant, s.Name, err)
	}
	return got
}

func fieldsOf(s *event.Schema) string {
	var b strings.Builder
	for i, fl := range s.Fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(fl.Name + ":" + fl.Kind.String())
	}
	return b.String()
}

func TestRegisterAssignsIDsAndKeepsOwnCopy(t *testing.T) {
	r := registry.New()
	in := &event.Schema{Tenant: "acme", Name: "clicks", Fields: []event.Field{f("user", event.String), f("n", event.Int)}}
	a := mustRegister(t, r, in)
	b := mustRegister(t, r, event.MustSchema("acme", "views", f("page", event.String)))
	if a.ID != 1 || b.ID != 2 {
		t.Fatalf("IDs = %d, %d; want 1, 2", a.ID, b.ID)
	}
	if a == in || in.ID != 0 {
		t.Fatalf("Register returned the caller's schema or set its ID (in.ID = %d)", in.ID)
	}
	// A literal schema has no slot index; the registered copy must have one.
	if slot, ok := a.Slot("n"); !ok || slot != 1 {
		t.Fatalf("registered Slot(n) = %d, %v; want 1, true", slot, ok)
	}
	in.Fields[0].Kind = event.Float
	in.Fields = append(in.Fields, f("later", event.Bool))
	if got := fieldsOf(r.Lookup("acme", "clicks")); got != "user:string,n:int" {
		t.Fatalf("caller's later edits reached the registry: %s", got)
	}
	if r.Schema(1) != a || r.Schema(2) != b || r.Lookup("acme", "views") != b {
		t.Fatal("Schema/Lookup do not return the registered schemas")
	}
	if r.Len() != 2 {
		t.Fatalf("Len = %d, want 2", r.Len())
	}
}

func TestUnknownIsNil(t *testing.T) {
	r := registry.New()
	mustRegister(t, r, event.MustSchema("acme", "clicks", f("n", event.Int)))
	for _, id := range []uint32{0, 2, 1 << 31, ^uint32(0)} {
		if s := r.Schema(id); s != nil {
			t.Errorf("Schema(%d) = %v, want nil", id, s)
		}
	}
	for _, k := range [][2]string{{"acme", "views"}, {"other", "clicks"}, {"", "clicks"}, {"acme", ""}} {
		if s := r.Lookup(k[0], k[1]); s != nil {
			t.Errorf("Lookup(%q, %q) = %v, want nil", k[0], k[1], s)
		}
	}
}

func TestSameNameOtherTenantIsAnotherType(t *testing.T) {
	r := registry.New()
	a := mustRegister(t, r, event.MustSchema("acme", "clicks", f("n", event.Int)))
	b := mustRegister(t, r, event.MustSchema("globex", "clicks", f("n", event.String)))
	if a.ID == b.ID || r.Lookup("acme", "clicks") != a || r.Lookup("globex", "clicks") != b {
		t.Fatalf("tenants share a type: a.ID=%d b.ID=%d", a.ID, b.ID)
	}
}

func TestRegisterIdenticalOrSubsetReturnsExisting(t *testing.T) {
	r := registry.New()
	first := mustRegister(t, r, event.MustSchema("acme", "clicks", f("user", event.String), f("n", event.Int)))
	v := r.Snapshot().Version()
	for _, s := range []*event.Schema{
		event.MustSchema("acme", "clicks", f("user", event.String), f("n", event.Int)),
		event.MustSchema("acme", "clicks", f("n", event.Int)),
		event.MustSchema("acme", "clicks", f("n", event.Int), f("user", event.String)),
		event.MustSchema("acme", "clicks"),
	} {
		if got := mustRegister(t, r, s); got != first {
			t.Errorf("Register(%s) = %p (%s), want the existing schema", fieldsOf(s), got, fieldsOf(got))
		}
	}
	if got := r.Snapshot().Version(); got != v {
		t.Fatalf("registering nothing new published a snapshot: version %d -> %d", v, got)
	}
}

func TestRegisterExtends(t *testing.T) {
	r := registry.New()
	old := mustRegister(t, r, event.MustSchema("acme", "clicks", f("user", event.String), f("n", event.Int)))
	mustRegister(t, r, event.MustSchema("acme", "views", f("page", event.String)))

	// New fields come after the old slots, in the order of the new schema,
	// whatever order it lists the old fields in.
	ext := mustRegister(t, r, event.MustSchema("acme", "clicks",
		f("country", event.String), f("n", event.Int), f("at", event.Time)))
	if ext.ID != old.ID {
		t.Fatalf("extended ID = %d, want %d", ext.ID, old.ID)
	}
	if got := fieldsOf(ext); got != "user:string,n:int,country:string,at:time" {
		t.Fatalf("extended fields = %s", got)
	}
	for i, name := range []string{"user", "n", "country", "at"} {
		if slot, ok := ext.Slot(name); !ok || slot != i {
			t.Errorf("Slot(%q) = %d, %v; want %d", name, slot, ok, i)
		}
	}
	if got := fieldsOf(old); got != "user:string,n:int" {
		t.Fatalf("published schema was modified: %s", got)
	}
	if r.Schema(old.ID) != ext || r.Lookup("acme", "clicks") != ext {
		t.Fatal("extended schema did not replace the old one in the registry")
	}
	if r.Len() != 2 {
		t.Fatalf("Len = %d after extending, want 2", r.Len())
	}
}

func TestExtendKeepsRegisteredFieldDefinition(t *testing.T) {
	r := registry.New()
	mustRegister(t, r, event.MustSchema("acme", "clicks", event.Field{Name: "user", Kind: event.String, Required: true}))
	ext := mustRegister(t, r, event.MustSchema("acme", "clicks", f("user", event.String), f("n", event.Int)))
	if !ext.Fields[0].Required {
		t.Fatal("re-registration dropped Required from an existing field")
	}
}

func TestKindConflict(t *testing.T) {
	r := registry.New()
	old := mustRegister(t, r, event.MustSchema("acme", "clicks", f("user", event.String), f("n", event.Int)))
	v := r.Snapshot().Version()
	_, err := r.Register(event.MustSchema("acme", "clicks", f("extra", event.Bool), f("n", event.Float)))
	const want = `tenant "acme" type "clicks": field "n" is float, already registered as int`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	var ce *registry.ConflictError
	if !errors.As(err, &ce) || ce.Tenant != "acme" || ce.Type != "clicks" || ce.Field != "n" ||
		ce.Registered != event.Int || ce.Got != event.Float {
		t.Fatalf("ConflictError = %+v", ce)
	}
	if r.Lookup("acme", "clicks") != old || r.Snapshot().Version() != v {
		t.Fatal("a rejected registration changed the registry")
	}
}

func TestRegisterInvalid(t *testing.T) {
	r := registry.New()
	for _, tc := range []struct {
		s    *event.Schema
		want string
	}{
		{nil, "register: nil schema"},
		{&event.Schema{Tenant: "acme"}, `register tenant "acme": type has no name`},
		{&event.Schema{Tenant: "acme", Name: "clicks", Fields: []event.Field{f("a", event.Int), f("a", event.Int)}},
			`register tenant "acme": schema "clicks": duplicate field "a"`},
		{&event.Schema{Tenant: "acme", Name: "clicks", Fields: []event.Field{f("a", event.Int), f("", event.Int)}},
			`register tenant "acme": schema "clicks": field 1 has no name`},
	} {
		got, err := r.Register(tc.s)
		if err == nil || err.Error() != tc.want || got != nil {
			t.Errorf("Register = %v, %v; want nil, %s", got, err, tc.want)
		}
	}
	if r.Len() != 0 {
		t.Fatalf("invalid registrations registered %d types", r.Len())
	}
}

func TestRegisterAll(t *testing.T) {
	r := registry.New()
	mustRegister(t, r, event.MustSchema("acme", "clicks", f("n", event.Int)))
	v := r.Snapshot().Version()
	out, err := r.RegisterAll(
		event.MustSchema("acme", "views", f("page", event.String)),
		event.MustSchema("acme", "clicks", f("n", event.Int), f("user", event.String)),
		event.MustSchema("acme", "views", f("ms", event.Int)),
		event.MustSchema("acme", "clicks"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Snapshot().Version(); got != v+1 {
		t.Fatalf("RegisterAll published %d snapshots, want 1", got-v)
	}
	if out[0].ID != 2 || out[1].ID != 1 || out[2].ID != 2 || out[3] != out[1] {
		t.Fatalf("IDs = %d %d %d %d", out[0].ID, out[1].ID, out[2].ID, out[3].ID)
	}
	if got := fieldsOf(r.Lookup("acme", "views")); got != "page:string,ms:int" {
		t.Fatalf("type listed twice: %s", got)
	}
	if r.Lookup("acme", "views") != out[2] || r.Schema(1) != out[1] {
		t.Fatal("RegisterAll results differ from the registry's")
	}

	// All or nothing.
	v = r.Snapshot().Version()
	_, err = r.RegisterAll(
		event.MustSchema("acme", "orders", f("id", event.Int)),
		event.MustSchema("acme", "clicks", f("user", event.Int)),
	)
	if err == nil || !strings.Contains(err.Error(), `field "user" is int, already registered as string`) {
		t.Fatalf("err = %v", err)
	}
	if r.Lookup("acme", "orders") != nil || r.Snapshot().Version() != v || r.Len() != 2 {
		t.Fatal("a failed RegisterAll registered part of its schemas")
	}
}

func TestTenantsTypesSchemas(t *testing.T) {
	r := registry.New()
	out, err := r.RegisterAll(
		event.MustSchema("globex", "b", f("x", event.Int)),
		event.MustSchema("acme", "z", f("x", event.Int)),
		event.MustSchema("acme", "a", f("x", event.Int)),
		event.MustSchema("", "a", f("x", event.Int)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Tenants(); !slices.Equal(got, []string{"", "acme", "globex"}) {
		t.Errorf("Tenants = %q", got)
	}
	var names []string
	for _, s := range r.Types("acme") {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{"a", "z"}) {
		t.Errorf("Types(acme) = %q", names)
	}
	if got := r.Snapshot().Schemas(); !slices.Equal(got, out) {
		t.Errorf("Schemas = %v, want ID order %v", got, out)
	}
	if len(r.Types("nobody")) != 0 || len(registry.New().Tenants()) != 0 {
		t.Error("empty listings are not empty")
	}
}

// TestRegistrationCopiesLittle: with tens of thousands of types (thousands
// of tenants), registering one more copies the chunk and the name shard it
// changes, not the whole registry.
func TestRegistrationCopiesLittle(t *testing.T) {
	r := registry.New()
	for i := range 20000 {
		mustRegister(t, r, event.MustSchema(fmt.Sprintf("tenant-%d", i), "events", f("n", event.Int)))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const more = 10
	for i := range more {
		mustRegister(t, r, event.MustSchema(fmt.Sprintf("late-%d", i), "events", f("n", event.Int)))
	}
	runtime.ReadMemStats(&after)
	// A whole copy would be at least 20000 IDs × 8 bytes plus 40000 name
	// slots × 16 bytes: 800 KB per registration.
	if per := (after.TotalAlloc - before.TotalAlloc) / more; per > 64<<10 {
		t.Fatalf("a registration allocated %d bytes among 20000 types", per)
	}
	if r.Len() != 20000+more || r.Lookup("late-3", "events") == nil || r.Schema(20000+more).Tenant != "late-9" {
		t.Fatal("registry lost track after the registrations")
	}
}
