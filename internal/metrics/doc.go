// Package metrics is greenwave's one metrics model: a tree of tenants,
// their components' actors and edges, the engine's workers and the process,
// read at a moment from counters that each have one writer (the engine's
// Stats and Metrics, /proc), so that reading costs the hot path nothing.
//
// A Reader takes successive Snapshots and fills in what needs a previous
// one: rates per second, Flink's busy, idle and back-pressured milliseconds
// per second per actor, the largest batch each edge's consumer took since
// this reader's previous read (no reader resets anything another sees), and
// latency percentiles over the interval. The admin server's /metrics, its
// JSON API and console, `greenwave top`, `greenwave doctor` and `run
// --edges` all read this model.
package metrics
