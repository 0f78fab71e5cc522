package component

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// OptionError is a problem with one option value: an option, a key of an
// object option, an entry of a map or an element of a list, named by Path.
// The pipeline loader reports it at that value's position in the file.
//
// Err may itself hold OptionErrors (directly, or joined); their paths are
// relative to this one's. That lets a helper that knows nothing of the
// option it is given report problems about its entries (agg.ParseAll names
// the aggregate, its caller the option). Err may also hold a diagnostic
// positioned relative to the value's text (an expression's column), which
// the loader moves to the file.
type OptionError struct {
	Path Path
	Err  error
}

// Error returns `option "schema.ts": <problem>`.
func (e *OptionError) Error() string {
	return "option " + strconv.Quote(e.Path.String()) + ": " + e.Err.Error()
}

func (e *OptionError) Unwrap() error { return e.Err }

// OptErr returns an error about the top-level option name.
func OptErr(name string, format string, args ...any) error {
	return &OptionError{Path: At(name), Err: fmt.Errorf(format, args...)}
}

// PathErr returns an error about the value at p.
func PathErr(p Path, format string, args ...any) error {
	return &OptionError{Path: p, Err: fmt.Errorf(format, args...)}
}

// OptionErrors is several option problems found at once (Reader.Err). Its
// text is one problem per line.
type OptionErrors []*OptionError

func (es OptionErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, for errors.As and errors.Is.
func (es OptionErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Problem is one problem found in an error tree by Problems: an error
// about the value at Path (zero: about the component as a whole).
type Problem struct {
	Path Path
	Err  error
}

// Problems flattens err into the problems it reports. It follows joined
// errors (Unwrap() []error) everywhere and single wrapping (Unwrap() error)
// down to the first OptionError; an OptionError whose Err holds no further
// OptionError is one problem at its path, one that does adds its path to
// theirs. Any other error is one problem about the component, with its own
// text. A nil err has no problems.
func Problems(err error) []Problem {
	var out []Problem
	collect(err, Path{}, &out)
	return out
}

func collect(err error, base Path, out *[]Problem) {
	if err == nil {
		return
	}
	if multi, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range multi.Unwrap() {
			collect(e, base, out)
		}
		return
	}
	var oe *OptionError
	if !errors.As(err, &oe) {
		*out = append(*out, Problem{Path: base, Err: err})
		return
	}
	p := base.Join(oe.Path)
	if holdsOptionError(oe.Err) {
		collect(oe.Err, p, out)
		return
	}
	*out = append(*out, Problem{Path: p, Err: oe.Err})
}

func holdsOptionError(err error) bool {
	var oe *OptionError
	return errors.As(err, &oe)
}
