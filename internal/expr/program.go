package expr

import (
	"slices"
	"strings"
	"time"

	"github.com/expr-lang/expr/parser"
	"github.com/greenwave/greenwave/internal/event"
)

// Program is a compiled expression. It is immutable and safe for concurrent
// use by any number of goroutines.
type Program struct {
	src    string
	kind   event.Kind
	native bool
	// root is the compiled tree of a native program.
	root *node
	// vm runs a program the native compiler does not support.
	vm *fallback
}

// Option configures Compile.
type Option func(*config)

type config struct {
	now func() time.Time
	// generic turns off operands and predicates, so that tests can check
	// them against the generic functions they replace.
	generic bool
}

// WithClock makes now() read the given clock instead of time.Now (tests
// inject a fixed clock; operators pass their Context's clock).
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// Compile compiles src against the input schema in (which must not be
// nil). want is the kind the result must have, or event.Null to accept any
// kind; an Int result is accepted (and converted) where Float is wanted.
// Errors are *Error, located in src.
//
// Compile first tries the native compiler, which turns the expression into a
// tree of typed functions over event slots; an expression using syntax the
// native compiler does not support is compiled by expr-lang instead (see
// the package documentation) and Native reports false.
func Compile(src string, in *event.Schema, want event.Kind, opts ...Option) (*Program, error) {
	cfg := config{now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	if strings.TrimSpace(src) == "" {
		return nil, at(1, 1, "expression is empty")
	}
	tree, err := parser.Parse(src)
	if err != nil {
		return nil, fromLibrary(err)
	}
	c := &compiler{src: src, schema: in, now: cfg.now, generic: cfg.generic}
	root, err := c.compile(tree.Node)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return compileFallback(src, in, want, &cfg)
	}
	kind, err := resultKind(src, root.kind, want)
	if err != nil {
		return nil, err
	}
	return &Program{src: src, kind: kind, native: true, root: root.as(kind)}, nil
}

// resultKind checks the kind an expression yields against the wanted kind
// and returns the program's kind.
func resultKind(src string, got, want event.Kind) (event.Kind, error) {
	switch {
	case got == event.Null:
		return 0, errorAt(src, 0, "expression is always nil, so its kind is unknown")
	case want == event.Null || got == want:
		return got, nil
	case want == event.Float && got == event.Int:
		return event.Float, nil
	}
	return 0, errorAt(src, 0, "expression must be %s, got %s", want, got)
}

// Source returns the expression text.
func (p *Program) Source() string { return p.src }

// Kind returns the kind of the values the program yields (never Null).
func (p *Program) Kind() event.Kind { return p.kind }

// Native reports whether the program runs as compiled typed functions (no
// allocation per evaluation, except for operations that build a new string)
// rather than on expr-lang's virtual machine (which allocates per event).
func (p *Program) Native() bool { return p.native }

// Bool evaluates a program of kind Bool on e. A null result counts as
// false. It panics if the program's kind is not Bool.
func (p *Program) Bool(e *event.Event) bool {
	if p.kind != event.Bool {
		panic("BUG: Bool called on a " + p.kind.String() + " program")
	}
	if p.native {
		v, ok := p.root.b(e)
		return v && ok
	}
	v := p.vm.eval(e)
	return v.Kind == event.Bool && v.N != 0
}

// BoolBatch evaluates a program of kind Bool on every event of evs, as
// Bool does, and returns the results appended to dst[:0] (in the order of
// evs), reusing dst's array when it is large enough. It makes at most one
// call through a function value per event (none for a comparison of an int
// field with a constant), where a loop over Bool makes two. It panics if
// the program's kind is not Bool.
func (p *Program) BoolBatch(evs []event.Event, dst []bool) []bool {
	if p.kind != event.Bool {
		panic("BUG: BoolBatch called on a " + p.kind.String() + " program")
	}
	dst = slices.Grow(dst[:0], len(evs))[:len(evs)]
	if !p.native {
		for i := range evs {
			v := p.vm.eval(&evs[i])
			dst[i] = v.Kind == event.Bool && v.N != 0
		}
		return dst
	}
	if pr := p.root.pred; pr != nil && pr.batch != nil {
		pr.batch(evs, dst)
		return dst
	}
	b := p.root.b
	for i := range evs {
		v, ok := b(&evs[i])
		dst[i] = v && ok
	}
	return dst
}

// Value evaluates the program on e. The result has the program's kind, or
// is Null.
func (p *Program) Value(e *event.Event) event.Value {
	if p.native {
		return p.root.value(e)
	}
	return p.vm.eval(e)
}
