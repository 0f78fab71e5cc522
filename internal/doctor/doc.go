// Package doctor reads a running greenwave's metrics for a while and names
// the traps of the seed articles it sees, each with the figures that show
// it and the fix:
//
//   - consumer-behind: the first component busy but not back-pressured,
//     its input edge full, its producer back-pressured, the tenant falling
//     behind (seed 004; Flink's bottleneck rule);
//   - too-many-threads: more workers than CPUs, threads waiting on the run
//     queue while the workers are not busy (seed 004);
//   - latency-inversion: p50 latency at the lower observed rate above p50
//     at the higher one, with parks per event (seed 002);
//   - contended-state: the Go mutex profile shows a lock taken inside an
//     actor's turn (seed 000);
//   - dispatcher-jitter: a component that dispatches in ticks receives more
//     than it releases (flow ratio above 1.1), and internal/sim, fed its
//     measured period and jitter, says its queue grows without bound
//     (seed 003).
//
// A Doctor is fed snapshots (internal/metrics) and contention windows;
// Watch drives it from a Source, local or over the admin server's API.
package doctor
