package spec

import "github.com/greenwave/greenwave/internal/diag"

// Pos is a position in a pipeline file (diag.Pos). Line and Col start at
// 1; a Pos with Line 0 names only the file.
type Pos = diag.Pos

// Error is one problem in a pipeline file (diag.Diagnostic). Its text is
//
//	file:12:5: transform "sessions": unknown input "evnts" (did you mean "events"?)
//
// where the component part is left out when Component is "".
type Error = diag.Diagnostic

// Errors is every problem found in one or more pipeline files (diag.List).
// Parse, Load and LoadDir return it sorted by position (file, line,
// column; problems at the same position keep the order in which they were
// found).
type Errors = diag.List

// Errorf returns an Error at pos about component (a Component.Desc, or "").
func Errorf(pos Pos, component string, format string, args ...any) *Error {
	return diag.Errorf(pos, component, format, args...)
}
