package ops

import (
	"reflect"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// sampleOptions are valid options for each transform.
var sampleOptions = map[string]map[string]any{
	"filter":    {"condition": `status >= 500`},
	"map":       {"fields": map[string]string{"kb": "bytes / 1000"}},
	"key_by":    {"key": []string{"host"}},
	"count":     {"emit": "flush"},
	"window":    {"window": "tumbling", "size": time.Minute, "aggregates": map[string]string{"n": "count()"}},
	"aggregate": {"aggregates": map[string]string{"n": "count()"}},
	"over":      {"rows": int64(10), "aggregates": map[string]string{"avg_bytes": "avg(bytes)"}},
	"join":      {"mode": "interval", "left_key": []string{"host"}, "right_key": []string{"host"}, "upper": time.Minute, "right_prefix": "r_"},
}

// goTypes are the Go types option values and defaults have, by option type.
var goTypes = map[component.OptionType]reflect.Type{
	component.String:     reflect.TypeOf(""),
	component.Expr:       reflect.TypeOf(""),
	component.Enum:       reflect.TypeOf(""),
	component.Int:        reflect.TypeOf(int64(0)),
	component.Float:      reflect.TypeOf(0.0),
	component.Bool:       reflect.TypeOf(false),
	component.Duration:   reflect.TypeOf(time.Duration(0)),
	component.Size:       reflect.TypeOf(int64(0)),
	component.StringList: reflect.TypeOf([]string(nil)),
	component.StringMap:  reflect.TypeOf(map[string]string(nil)),
}

// TestSpecs: every spec is a documented transform whose defaults have the
// option's Go type, the catalog accepts them, and each builds with valid
// options while validating; stateless ones implement InPlace.
func TestSpecs(t *testing.T) {
	specs := Specs()
	if _, err := component.NewCatalog(specs...); err != nil {
		t.Fatal(err)
	}
	if len(specs) != len(sampleOptions) {
		t.Fatalf("%d specs, %d with sample options", len(specs), len(sampleOptions))
	}
	for _, s := range specs {
		t.Run(s.Type, func(t *testing.T) {
			if s.Kind != component.KindTransform || s.Doc == "" || s.New == nil || s.MaxInputs < 1 || s.MaxInputs > 2 {
				t.Fatalf("spec %+v: want a documented transform of one or two inputs with New", s)
			}
			for _, o := range s.Options {
				if o.Doc == "" {
					t.Errorf("option %q has no doc", o.Name)
				}
				if o.Default != nil && reflect.TypeOf(o.Default) != goTypes[o.Type] {
					t.Errorf("option %q: default %T, want %v", o.Name, o.Default, goTypes[o.Type])
				}
				if o.Type == component.Enum && o.Default != nil && !contains(o.Enum, o.Default.(string)) {
					t.Errorf("option %q: default %q is not one of %v", o.Name, o.Default, o.Enum)
				}
			}
			opts, ok := sampleOptions[s.Type]
			if !ok {
				t.Fatalf("no sample options for %q", s.Type)
			}
			ctx := newCtx(t, "x", opts)
			for len(ctx.Inputs) < s.MaxInputs {
				ctx.Inputs = append(ctx.Inputs, ctx.Inputs[0])
			}
			ctx.Validating = true
			if s.Keyed {
				ctx.Key = []string{"host"}
			}
			inst := build(t, s, ctx)
			if inst.Operator == nil || inst.Schema == nil || inst.Schema.ID == 0 || inst.Source != nil {
				t.Fatalf("instance %+v: want an operator and a registered output schema", inst)
			}
			if _, inPlace := inst.Operator.(component.InPlace); inPlace != s.Stateless {
				t.Errorf("stateless %v but implements InPlace %v", s.Stateless, inPlace)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestOneInput: the transforms read exactly one input.
func TestOneInput(t *testing.T) {
	for _, s := range Specs() {
		if s.MaxInputs != 1 {
			continue // two-input transforms check their input count in their own tests
		}
		ctx := newCtx(t, "x", sampleOptions[s.Type])
		ctx.Inputs = append(ctx.Inputs, ctx.Inputs[0])
		if _, err := s.New(ctx); err == nil || err.Error() != "needs exactly 1 input, got 2" {
			t.Errorf("%s with two inputs: error %v", s.Type, err)
		}
	}
}
