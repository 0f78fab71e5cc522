package component

import "time"

// Options holds a component's option values, already checked against its
// Spec and defaulted. The getters return the zero value for an absent option
// and panic with a BUG message when asked for an option as the wrong type,
// which would mean the Spec and New disagree.
type Options struct {
	values map[string]any
}

// NewOptions wraps values (as the pipeline parser produced them).
func NewOptions(values map[string]any) Options {
	if values == nil {
		values = map[string]any{}
	}
	return Options{values: values}
}

// Has reports whether the option has a value (given or defaulted).
func (o Options) Has(name string) bool { _, ok := o.values[name]; return ok }

// Raw returns the value of the option and whether it is present.
func (o Options) Raw(name string) (any, bool) { v, ok := o.values[name]; return v, ok }

// Names lists the options that have a value.
func (o Options) Names() []string {
	out := make([]string, 0, len(o.values))
	for k := range o.values {
		out = append(out, k)
	}
	return out
}

func get[T any](o Options, name string) T {
	var zero T
	v, ok := o.values[name]
	if !ok || v == nil {
		return zero
	}
	t, ok := v.(T)
	if !ok {
		panic("BUG: option " + name + " has an unexpected Go type")
	}
	return t
}

// String returns a String, Expr or Enum option.
func (o Options) String(name string) string { return get[string](o, name) }

// Int returns an Int option.
func (o Options) Int(name string) int64 { return get[int64](o, name) }

// Float returns a Float option.
func (o Options) Float(name string) float64 { return get[float64](o, name) }

// Bool returns a Bool option.
func (o Options) Bool(name string) bool { return get[bool](o, name) }

// Duration returns a Duration option.
func (o Options) Duration(name string) time.Duration { return get[time.Duration](o, name) }

// Size returns a Size option in bytes.
func (o Options) Size(name string) int64 { return get[int64](o, name) }

// StringList returns a StringList option.
func (o Options) StringList(name string) []string { return get[[]string](o, name) }

// StringMap returns a StringMap option.
func (o Options) StringMap(name string) map[string]string { return get[map[string]string](o, name) }
