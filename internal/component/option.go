package component

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/greenwave/greenwave/internal/diag"
)

// OptionType is the type of a component option's value in a pipeline file.
type OptionType uint8

// Option types. Values reach New already converted to the Go type listed:
//
//	String, Expr, Enum  string
//	Int, Count          int64 (Count may be written with a unit, as "64Ki" or "1M")
//	Float               float64
//	Bool                bool
//	Duration            time.Duration, written "250ms", "5s", "1m", "2d"
//	Size                int64 bytes, written "64KiB", "1MB" or a plain number
//	StringList          []string (a single string is a list of one)
//	StringMap           map[string]string
//	Object              Options: the sub-options declared in Option.Options
//	List                []any, each element of the type Option.Elem declares
//	                    (Options for a list of objects)
//	Map                 []Entry in file order, each value of the type
//	                    Option.Elem declares
//	Any                 whatever the YAML held (map[string]any, []any,
//	                    string, int64, float64, bool, nil)
//
// Numbers may be written in any YAML spelling of a number (1e5, 0x10,
// 1_000); an Int takes a float only when it is integral.
const (
	String OptionType = iota
	Int
	Float
	Bool
	Duration
	Size
	Expr
	Enum
	StringList
	StringMap
	Any
	Count
	Object
	List
	Map
)

var optionTypeNames = [...]string{"string", "int", "float", "bool", "duration", "size", "expression", "enum",
	"list of strings", "map of strings", "any", "count", "object", "list", "map"}

func (t OptionType) String() string {
	if int(t) < len(optionTypeNames) {
		return optionTypeNames[t]
	}
	return fmt.Sprintf("optiontype(%d)", uint8(t))
}

// Option describes one option of a component type, or one key of an object
// option, or the elements of a list or map option. Options are declared
// once, in the Spec: the pipeline loader converts, checks and positions
// values by them, Reader applies their defaults and bounds, and the
// reference docs are rendered from them.
type Option struct {
	Name string
	Type OptionType
	// Required options must be present; Default is ignored for them.
	Required bool
	// Default is the value used when the option is absent, of the Go type
	// listed for Type (nil: no default; Options.Has reports false). Object
	// options take no Default: their sub-options have their own.
	Default any
	// Enum lists the allowed values of an Enum option.
	Enum []string
	// Min and Max bound Int, Count, Float, Duration and Size values when
	// HasMin and HasMax are set, in the Go value's unit (nanoseconds for a
	// Duration, bytes for a Size). ExclusiveMin excludes Min itself: the
	// value must be greater.
	Min, Max       float64
	HasMin, HasMax bool
	ExclusiveMin   bool
	// Options are the sub-options of an Object option.
	Options []Option
	// Elem describes each element of a List and each value of a Map (its
	// Name is not used).
	Elem *Option
	// Doc is the reference text: one or more sentences, Markdown inline
	// syntax (`code`) allowed.
	Doc string
}

// Sub returns the sub-option of an Object option with the given name.
func (o *Option) Sub(name string) (*Option, bool) {
	return find(o.Options, name)
}

func find(opts []Option, name string) (*Option, bool) {
	for i := range opts {
		if opts[i].Name == name {
			return &opts[i], true
		}
	}
	return nil, false
}

// Names returns the names of opts, in order.
func Names(opts []Option) []string {
	out := make([]string, len(opts))
	for i := range opts {
		out[i] = opts[i].Name
	}
	return out
}

