package connect

import (
	"errors"
	"io"
	"net"
	"sync/atomic"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/dispatch"
)

// httpSinkCounters are the http sink's counters, written by the goroutines
// that do the work and read by Report.
type httpSinkCounters struct {
	batches, events, delivered     atomic.Uint64
	attempts, retries, gaveUp      atomic.Uint64
	deadLettered, oversize         atomic.Uint64
	ok, status429, status503       atomic.Uint64
	status4xx, status5xx           atomic.Uint64
	timeouts, closed, otherFailure atomic.Uint64
}

// count counts one attempt's answer.
func (c *httpSinkCounters) count(a httpAnswer) {
	switch {
	case a.ok():
		c.ok.Add(1)
	case a.status == 429:
		c.status429.Add(1)
	case a.status == 503:
		c.status503.Add(1)
	case a.status >= 500:
		c.status5xx.Add(1)
	case a.status != 0:
		c.status4xx.Add(1)
	case a.timeout:
		c.timeouts.Add(1)
	case isConnectionError(a.err):
		c.closed.Add(1)
	default:
		c.otherFailure.Add(1)
	}
}

// isConnectionError reports an error of the connection itself (refused,
// reset, closed before the answer).
func isConnectionError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// HTTPSinkStats is what an http sink reports: batches and events, attempts
// and how they ended, and its dispatcher's figures.
type HTTPSinkStats struct {
	URL string
	// Batches sealed and the events in them; events delivered (a 2xx).
	Batches, Events, Delivered uint64
	// Attempts made, Retries scheduled, batches GaveUp on after their last
	// attempt; events DeadLettered; Oversize events (alone above
	// batch.max_bytes).
	Attempts, Retries, GaveUp, DeadLettered, Oversize uint64
	// Answers: 2xx, 429, 503, other 5xx, other statuses; attempts that got
	// none: Timeouts, connection errors (Closed), Other errors.
	OK, Status429, Status503, Status5xx, Status4xx, Timeouts, Closed, Other uint64
	Dispatch                                                                dispatch.Stats
}

// Report returns the sink's figures. It is safe from any goroutine.
func (s *httpSink) Report() any {
	c := &s.stats
	r := HTTPSinkStats{URL: s.url,
		Batches: c.batches.Load(), Events: c.events.Load(), Delivered: c.delivered.Load(),
		Attempts: c.attempts.Load(), Retries: c.retries.Load(), GaveUp: c.gaveUp.Load(),
		DeadLettered: c.deadLettered.Load(), Oversize: c.oversize.Load(),
		OK: c.ok.Load(), Status429: c.status429.Load(), Status503: c.status503.Load(), Status5xx: c.status5xx.Load(),
		Status4xx: c.status4xx.Load(), Timeouts: c.timeouts.Load(), Closed: c.closed.Load(), Other: c.otherFailure.Load(),
	}
	if s.d != nil {
		r.Dispatch = s.d.Stats()
	}
	return r
}

// AppendFigures appends the sink's figures (component.Figure), named
// http_sink_*, then its dispatcher's (dispatch_*).
func (r HTTPSinkStats) AppendFigures(dst []component.Figure) []component.Figure {
	c := component.CounterOf
	dst = append(dst,
		c("http_sink_batches_total", "Batches sealed.", float64(r.Batches)),
		c("http_sink_batched_events_total", "Events in the batches sealed.", float64(r.Events)),
		c("http_sink_delivered_events_total", "Events delivered (answered 2xx).", float64(r.Delivered)),
		c("http_sink_attempts_total", "Requests sent, retries included.", float64(r.Attempts)),
		c("http_sink_retries_total", "Retries scheduled.", float64(r.Retries)),
		c("http_sink_given_up_batches_total", "Batches given up after their last attempt.", float64(r.GaveUp)),
		c("http_sink_dead_lettered_events_total", "Events written to the dead-letter file.", float64(r.DeadLettered)),
		c("http_sink_oversize_events_total", "Events alone above batch.max_bytes.", float64(r.Oversize)),
	)
	for _, a := range [...]struct {
		class string
		n     uint64
	}{{"2xx", r.OK}, {"429", r.Status429}, {"503", r.Status503}, {"5xx", r.Status5xx}, {"other_status", r.Status4xx},
		{"timeout", r.Timeouts}, {"closed", r.Closed}, {"error", r.Other}} {
		dst = append(dst, c("http_sink_answers_total", "Attempts by how they ended: the answer's status class, or no answer (timeout, closed connection, other error).",
			float64(a.n), "class", a.class))
	}
	return r.Dispatch.AppendFigures(dst)
}
