package spec

import (
	"errors"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/diag"
)

// Diagnose turns an error about the component, such as one its Spec.New
// returned, into diagnostics, one per problem it holds, each at the exact
// place in the file (see component.Problems):
//
//   - a problem with an option value is reported at that value (a nested
//     key, map entry or list element included) as `option "path": ...`;
//     when it holds a diagnostic positioned inside the value's text (an
//     expression's column), at that column;
//   - a diagnostic that already has a file position is kept as it is;
//   - anything else is a problem of the component, at its type.
//
// No file is read: the positions were recorded when the file was parsed.
func (c *Component) Diagnose(err error) Errors {
	var out Errors
	for _, pr := range component.Problems(err) {
		var d *diag.Diagnostic
		isDiag := errors.As(pr.Err, &d)
		if isDiag && d.File != "" {
			cp := *d
			if cp.Component == "" {
				cp.Component = c.Desc()
			}
			out = append(out, &cp)
			continue
		}
		if pr.Path.IsZero() {
			out = append(out, Errorf(c.TypePos, c.Desc(), "%s", pr.Err.Error()))
			continue
		}
		pos, msg := c.PathPos(pr.Path), pr.Err.Error()
		if isDiag && d.IsRelative() {
			if tp, ok := c.TextPos(pr.Path, d.Line, d.Col); ok {
				pos = tp
				if pr.Err == error(d) {
					msg = d.Message() // the position says the line
				}
			}
		}
		out = append(out, Errorf(pos, c.Desc(), "option %s: %s", quotePath(pr.Path), msg))
	}
	return out
}
