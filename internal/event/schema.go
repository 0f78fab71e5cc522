package event

import (
	"fmt"
	"unicode/utf8"
)

// Field describes one slot of a schema.
type Field struct {
	Name string
	Kind Kind
	// Required fields must be present (non-null) in every event a source
	// accepts; a source rejects or dead-letters events missing one.
	Required bool
}

// Schema is an immutable description of an event type: its fields in slot
// order. A Schema is never modified after it is registered; evolution makes a
// new Schema (Extend) whose existing slots are unchanged. Safe for concurrent
// use by any number of goroutines.
type Schema struct {
	// ID is assigned by the registry; 0 means not registered.
	ID uint32
	// Tenant and Name identify the type within the registry.
	Tenant, Name string
	Fields       []Field
	index        map[string]int
}

// NewSchema returns an unregistered schema with the given fields. It reports
// an error for an empty or duplicate field name.
func NewSchema(tenant, name string, fields ...Field) (*Schema, error) {
	s := &Schema{Tenant: tenant, Name: name, Fields: append([]Field(nil), fields...)}
	s.index = make(map[string]int, len(fields))
	for i, f := range fields {
		if f.Name == "" {
			return nil, fmt.Errorf("schema %q: field %d has no name", name, i)
		}
		if _, dup := s.index[f.Name]; dup {
			return nil, fmt.Errorf("schema %q: duplicate field %q", name, f.Name)
		}
		s.index[f.Name] = i
	}
	return s, nil
}

// MustSchema is NewSchema for fixed, known-good field lists; it panics on error.
func MustSchema(tenant, name string, fields ...Field) *Schema {
	s, err := NewSchema(tenant, name, fields...)
	if err != nil {
		panic("BUG: " + err.Error())
	}
	return s
}

// Slot returns the slot of the named field.
func (s *Schema) Slot(name string) (int, bool) {
	i, ok := s.index[name]
	return i, ok
}

// Width is the number of slots.
func (s *Schema) Width() int { return len(s.Fields) }

// Names returns the field names in slot order.
func (s *Schema) Names() []string {
	n := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		n[i] = f.Name
	}
	return n
}

// Extend returns a new, unregistered schema with the same name whose slots
// are s's followed by fields not already present. Fields already present keep
// their slot (and their kind); s is not modified.
func (s *Schema) Extend(fields ...Field) (*Schema, error) {
	all := append([]Field(nil), s.Fields...)
	for _, f := range fields {
		if _, ok := s.index[f.Name]; ok {
			continue
		}
		all = append(all, f)
	}
	return NewSchema(s.Tenant, s.Name, all...)
}

// AppendJSON appends e as a JSON object using s's field names to dst. Missing
// trailing fields are written as null; the event time, when set, is not
// added (it is normally one of the fields).
func (s *Schema) AppendJSON(dst []byte, e *Event) []byte {
	dst = append(dst, '{')
	for i, f := range s.Fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, f.Name)
		dst = append(dst, ':')
		dst = e.Get(i).AppendText(dst)
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Control characters are
// written as \u00XX and bytes that are not valid UTF-8 as \ufffd (as
// encoding/json does), so the output is always valid JSON. It allocates
// only to grow dst.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0 // s[start:i] is pending, to be copied as is
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			if c == '"' || c == '\\' {
				dst = append(dst, '\\', c)
			} else {
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
