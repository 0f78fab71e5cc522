package event

import (
	"slices"
	"strings"
	"testing"
)

func TestNewSchema(t *testing.T) {
	in := []Field{{Name: "user", Kind: String, Required: true}, {Name: "n", Kind: Int}}
	s, err := NewSchema("acme", "clicks", in...)
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != 0 || s.Tenant != "acme" || s.Name != "clicks" || s.Width() != 2 {
		t.Fatalf("schema = %+v", s)
	}
	in[0].Name = "changed"
	if s.Fields[0].Name != "user" {
		t.Fatal("NewSchema kept the caller's slice")
	}
	for name, want := range map[string]int{"user": 0, "n": 1} {
		if slot, ok := s.Slot(name); !ok || slot != want {
			t.Errorf("Slot(%q) = %d, %v; want %d", name, slot, ok, want)
		}
	}
	if _, ok := s.Slot("changed"); ok {
		t.Error("Slot found a field that is not in the schema")
	}
	if got := s.Names(); !slices.Equal(got, []string{"user", "n"}) {
		t.Errorf("Names = %q", got)
	}
}

func TestNewSchemaErrors(t *testing.T) {
	for _, tc := range []struct {
		fields []Field
		want   string
	}{
		{[]Field{{Name: "a"}, {Name: ""}}, `schema "clicks": field 1 has no name`},
		{[]Field{{Name: "a"}, {Name: "b"}, {Name: "a", Kind: Int}}, `schema "clicks": duplicate field "a"`},
	} {
		if _, err := NewSchema("acme", "clicks", tc.fields...); err == nil || err.Error() != tc.want {
			t.Errorf("err = %v, want %s", err, tc.want)
		}
	}
	defer func() {
		p := recover()
		if msg, _ := p.(string); !strings.HasPrefix(msg, "BUG: ") {
			t.Fatalf("MustSchema panic = %v, want a BUG: message", p)
		}
	}()
	MustSchema("acme", "clicks", Field{Name: "a"}, Field{Name: "a"})
}

func TestExtend(t *testing.T) {
	old := MustSchema("acme", "clicks", Field{Name: "user", Kind: String, Required: true}, Field{Name: "n", Kind: Int})
	old.ID = 7
	ext, err := old.Extend(
		Field{Name: "country", Kind: String},
		Field{Name: "n", Kind: Float}, // already present: keeps slot and kind
		Field{Name: "user", Kind: String},
		Field{Name: "at", Kind: Time})
	if err != nil {
		t.Fatal(err)
	}
	want := []Field{{Name: "user", Kind: String, Required: true}, {Name: "n", Kind: Int}, {Name: "country", Kind: String}, {Name: "at", Kind: Time}}
	if !slices.Equal(ext.Fields, want) {
		t.Fatalf("Extend fields = %+v", ext.Fields)
	}
	if ext.Tenant != "acme" || ext.Name != "clicks" || ext.ID != 0 {
		t.Fatalf("extended schema identity = %q %q id %d (want unregistered)", ext.Tenant, ext.Name, ext.ID)
	}
	for i, f := range want {
		if slot, ok := ext.Slot(f.Name); !ok || slot != i {
			t.Errorf("Slot(%q) = %d, %v; want %d", f.Name, slot, ok, i)
		}
	}
	if old.Width() != 2 || old.ID != 7 {
		t.Fatal("Extend modified the original schema")
	}
	if _, ok := old.Slot("country"); ok {
		t.Fatal("Extend added a slot to the original schema's index")
	}
	if _, err := old.Extend(Field{Name: "x"}, Field{Name: "x"}); err == nil {
		t.Fatal("Extend accepted a duplicate new field")
	}
	same, err := old.Extend()
	if err != nil || same == old || !slices.Equal(same.Fields, old.Fields) {
		t.Fatalf("Extend() = %v, %v; want an equal copy", same, err)
	}
}

// A schema is shared by every goroutine of a pipeline: reads must be safe
// concurrently (run with -race).
func TestSchemaConcurrentReads(t *testing.T) {
	s := MustSchema("acme", "clicks", Field{Name: "user", Kind: String}, Field{Name: "n", Kind: Int})
	e := &Event{Fields: []Value{StringValue("u"), IntValue(1)}}
	done := make(chan []byte)
	for range 4 {
		go func() {
			var buf []byte
			for range 200 {
				if slot, ok := s.Slot("n"); !ok || slot != 1 {
					panic("BUG: Slot changed")
				}
				buf = s.AppendJSON(buf[:0], e)
			}
			done <- buf
		}()
	}
	for range 4 {
		if got := string(<-done); got != `{"user":"u","n":1}` {
			t.Fatalf("AppendJSON = %s", got)
		}
	}
}
