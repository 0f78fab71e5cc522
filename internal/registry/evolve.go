package registry

import (
	"fmt"

	"github.com/greenwave/greenwave/internal/event"
)

// ConflictError reports a field registered again with another kind.
type ConflictError struct {
	Tenant, Type, Field string
	// Registered is the field's kind in the registry; Got is the kind the
	// rejected registration gave it.
	Registered, Got event.Kind
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("tenant %q type %q: field %q is %s, already registered as %s",
		e.Tenant, e.Type, e.Field, e.Got, e.Registered)
}

// Evolve returns the schema that registering s yields when old is already
// registered under the same tenant and name: old itself when every field of s
// is already in old with the same kind (s may list fewer fields, in any
// order), or a new schema with old's ID whose slots are old's followed by the
// fields of s that old lacks, in their order in s. A field of s whose kind
// differs from old's is a *ConflictError. Fields already in old keep their
// definition, including Required. Neither old nor s is modified.
//
// old must have been built by event.NewSchema (or be a registered schema);
// s must have valid fields (no empty or duplicate names).
func Evolve(old, s *event.Schema) (*event.Schema, error) {
	added := false
	for _, f := range s.Fields {
		i, ok := old.Slot(f.Name)
		if !ok {
			added = true
			continue
		}
		if k := old.Fields[i].Kind; k != f.Kind {
			return nil, &ConflictError{Tenant: old.Tenant, Type: old.Name, Field: f.Name, Registered: k, Got: f.Kind}
		}
	}
	if !added {
		return old, nil
	}
	ext, err := old.Extend(s.Fields...)
	if err != nil {
		return nil, fmt.Errorf("tenant %q: %w", old.Tenant, err)
	}
	ext.ID = old.ID
	return ext, nil
}
