// Package diag holds greenwave's one kind of diagnostic: a problem at a
// place in a pipeline file, or in a text inside one (an expression, an
// aggregate), with the component it belongs to, a message and an optional
// suggestion. The pipeline loader, the expression and aggregate compilers
// and the plan compiler all report Diagnostics, so every problem reads the
// same:
//
//	pipeline.yaml:12:5: transform "sessions": unknown input "evnts" (did you mean "events"?)
//
// It also holds the one "did you mean" rule (Suggest) and the rule for
// quoting user input in messages (Quote), which caps what a message quotes
// so that a megabyte of bad input never becomes a megabyte of error.
//
// Everything here is a plain value: safe to copy, and safe to read from
// several goroutines once built.
package diag
