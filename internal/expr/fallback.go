package expr

import (
	"reflect"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
	"github.com/greenwave/greenwave/internal/event"
)

// fallback runs a program on expr-lang's VM. Every evaluation builds a
// map[string]any of the fields the expression references (boxing each value)
// and runs a fresh VM, so it allocates per event; it is the price of the
// syntax the native compiler does not cover.
type fallback struct {
	prog  *vm.Program
	kind  event.Kind
	names []string
	slots []int
	kinds []event.Kind
}

var (
	timeType     = reflect.TypeOf(time.Time{})
	durationType = reflect.TypeOf(time.Duration(0))
)

// compileFallback compiles src with expr-lang against an environment typed
// like the schema: int, float64, string, bool and time.Time values.
func compileFallback(src string, in *event.Schema, want event.Kind, cfg *config) (*Program, error) {
	env := make(map[string]any, in.Width())
	for _, f := range in.Fields {
		env[f.Name] = goZero(f.Kind)
	}
	now := cfg.now
	prog, err := expr.Compile(src, expr.Env(env),
		expr.Function("now", func(...any) (any, error) { return now(), nil }, new(func() time.Time)))
	if err != nil {
		return nil, fromLibrary(err)
	}
	typ := prog.Node().Type()
	got := kindOfType(typ)
	var kind event.Kind
	switch {
	case got != event.Null:
		if kind, err = resultKind(src, got, want); err != nil {
			return nil, err
		}
	case typ != nil && typ.Kind() != reflect.Interface:
		return nil, errorAt(src, 0, "expression yields a %s, which no field can hold (bool, int, float, string, time)", typ)
	case want != event.Null:
		// The checker could not tell (an interface{} result): convert at
		// run time, and yield null for a value of another kind.
		kind = want
	default:
		return nil, errorAt(src, 0, "cannot tell the kind of the expression's result; convert it with int(), float(), string() or a comparison")
	}
	fb := &fallback{prog: prog, kind: kind}
	used := referenced(prog.Node(), in)
	for slot, f := range in.Fields {
		if used[f.Name] {
			fb.names = append(fb.names, f.Name)
			fb.slots = append(fb.slots, slot)
			fb.kinds = append(fb.kinds, f.Kind)
		}
	}
	return &Program{src: src, kind: kind, vm: fb}, nil
}

// referenced returns the fields the expression names (all of them when it
// uses $env).
func referenced(root ast.Node, in *event.Schema) map[string]bool {
	v := &identifiers{names: map[string]bool{}}
	ast.Walk(&root, v)
	if v.names["$env"] {
		for _, f := range in.Fields {
			v.names[f.Name] = true
		}
	}
	return v.names
}

type identifiers struct{ names map[string]bool }

func (v *identifiers) Visit(n *ast.Node) {
	if id, ok := (*n).(*ast.IdentifierNode); ok {
		v.names[id.Value] = true
	}
}

// eval runs the program on e; a run-time error (an operation on a null
// field, a failed conversion) yields null.
func (f *fallback) eval(e *event.Event) event.Value {
	env := make(map[string]any, len(f.names))
	for i, name := range f.names {
		env[name] = goValue(e.Get(f.slots[i]), f.kinds[i])
	}
	out, err := expr.Run(f.prog, env)
	if err != nil {
		return event.Value{}
	}
	return toValue(out, f.kind)
}

// goZero is the zero Go value of a kind in the fallback environment.
func goZero(k event.Kind) any {
	switch k {
	case event.Bool:
		return false
	case event.Int:
		return 0
	case event.Float:
		return 0.0
	case event.String:
		return ""
	case event.Time:
		return time.Time{}
	}
	return nil
}

// goValue converts a field value to its Go value (nil for null).
func goValue(v event.Value, k event.Kind) any {
	if v.IsNull() {
		return nil
	}
	switch k {
	case event.Bool:
		return v.Bool()
	case event.Int:
		return int(v.Int())
	case event.Float:
		return v.Float()
	case event.String:
		return v.S
	case event.Time:
		return time.Unix(0, v.Int()).UTC()
	}
	return nil
}

// kindOfType maps a checked result type to a kind (Null when unknown).
func kindOfType(t reflect.Type) event.Kind {
	switch {
	case t == nil:
		return event.Null
	case t == timeType:
		return event.Time
	case t == durationType:
		return event.Int
	}
	switch t.Kind() {
	case reflect.Bool:
		return event.Bool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return event.Int
	case reflect.Float32, reflect.Float64:
		return event.Float
	case reflect.String:
		return event.String
	}
	return event.Null
}

// toValue converts a result to a Value of kind k, or Null when it has no
// such conversion.
func toValue(out any, k event.Kind) event.Value {
	var v event.Value
	switch x := out.(type) {
	case bool:
		v = event.BoolValue(x)
	case int:
		v = event.IntValue(int64(x))
	case int64:
		v = event.IntValue(x)
	case int32:
		v = event.IntValue(int64(x))
	case uint64:
		v = event.IntValue(int64(x))
	case float64:
		v = event.FloatValue(x)
	case float32:
		v = event.FloatValue(float64(x))
	case string:
		v = event.StringValue(x)
	case time.Time:
		v = event.TimeValue(x.UnixNano())
	case time.Duration:
		v = event.IntValue(int64(x))
	}
	switch {
	case v.Kind == k:
		return v
	case k == event.Float && v.Kind == event.Int:
		return event.FloatValue(v.Float())
	case k == event.Int && v.Kind == event.Float:
		return event.IntValue(v.Int())
	}
	return event.Value{}
}
