package component

import (
	"maps"
	"slices"
	"sort"
	"time"
)

// Options holds a component's option values (or an object option's), as
// the pipeline loader converted them, together with the declarations they
// were checked against. A getter returns the given value, or else the
// declared default, or else the zero value; it panics with a BUG message
// when asked for an option as the wrong type, which would mean the Spec and
// New disagree. Options is a read-only value, safe to copy and to read from
// several goroutines.
type Options struct {
	decl   []Option
	values map[string]any
}

// NewOptions wraps values given without declarations (as a test or another
// front end builds them): getters return no defaults. Reader restores them
// from the Spec.
func NewOptions(values map[string]any) Options {
	return Options{values: values}
}

// Declared wraps values (as the pipeline loader produced them) with the
// options they were checked against, whose defaults the getters return for
// absent values.
func Declared(decl []Option, values map[string]any) Options {
	return Options{decl: decl, values: values}
}

// Entry is one entry of a Map option, in file order.
type Entry struct {
	Key   string
	Value any
}

// Given reports whether the option was given (not defaulted).
func (o Options) Given(name string) bool {
	v, ok := o.values[name]
	return ok && v != nil
}

// Has reports whether the option has a value, given or defaulted.
func (o Options) Has(name string) bool {
	_, ok := o.lookup(name)
	return ok
}

// Raw returns the value of the option, given or defaulted, and whether
// there is one.
func (o Options) Raw(name string) (any, bool) { return o.lookup(name) }

// Names lists the options given, sorted.
func (o Options) Names() []string {
	out := make([]string, 0, len(o.values))
	for k, v := range o.values {
		if v != nil {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Declarations returns the options o was checked against (nil when built
// by NewOptions).
func (o Options) Declarations() []Option { return o.decl }

func (o Options) lookup(name string) (any, bool) {
	if v, ok := o.values[name]; ok && v != nil {
		return v, true
	}
	if d, ok := find(o.decl, name); ok && d.Default != nil && !d.Required {
		return cloneDefault(d.Default), true
	}
	return nil, false
}

// cloneDefault copies list and map defaults, so that a component that
// changes the value it read changes neither the Spec nor another
// component's.
func cloneDefault(v any) any {
	switch d := v.(type) {
	case []string:
		return slices.Clone(d)
	case map[string]string:
		return maps.Clone(d)
	case []Entry:
		return slices.Clone(d)
	case []any:
		return slices.Clone(d)
	}
	return v
}

func get[T any](o Options, name string) T {
	var zero T
	v, ok := o.lookup(name)
	if !ok {
		return zero
	}
	t, ok := v.(T)
	if !ok {
		panic("BUG: option " + name + " holds " + typeName(v) + ", not the Go type of its option type")
	}
	return t
}

// String returns a String, Expr or Enum option.
func (o Options) String(name string) string { return get[string](o, name) }

// Int returns an Int or Count option.
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

// StringMap returns a StringMap option, or a Map of strings, enums or
// expressions as a Go map.
func (o Options) StringMap(name string) map[string]string {
	v, ok := o.lookup(name)
	if !ok {
		return nil
	}
	if m, ok := v.(map[string]string); ok {
		return m
	}
	out := map[string]string{}
	for _, e := range entries(name, v) {
		s, ok := e.Value.(string)
		if !ok {
			panic("BUG: option " + name + " is not a map of strings")
		}
		out[e.Key] = s
	}
	return out
}

// Map returns a Map option's entries in file order (a StringMap's sorted
// by key).
func (o Options) Map(name string) []Entry {
	v, ok := o.lookup(name)
	if !ok {
		return nil
	}
	return entries(name, v)
}

// entries converts the Go values a map option may hold: []Entry from the
// loader, or a Go map from a test or another front end (sorted by key).
func entries(name string, v any) []Entry {
	switch m := v.(type) {
	case []Entry:
		return m
	case map[string]string:
		out := make([]Entry, 0, len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			out = append(out, Entry{Key: k, Value: m[k]})
		}
		return out
	case map[string]any:
		out := make([]Entry, 0, len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			out = append(out, Entry{Key: k, Value: m[k]})
		}
		return out
	}
	panic("BUG: option " + name + " holds " + typeName(v) + ", not a map")
}

// Object returns an Object option's values. An absent object gives its
// sub-options' defaults.
func (o Options) Object(name string) Options {
	d, _ := find(o.decl, name)
	var sub []Option
	if d != nil {
		sub = d.Options
	}
	v, ok := o.values[name]
	if !ok || v == nil {
		return Options{decl: sub}
	}
	return asObject(name, sub, v)
}

func asObject(name string, decl []Option, v any) Options {
	switch x := v.(type) {
	case Options:
		if x.decl == nil {
			x.decl = decl
		}
		return x
	case map[string]any:
		return Options{decl: decl, values: x}
	}
	panic("BUG: option " + name + " holds " + typeName(v) + ", not an object")
}

// List returns a List option's elements.
func (o Options) List(name string) []any { return get[[]any](o, name) }

// Objects returns the elements of a List of objects.
func (o Options) Objects(name string) []Options {
	d, _ := find(o.decl, name)
	var sub []Option
	if d != nil && d.Elem != nil {
		sub = d.Elem.Options
	}
	var out []Options
	for _, v := range o.List(name) {
		out = append(out, asObject(name, sub, v))
	}
	return out
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an int64"
	case float64:
		return "a float64"
	case bool:
		return "a bool"
	case time.Duration:
		return "a time.Duration"
	case []string:
		return "a []string"
	case map[string]string:
		return "a map[string]string"
	case []any:
		return "a []any"
	case []Entry:
		return "a []Entry"
	case Options:
		return "an Options"
	}
	return "an unexpected Go type"
}
