// Package spec loads and validates pipeline files.
//
// A pipeline file is YAML in the style of Vector and Redpanda Connect: an
// optional `tenant` (by default the file's base name without extension) and
// named components in three sections, `sources`, `transforms` and `sinks`.
// Each component has a `type`, the `inputs` it reads from (transforms and
// sinks; "name.output" names a side output), an optional `buffer` for its
// input edges, `key` and `parallelism` when its type is keyed, and the
// type's own options. Top-level keys starting with "x-" are ignored so that
// they can hold YAML anchors; anchors, aliases and merge keys ("<<") work
// anywhere.
//
// Parse turns a file into a Pipeline whose components have their Spec
// looked up in a component.Catalog, their options checked, converted to the
// Go types component.Options promises and defaulted, and their inputs
// checked against the other components of the file (kind, side outputs,
// input limits, cycles).
//
// Parsing does not stop at the first problem: every problem found is
// reported as an Error carrying the file, line and column and the component
// it belongs to, and Parse returns them all together as Errors, sorted by
// position. The Pipeline is returned even then (when the YAML itself could
// be parsed) so that later stages can add their own best-effort checks.
//
// The package knows nothing about how a pipeline is compiled or run: the
// Pipeline it produces is a checked description that the compiler turns into
// a logical plan, and the spec's New functions are not called here (the
// compiler calls them once the input schemas are known). Nothing here is on
// a hot path; a Pipeline is not modified once returned and may then be read
// from several goroutines.
package spec
