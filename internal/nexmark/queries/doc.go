// Package queries holds the standard Nexmark queries (the nexmark/nexmark
// repository's nexmark-flink/src/main/resources/queries/qN.sql) written as
// greenwave pipeline files.
//
// The pipelines are kept here as text templates so that there is one source
// of truth for three users: the runnable examples in examples/nexmark (the
// pipelines rendered with Defaults, checked equal by this package's tests and
// rewritten by `go test ./internal/nexmark/queries -update`), the `greenwave
// bench nexmark` scenario (rendered with a blackhole sink, the benchmark's
// event count and one keyed instance per core), and the correctness tests
// (rendered with a file sink, a fixed seed, several parallelisms and
// out-of-order input).
//
// Each query's header comment says what the query asks, how the pipeline
// answers it, and where greenwave lacks an operator the query needs: such a
// query is marked not Complete and its pipeline computes only the part that
// greenwave can express, as its header says.
//
// The tests compare every pipeline's output, row for row, with a reference
// computed by plain Go code from the nexmark generator's events, with no
// engine code involved.
//
// Everything here is immutable after package initialisation and safe to use
// from any number of goroutines.
package queries