// Check reports why v, a value of the Go type o.Type names, breaks o's
// enum or bounds, or nil. The message quotes the value and names the
// allowed ones; the caller adds which option it is about. The pipeline
// loader and Reader both check with it, so a problem reads the same
// whether a pipeline file or a direct call to New brought the value.
func (o *Option) Check(v any) error {
	switch o.Type {
	case Enum:
		s, _ := v.(string)
		if !slices.Contains(o.Enum, s) {
			return fmt.Errorf("%s is not one of %s%s", diag.Quote(s), diag.QuoteList(o.Enum), diag.DidYouMean(s, o.Enum))
		}
	case Int, Count, Size:
		n, _ := v.(int64)
		got := strconv.FormatInt(n, 10)
		if o.Type == Size {
			got += " bytes"
		}
		return o.checkRange(float64(n), got)
	case Float:
		f, _ := v.(float64)
		return o.checkRange(f, formatFloat(f))
	case Duration:
		d, _ := v.(time.Duration)
		return o.checkRange(float64(d), d.String())
	}
	return nil
}

// checkRange checks f against the bounds; got is the value as the message
// shows it (rendered from its own type: an int64 beyond 2^53 must print as
// given, not through the float).
func (o *Option) checkRange(f float64, got string) error {
	low := o.HasMin && (f < o.Min || o.ExclusiveMin && f == o.Min)
	high := o.HasMax && f > o.Max
	if !low && !high {
		return nil
	}
	show := o.bound
	switch {
	case o.HasMin && o.HasMax && !o.ExclusiveMin:
		return fmt.Errorf("must be between %s and %s, got %s", show(o.Min), show(o.Max), got)
	case low && o.ExclusiveMin:
		return fmt.Errorf("must be greater than %s, got %s", show(o.Min), got)
	case low:
		return fmt.Errorf("must be at least %s, got %s", show(o.Min), got)
	}
	return fmt.Errorf("must be at most %s, got %s", show(o.Max), got)
}

// bound renders a bound in the option's unit.
func (o *Option) bound(f float64) string {
	switch o.Type {
	case Int, Count:
		return strconv.FormatInt(int64(f), 10)
	case Size:
		return strconv.FormatInt(int64(f), 10) + " bytes"
	case Duration:
		return time.Duration(f).String()
	}
	return formatFloat(f)
}

// Range describes the bounds for docs: "at least 1", "1 to 1024",
// "greater than 0", or "" without bounds.
func (o *Option) Range() string {
	switch o.Type {
	case Int, Count, Size, Float, Duration:
	default:
		return ""
	}
	show := o.bound
	switch {
	case o.HasMin && o.HasMax && !o.ExclusiveMin:
		return show(o.Min) + " to " + show(o.Max)
	case o.HasMin && o.HasMax:
		return "greater than " + show(o.Min) + ", at most " + show(o.Max)
	case o.HasMin && o.ExclusiveMin:
		return "greater than " + show(o.Min)
	case o.HasMin:
		return "at least " + show(o.Min)
	case o.HasMax:
		return "at most " + show(o.Max)
	}
	return ""
}

// TypeName describes the option's type for docs and messages: "int",
// "map of enum", "list of object".
func (o *Option) TypeName() string {
	if (o.Type == List || o.Type == Map) && o.Elem != nil {
		return o.Type.String() + " of " + o.Elem.TypeName()
	}
	return o.Type.String()
}

// FormatValue renders a default or other value of the option's type as a
// pipeline file would spell it: 1s, 64KiB, "" for an empty string.
func (o *Option) FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		if x == "" {
			return `""`
		}
		return x
	case time.Duration:
		return FormatDuration(x)
	case float64:
		return formatFloat(x)
	case int64:
		if o.Type == Size {
			return FormatSize(x)
		}
	case []string:
		return "[" + strings.Join(x, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// FormatSize renders n bytes with the largest binary unit that divides it
// ("64KiB", "1GiB"), or as a plain number.
func FormatSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

// FormatDuration renders d as a pipeline file spells it: "0", "250ms",
// "5s", "1m", "1h30m", "2d".
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	day := 24 * time.Hour
	if d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	s := d.String()
	// time.Duration writes 1m0s and 1h0m0s; drop the zero units.
	for _, z := range []string{"m0s", "h0m"} {
		if len(s) > len(z) && s[len(s)-len(z):] == z {
			s = s[:len(s)-len(z)+1]
		}
	}
	return s
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
