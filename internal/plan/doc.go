// Package plan compiles a parsed pipeline file into a physical plan.
//
// Compilation has three steps, kept apart so that a later front end (a
// streaming SQL dialect, say) can produce the same logical DAG:
//
//  1. Logical DAG: one node per component, one edge per input reference
//     (with the consuming component's buffer settings). Every component is
//     built once with Validating set, in topological order, so that the
//     output schema of each node is known and field references, expressions
//     and option values are checked against real schemas. Problems are
//     reported as spec.Errors with file:line:column.
//  2. Fusion and partitioning: a chain of stateless operators fuses into the
//     actor of its upstream (a source or a keyed operator) when the link is
//     one-to-one; a keyed operator is split into `parallelism` instances and
//     its input edges hash-partition events by key.
//  3. Placement: actors are spread over the engine's workers.
//
// A Plan is immutable and can be printed (String, Dot).
package plan
