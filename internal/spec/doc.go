// Package spec loads and validates pipeline files.
//
// A pipeline file is YAML in the style of Vector and Redpanda Connect: an
// optional `tenant` (by default the file's base name without extension),
// optional `weight` and `limits` for the tenant (PipelineOptions), and named
// components in three sections, `sources`, `transforms` and `sinks`. Each
// component has a `type`, the `inputs` it reads from (transforms and sinks;
// "name.output" names a side output), an optional `buffer` for its input
// edges, `event_time` for a source, `key` and `parallelism` when its type is
// keyed (CommonOptions), and the type's own options. Top-level keys starting
// with "x-" are ignored so that they can hold YAML anchors; anchors, aliases
// and merge keys ("<<") work anywhere. A UTF-8 byte order mark is ignored;
// flow collections nested deeper than 1000 levels are refused before the
// YAML parser, whose time grows with the square of the depth, sees them.
//
// Parse turns a file into a Pipeline whose components have their Spec
// looked up in a component.Catalog, their options checked and converted to
// the Go types component.Options promises (absent ones read as the Spec's
// defaults), and their inputs checked against the other components of the
// file (kind, side outputs, input limits, cycles). Options nest (objects,
// lists, maps, to any depth); one recursive converter handles them, the
// common keys and the top-level keys alike, by their component.Option
// declarations. Any YAML spelling of a number (1e5, 0x10, 1_000) is a
// number where one is expected.
//
// Parsing does not stop at the first problem: every problem found is
// reported as an Error (diag.Diagnostic) carrying the file, line and column
// and the component it belongs to, and Parse returns them all together as
// Errors, sorted by position. Messages quote user input capped (diag.Quote).
// The Pipeline is returned even then (when the YAML itself could be parsed)
// so that later stages can add their own checks: Component.Valid tells
// which components are free of problems.
//
// The position of every value the file sets, nested ones included, travels
// with the Pipeline: Component.Diagnose places the problems a component's
// New reports (component.OptionError at a path, and diagnostics inside an
// expression's text) without reading the file again, and CheckClaims
// reports two components of one run claiming the same resource at both
// places.
//
// The package knows nothing about how a pipeline is compiled or run: the
// Pipeline it produces is a checked description that the compiler turns into
// a logical plan, and the spec's New functions are not called here (the
// compiler calls them once the input schemas are known). Nothing here is on
// a hot path; a Pipeline is not modified once returned and may then be read
// from several goroutines.
package spec
