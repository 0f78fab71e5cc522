package inbox

import "github.com/greenwave/greenwave/internal/component"

// AppendFigures appends the inbox's figures (component.Figure), named
// inbox_*: its capacity, depth and fill, the events it accepted and
// refused, and the Puts that waited for room and for how long.
func (s Stats) AppendFigures(dst []component.Figure) []component.Figure {
	return append(dst,
		component.GaugeOf("inbox_capacity_events", "Events the source's queue holds at most.", float64(s.Capacity)),
		component.GaugeOf("inbox_depth_events", "Events waiting in the source's queue.", float64(s.Depth)),
		component.GaugeOf("inbox_fill_ratio", "Events waiting in the source's queue over its capacity.", s.Fill()),
		component.CounterOf("inbox_accepted_events_total", "Events the source's queue accepted.", float64(s.Accepted)),
		component.CounterOf("inbox_refused_events_total", "Events the source's queue refused (full past the timeout, or closed).", float64(s.Refused)),
		component.CounterOf("inbox_refused_puts_total", "Puts into the source's queue that gave up.", float64(s.RefusedPuts)),
		component.CounterOf("inbox_waits_total", "Puts into the source's queue that found no room at first and waited.", float64(s.Waits)),
		component.CounterOf("inbox_wait_seconds_total", "Time puts waited for room in the source's queue, counted when the wait ends.", s.WaitTime.Seconds()),
	)
}

// AppendFigures appends the figures of a Commits, named
// <prefix>durable_*: the units waiting (a gauge named after unit, such as
// "requests"), the bound, the waits that ended durable, timed out or were
// abandoned, the Reserves refused, and the 0.5 and 0.99 quantiles of the
// durable waits' durations. what names one wait in the help ("requests",
// "batches of lines").
func (s CommitStats) AppendFigures(dst []component.Figure, prefix, unit, what string) []component.Figure {
	g, c := component.GaugeOf, component.CounterOf
	return append(dst,
		g(prefix+"durable_waiting_"+unit, "With ack: durable, "+unit+" waiting for a checkpoint to commit their events.", float64(s.Waiting)),
		g(prefix+"durable_waiting_limit_"+unit, "With ack: durable, the most "+unit+" that may wait for a checkpoint at once.", float64(s.Max)),
		c(prefix+"durable_committed_total", "With ack: durable, "+what+" acknowledged once a committed checkpoint held their events.", float64(s.Durable)),
		c(prefix+"durable_timeouts_total", "With ack: durable, "+what+" whose wait for a checkpoint timed out (ack_timeout).", float64(s.Timeouts)),
		c(prefix+"durable_abandoned_total", "With ack: durable, "+what+" told that no checkpoint will hold their events (the source stopped).", float64(s.NotDurable)),
		c(prefix+"durable_busy_total", "With ack: durable, "+what+" refused because ack_max_waiting were waiting already.", float64(s.Busy)),
		g(prefix+"durable_wait_seconds", "With ack: durable, quantile of the time from queueing events to the commit of a checkpoint holding them.", s.P50.Seconds(), "quantile", "0.5"),
		g(prefix+"durable_wait_seconds", "With ack: durable, quantile of the time from queueing events to the commit of a checkpoint holding them.", s.P99.Seconds(), "quantile", "0.99"),
	)
}
