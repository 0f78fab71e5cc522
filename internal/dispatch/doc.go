// Package dispatch hands an asynchronous sink's requests to an external
// consumer (a web service, a disk, a log) at a pace the consumer can take,
// on a goroutine of its own, never on a worker.
//
// A sink builds requests (an HTTP sink: one batch of events per request),
// hands each to Enqueue and reports each attempt's end with Done. The
// dispatcher's goroutine decides when each queued request goes out and calls
// the sink's send function with it, oldest first. Three modes:
//
//   - Direct: a request goes out as soon as fewer than MaxInFlight are at the
//     consumer.
//   - Paced: the dispatcher wakes every Period and tops the consumer up to
//     its level, floor(Factor × Rate × Period) requests held at once, capped
//     by MaxInFlight (the model of seed 003 and of internal/sim, where a
//     dispatcher whose wake-ups jitter caps throughput far below the
//     consumer's rate: a phantom jam). Rate is the consumer's, declared or
//     measured.
//   - Adaptive: the most requests at the consumer follows it, as Vector's
//     adaptive request concurrency does: +1 per round trip while round trips
//     stay at their mean and near their baseline (the lowest recent one) and
//     the limit was reached, ×DecreaseRatio on an overload (429, 503, a
//     timeout) or a round trip above mean + k·σ or twice the baseline.
//
// # Lateness compensation
//
// A paced dispatcher that wakes late by Δ releases for Period + Δ instead of
// Period: its level is floor(Factor × Rate × (Period + Δ̂)), where Δ̂ is the
// larger of this wake-up's lateness and the 99th percentile of the lateness
// of the last 256 wake-ups, so that it keeps covering the lateness it keeps
// seeing. Each wake-up's lateness is its gap since the previous one less
// Period. A dispatcher that is never late keeps the level of the article;
// one whose wake-ups jitter holds enough at the consumer to cover its own
// gaps, so its jitter stops capping throughput (Compensate, on by default;
// off reproduces the article and internal/sim exactly).
//
// # Bounds
//
// Every bound is declared in Config, enforced, and counted in Stats: the
// requests at the consumer (MaxInFlight and the mode's level), the requests
// waiting (MaxQueue; Enqueue refuses beyond it, counted), and retries (the
// caller's policy; Retry counts them).
//
// # Measured
//
// Stats reports the wake-up gaps and their lateness (mean and p99 over the
// last 1024 wake-ups), requests enqueued, dispatched and completed, the flow
// ratio (dispatched over completed in the last second), in-flight, queue
// length, the effective rate (completions per second over the last second),
// and, for a paced dispatcher, the simulator's verdict: internal/sim run with
// the measured gaps, the current input rate and the dispatcher's level says
// whether the queue stays bounded.
//
// # Goroutines
//
// Enqueue, Done, Retry and Stats are safe from any goroutine and never
// block beyond a short critical section. send is called on the dispatcher's
// goroutine (or on the goroutine calling Wake) without the lock held, so it
// may call Done itself; it must not block.
package dispatch
