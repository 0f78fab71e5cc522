// Package component defines the contracts between pipeline files, the
// compiler, the runtime and the built-in connectors and operators.
//
// Every component type (a source, transform or sink) is described by one
// Spec: its options with their types and defaults, whether it is stateless
// (and so may be fused with its neighbours into one actor), whether it is
// keyed (and so hash-partitioned over parallel instances), its side outputs,
// the exclusive resources its instances claim, and a New function that
// builds one instance. The same Spec drives parsing, defaulting and
// validation of pipeline files, the compiler, and the reference docs
// (`greenwave docs`).
//
// Options nest: an Object option has sub-options, a List or Map option an
// element declaration, each an Option with its own type, default, enum,
// bounds and doc. A Path names any value among them (`schema.ts`,
// `headers[2].name`). New reads options through a Reader, which applies the
// declared defaults and bounds, and reports problems as OptionErrors at
// paths, several at once; the loader turns each path into a file position.
//
// Instances process whole batches: Operator.Process takes a slice of events
// and appends results to an Output whose event slots are reused, so the
// steady state allocates nothing per event. An instance is owned by exactly
// one actor and is never called from two goroutines at once.
package component
