package agg

import (
	"errors"
	"slices"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// Call is one aggregate function call inside an aggregate's text.
type Call struct {
	Func Func
	// Field is the field the function reads; "" for count().
	Field string
	// Slot is Field's slot in the input schema; -1 for count().
	Slot int
	// FieldKind is Field's kind in the input schema (Null for count()).
	FieldKind event.Kind
	// Q is the quantile of percentile, in [0, 1].
	Q float64
	// K is the number of values top_k reports.
	K int
	// Kind is the kind of the call's result.
	Kind event.Kind
	// Col is the 1-based column of the call in the aggregate's text.
	Col int
}

// Spec is one parsed aggregate: the output field Name, its result Kind, the
// function calls it makes and, when the text is arithmetic over several
// calls, the expression combining them. A Spec is immutable.
type Spec struct {
	// Name is the output field.
	Name string
	// Text is the aggregate as written.
	Text string
	// Kind is the kind of the result.
	Kind event.Kind
	// Calls lists the function calls in the order they appear in Text.
	Calls []Call
	// expr combines the calls' results; nil when Text is a single call,
	// whose result is the aggregate's.
	expr *node
}

// Arithmetic reports whether the aggregate combines its calls with
// arithmetic (rather than being a single call).
func (s *Spec) Arithmetic() bool { return s.expr != nil }

// Parse parses the text of the aggregate called name against the input
// schema in. Errors are *Error values, located in text.
func Parse(name, text string, in *event.Schema) (*Spec, error) {
	if in == nil {
		panic("BUG: agg.Parse needs the input schema")
	}
	if name == "" {
		return nil, errorAt(1, "the aggregate has no name")
	}
	p := &parser{name: name, text: text, in: in, lex: lexer{src: text}}
	return p.parse()
}

// ParseAll parses a map of aggregate names to texts and returns the specs
// sorted by name. It reports every error, joined, each a
// component.OptionError whose path is the aggregate's name, wrapping the
// *Error located in its text; a caller wraps them in an OptionError of its
// option to place each at its entry in the pipeline file. Callers that keep
// the order of a pipeline file call Parse in that order instead.
func ParseAll(aggs map[string]string, in *event.Schema) ([]*Spec, error) {
	names := make([]string, 0, len(aggs))
	for n := range aggs {
		names = append(names, n)
	}
	slices.Sort(names)
	specs := make([]*Spec, 0, len(names))
	var errs []error
	for _, n := range names {
		s, err := Parse(n, aggs[n], in)
		if err != nil {
			errs = append(errs, &component.OptionError{Path: component.At(n), Err: err})
			continue
		}
		specs = append(specs, s)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return specs, nil
}
