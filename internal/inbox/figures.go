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
