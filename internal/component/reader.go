package component

import (
	"fmt"
	"time"
)

// Reader reads a component's options in its New, the one way sources,
// transforms and sinks read them: each getter returns the given value or
// the Spec's default (so no component restates a default), and checks a
// given value against the option's enum and bounds as the pipeline loader
// does (so a New called directly, by a test or another front end,
// validates the same). Problems are collected, not returned one by one:
// New reads everything, adds its own checks with Fail, and returns Err,
// so that one run reports every problem.
//
// A Reader is used by one goroutine, during one New.
type Reader struct {
	o    Options
	at   Path // where o sits: zero for the component's options
	errs *OptionErrors
}

// NewReader reads o against spec's declarations (whatever o was built
// with).
func NewReader(spec *Spec, o Options) *Reader {
	return &Reader{o: Declared(spec.Options, o.values), errs: new(OptionErrors)}
}

// option returns the declaration of name; asking for an undeclared option
// is a BUG.
func (r *Reader) option(name string) *Option {
	d, ok := find(r.o.decl, name)
	if !ok {
		panic("BUG: option " + r.At(name).String() + " is not declared in the Spec")
	}
	return d
}

// At returns the path of name (and keys under it) in the component's
// options, for Fail.
func (r *Reader) At(name string, keys ...string) Path {
	if r.at.IsZero() {
		return At(name, keys...)
	}
	p := r.at.Key(name)
	for _, k := range keys {
		p = p.Key(k)
	}
	return p
}

// Given reports whether the option was given rather than defaulted.
func (r *Reader) Given(name string) bool {
	r.option(name)
	return r.o.Given(name)
}

// Fail records a problem with the value at p.
func (r *Reader) Fail(p Path, format string, args ...any) {
	*r.errs = append(*r.errs, &OptionError{Path: p, Err: fmt.Errorf(format, args...)})
}

// Report records err as a problem with the value at p; an err holding
// OptionErrors adds p to their paths (see OptionError).
func (r *Reader) Report(p Path, err error) {
	*r.errs = append(*r.errs, &OptionError{Path: p, Err: err})
}

// Failed reports whether any problem has been recorded.
func (r *Reader) Failed() bool { return len(*r.errs) > 0 }

// Err returns the problems recorded, as OptionErrors, or nil.
func (r *Reader) Err() error {
	if len(*r.errs) == 0 {
		return nil
	}
	return *r.errs
}

// read returns the option's value as T: given (checked), or the default,
// or the zero value.
func read[T any](r *Reader, name string) T {
	d := r.option(name)
	var zero T
	v, given := r.o.values[name]
	if !given || v == nil {
		if d.Default == nil || d.Required {
			return zero
		}
		v = cloneDefault(d.Default)
	}
	t, ok := v.(T)
	if !ok {
		panic(fmt.Sprintf("BUG: option %s holds %s, not the Go type of a %s", r.At(name), typeName(v), d.Type))
	}
	if given {
		if err := d.Check(t); err != nil {
			r.Report(r.At(name), err)
		}
	}
	return t
}

// String returns a String, Expr or Enum option.
func (r *Reader) String(name string) string { return read[string](r, name) }

// Int returns an Int or Count option.
func (r *Reader) Int(name string) int64 { return read[int64](r, name) }

// Float returns a Float option.
func (r *Reader) Float(name string) float64 { return read[float64](r, name) }

// Bool returns a Bool option.
func (r *Reader) Bool(name string) bool { return read[bool](r, name) }

// Duration returns a Duration option.
func (r *Reader) Duration(name string) time.Duration { return read[time.Duration](r, name) }

// Size returns a Size option in bytes.
func (r *Reader) Size(name string) int64 { return read[int64](r, name) }

// StringList returns a StringList option.
func (r *Reader) StringList(name string) []string { return read[[]string](r, name) }

// StringMap returns a StringMap option, or a Map of strings as a Go map.
func (r *Reader) StringMap(name string) map[string]string {
	r.option(name)
	return r.o.StringMap(name)
}

// Map returns a Map option's entries, in file order (sorted by key when
// given as a Go map). Each entry's value is checked against the element
// declaration.
func (r *Reader) Map(name string) []Entry {
	d := r.option(name)
	es := r.o.Map(name)
	if d.Elem != nil && r.o.Given(name) {
		for _, e := range es {
			if err := d.Elem.Check(e.Value); err != nil {
				r.Report(r.At(name, e.Key), err)
			}
		}
	}
	return es
}

// Object returns a reader of an Object option's sub-options, sharing this
// reader's problems; paths of its problems start with name.
func (r *Reader) Object(name string) *Reader {
	r.option(name)
	return &Reader{o: r.o.Object(name), at: r.At(name), errs: r.errs}
}

// Objects returns a reader for each element of a List of objects.
func (r *Reader) Objects(name string) []*Reader {
	r.option(name)
	var out []*Reader
	for i, o := range r.o.Objects(name) {
		out = append(out, &Reader{o: o, at: r.At(name).Index(i), errs: r.errs})
	}
	return out
}
