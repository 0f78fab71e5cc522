package connect

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// requiredValues are values for each spec's required options, so every
// spec can be built with its defaults (the other options absent, as the
// loader leaves them when a file does not set them).
var requiredValues = map[string]map[string]any{
	"source/file":      {"path": "events.jsonl", "schema": map[string]string{"n": "int"}},
	"sink/file":        {"path": "out.jsonl"},
	"source/http":      {"schema": map[string]string{"n": "int"}},
	"source/tcp":       {"schema": map[string]string{"n": "int"}},
	"sink/http":        {"url": "http://127.0.0.1:9/events"},
	"source/jetstream": {"stream": "S", "subject": "s", "schema": map[string]string{"n": "int"}},
	"sink/jetstream":   {"stream": "S", "subject": "s"},
}

func TestSpecsAreDocumentedAndBuildWithDefaults(t *testing.T) {
	specs := Specs()
	if _, err := component.NewCatalog(specs...); err != nil {
		t.Fatal(err)
	}
	goTypes := map[component.OptionType]reflect.Type{
		component.String: reflect.TypeFor[string](), component.Enum: reflect.TypeFor[string](),
		component.Int: reflect.TypeFor[int64](), component.Float: reflect.TypeFor[float64](),
		component.Bool: reflect.TypeFor[bool](), component.Duration: reflect.TypeFor[time.Duration](),
	}
	for _, s := range specs {
		key := s.Kind.String() + "/" + s.Type
		if s.Doc == "" || s.New == nil {
			t.Errorf("%s: missing Doc or New", key)
		}
		values := map[string]any{}
		for _, o := range s.Options {
			if o.Doc == "" {
				t.Errorf("%s: option %q has no Doc", key, o.Name)
			}
			if o.Default != nil {
				if want, ok := goTypes[o.Type]; ok && reflect.TypeOf(o.Default) != want {
					t.Errorf("%s: option %q default is %T, want %v", key, o.Name, o.Default, want)
				}
				if err := o.Check(o.Default); err != nil {
					t.Errorf("%s: option %q default breaks its own bounds: %v", key, o.Name, err)
				}
			}
		}
		for k, v := range requiredValues[key] {
			values[k] = v
		}
		for _, validating := range []bool{true, false} {
			ctx, _ := newCtx(t, "c", values)
			ctx.Validating = validating
			os.WriteFile(filepath.Join(ctx.Dir, "events.jsonl"), nil, 0o644)
			inst, err := s.New(ctx)
			if err != nil {
				t.Errorf("%s (validating %v): %v", key, validating, err)
				continue
			}
			if (s.Kind == component.KindSource) != (inst.Source != nil) || (s.Kind == component.KindSink) != (inst.Operator != nil) {
				t.Errorf("%s: instance has the wrong interface", key)
			}
			if len(inst.SideSchemas) != len(s.SideOutputs) {
				t.Errorf("%s: %d side schemas for %d side outputs", key, len(inst.SideSchemas), len(s.SideOutputs))
			}
		}
	}
}
