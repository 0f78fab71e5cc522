// Package admin is greenwave's admin server and the tenant manager behind
// it: Prometheus metrics built at scrape time (/metrics), the Go profiler
// (/debug/pprof/), a JSON API over the metrics model (internal/metrics)
// and the tenants, runtime tenant management (PUT, DELETE
// /api/tenants/{id}), sampled live events (/api/tap), the web console, and
// /healthz and /readyz.
//
// The server listens on 127.0.0.1 unless told otherwise and, given a token
// file, requires `Authorization: Bearer <token>` on everything but
// /healthz and /readyz. Nothing it does touches the engine's hot path:
// every figure is read from counters with one writer.
package admin
