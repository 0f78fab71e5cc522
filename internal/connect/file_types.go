package connect

import (
	"bytes"
	"fmt"

	"github.com/valyala/fastjson"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// Defaults of the file source's type-discovery limits.
const (
	defaultMaxTypes       = 1000
	defaultMaxExtraFields = 100
)

// fileTypes is the file source's run-time type discovery. With type_field,
// the value of that declared string field names the event's type: a value
// seen for the first time registers the type "<type_name>:<value>" (the
// declared fields, in the declared slots) while the pipeline runs. With
// extra_fields: keep, a key the schema does not declare becomes a field of
// the event's type, its kind taken from its first value: the type is
// evolved in the registry (same ID, the new field in a new slot after every
// existing one), so operators compiled against the declared schema read the
// same slots as before and sinks write the new field.
//
// Registration is rare — once per new type or new field — and bounded by
// maxTypes and maxExtra; a line that would go past a bound is a bad line.
// A fileTypes is owned by its source and not safe for concurrent use.
type fileTypes struct {
	reg      component.Registry
	tenant   string
	prefix   string        // the source's type_name
	base     *event.Schema // the declared schema, registered
	typeSlot int           // slot of type_field; -1 without one
	keep     bool          // extra_fields: keep
	maxTypes int
	maxExtra int

	def     *fileType            // events without a type value
	byValue map[string]*fileType // by type_field value
}

// fileType is one type the source emits.
type fileType struct {
	schema *event.Schema // the latest registered version
	extra  map[string]*fileField
}

func newFileTypes(reg component.Registry, base *event.Schema, prefix string, typeSlot int, keep bool, maxTypes, maxExtra int) *fileTypes {
	t := &fileTypes{reg: reg, tenant: base.Tenant, prefix: prefix, base: base, typeSlot: typeSlot,
		keep: keep, maxTypes: maxTypes, maxExtra: maxExtra, byValue: map[string]*fileType{}}
	t.def = &fileType{schema: base}
	return t
}

// apply gives e, just decoded into the declared slots, its type and its
// undeclared fields (d.unknown). The error names the type or field and the
// bad value.
func (t *fileTypes) apply(d *decoder, e *event.Event) error {
	ft := t.def
	if t.typeSlot >= 0 && t.typeSlot < len(e.Fields) {
		if v := &e.Fields[t.typeSlot]; v.Kind == event.String {
			var err error
			if ft, err = t.lookup(v.S); err != nil {
				return err
			}
		}
	}
	for _, kv := range d.unknown {
		f, err := t.field(ft, kv.key, kv.v)
		if err != nil {
			return err
		}
		val, ok := d.extraValue(f, kv.v)
		if !ok {
			return fmt.Errorf("field %q: expected %s, got %s", f.name, f.kind, d.show(kv.v))
		}
		if f.slot >= len(e.Fields) {
			e.Fields = widen(e.Fields, f.slot+1)
		}
		e.Fields[f.slot] = val
	}
	e.Schema = ft.schema.ID
	return nil
}

// lookup returns the type named by a type_field value, registering it the
// first time it is seen.
func (t *fileTypes) lookup(value string) (*fileType, error) {
	if ft, ok := t.byValue[value]; ok {
		return ft, nil
	}
	if value == "" {
		return nil, fmt.Errorf("field %q: empty type name", t.base.Fields[t.typeSlot].Name)
	}
	if len(t.byValue) >= t.maxTypes {
		return nil, fmt.Errorf("type %q: the source already has max_types (%d) types", value, t.maxTypes)
	}
	s, err := event.NewSchema(t.tenant, t.prefix+":"+value, t.base.Fields...)
	if err != nil {
		return nil, fmt.Errorf("type %q: %w", value, err)
	}
	got, err := t.register(s)
	if err != nil {
		return nil, fmt.Errorf("type %q: %w", value, err)
	}
	ft := &fileType{schema: got}
	// A type registered before (by an earlier run of the tenant) may
	// already hold extra fields: adopt them.
	for _, f := range got.Fields[len(t.base.Fields):] {
		ft.addExtra(f, mustSlot(got, f.Name))
	}
	t.byValue[value] = ft
	return ft, nil
}

// field returns the extra field key of ft, adding it to the type the first
// time it is seen.
func (t *fileTypes) field(ft *fileType, key []byte, v *fastjson.Value) (*fileField, error) {
	if f, ok := ft.extra[string(key)]; ok {
		return f, nil
	}
	if len(ft.extra) >= t.maxExtra {
		return nil, fmt.Errorf("field %q: type %q already has max_extra_fields (%d) undeclared fields", key, ft.schema.Name, t.maxExtra)
	}
	kind, ok := inferKind(v)
	if !ok {
		return nil, fmt.Errorf("field %q: cannot tell the kind of %s", key, v.Type())
	}
	name := string(key)
	fields := append(append([]event.Field(nil), ft.schema.Fields...), event.Field{Name: name, Kind: kind})
	s, err := event.NewSchema(t.tenant, ft.schema.Name, fields...)
	if err != nil {
		return nil, fmt.Errorf("field %q: %w", name, err)
	}
	got, err := t.register(s)
	if err != nil {
		return nil, fmt.Errorf("field %q: %w", name, err)
	}
	ft.schema = got
	return ft.addExtra(event.Field{Name: name, Kind: kind}, mustSlot(got, name)), nil
}

func (ft *fileType) addExtra(f event.Field, slot int) *fileField {
	if ft.extra == nil {
		ft.extra = map[string]*fileField{}
	}
	ff := &fileField{name: f.Name, kind: f.Kind, slot: slot}
	ft.extra[f.Name] = ff
	return ff
}

// register registers s and checks that the declared fields kept their
// slots: operators downstream were compiled against them.
func (t *fileTypes) register(s *event.Schema) (*event.Schema, error) {
	got, err := t.reg.Register(s)
	if err != nil {
		return nil, err
	}
	for i, f := range t.base.Fields {
		if slot, ok := got.Slot(f.Name); !ok || slot != i || got.Fields[slot].Kind != f.Kind {
			return nil, fmt.Errorf("type %q is already registered with field %q elsewhere or of another kind", got.Name, f.Name)
		}
	}
	return got, nil
}

func mustSlot(s *event.Schema, name string) int {
	slot, ok := s.Slot(name)
	if !ok {
		panic("BUG: registered schema " + s.Name + " lacks field " + name)
	}
	return slot
}

// inferKind is the kind an undeclared field takes from its first value:
// string, bool, int for an integral number written without a fraction or
// exponent, float for any other number, and string (the JSON text) for an
// object or array.
func inferKind(v *fastjson.Value) (event.Kind, bool) {
	switch v.Type() {
	case fastjson.TypeString, fastjson.TypeObject, fastjson.TypeArray:
		return event.String, true
	case fastjson.TypeTrue, fastjson.TypeFalse:
		return event.Bool, true
	case fastjson.TypeNumber:
		var buf [32]byte
		text := v.MarshalTo(buf[:0])
		if _, err := v.Int64(); err == nil && !bytes.ContainsAny(text, ".eE") {
			return event.Int, true
		}
		return event.Float, true
	}
	return event.Null, false
}

// widen extends f to length n, the new slots null, reusing its array when
// it is large enough.
func widen(f []event.Value, n int) []event.Value {
	old := len(f)
	if cap(f) < n {
		g := make([]event.Value, n)
		copy(g, f)
		return g
	}
	f = f[:n]
	clear(f[old:])
	return f
}
