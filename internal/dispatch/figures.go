package dispatch

import "github.com/greenwave/greenwave/internal/component"

// AppendFigures appends the dispatcher's figures (component.Figure), named
// dispatch_*: its mode, limit, what is in flight and queued, the requests
// by how they went, the flow ratio and rates over the last second, the
// round trips; a paced dispatcher's wake-ups and the simulator's verdict;
// an adaptive one's limit changes. Counts are of requests.
func (s Stats) AppendFigures(dst []component.Figure) []component.Figure {
	g, c := component.GaugeOf, component.CounterOf
	dst = append(dst,
		g("dispatch_info", "The dispatcher's mode (value 1).", 1, "mode", s.Mode.String()),
		g("dispatch_limit_requests", "Requests the consumer may hold now: the paced level, the adaptive limit, or max_in_flight.", float64(s.Limit)),
		g("dispatch_max_in_flight_requests", "The bound on requests in flight.", float64(s.MaxInFlight)),
		g("dispatch_in_flight_requests", "Requests released and not done.", float64(s.InFlight)),
		g("dispatch_queued_requests", "Requests waiting to go out, retries included.", float64(s.Queued)),
		g("dispatch_retrying_requests", "Queued requests waiting for a retry's time.", float64(s.Retrying)),
		g("dispatch_queued_max_requests", "The most requests queued at once.", float64(s.MaxQueued)),
		g("dispatch_in_flight_max_requests", "The most requests in flight at once.", float64(s.MaxInFlightSeen)),
		c("dispatch_enqueued_requests_total", "Requests enqueued.", float64(s.Enqueued)),
		c("dispatch_dispatched_requests_total", "Requests released to the consumer (attempts).", float64(s.Dispatched)),
		c("dispatch_completed_requests_total", "Attempts completed, successful or not.", float64(s.Completed)),
		c("dispatch_failed_attempts_total", "Attempts that failed.", float64(s.Failed)),
		c("dispatch_overloads_total", "Failed attempts that said the consumer is overloaded or timed out.", float64(s.Overloads)),
		c("dispatch_retried_requests_total", "Requests retried.", float64(s.Retried)),
		c("dispatch_refused_requests_total", "Requests refused by enqueue (queue full or closed).", float64(s.Refused)),
		g("dispatch_flow_ratio", "Requests dispatched over requests completed in the last second (0 when none completed).", s.FlowRatio),
		g("dispatch_effective_requests_per_second", "Requests completed per second over the last second.", s.EffectiveRate),
		g("dispatch_input_requests_per_second", "Requests enqueued per second over the last second.", s.InputRate),
		g("dispatch_round_trip_mean_seconds", "Mean round trip of the successful attempts that reported one.", s.RTTMean.Seconds()),
		g("dispatch_round_trip_min_seconds", "Shortest round trip of the successful attempts that reported one.", s.RTTMin.Seconds()),
	)
	switch s.Mode {
	case Paced:
		dst = append(dst,
			g("dispatch_paced_period_seconds", "The paced dispatcher's wake-up period.", s.Period.Seconds()),
			g("dispatch_paced_consumer_requests_per_second", "The consumer's rate the paced level uses, declared or measured (0 until measured).", s.Rate),
			c("dispatch_paced_wakes_total", "Wake-ups of the paced dispatcher.", float64(s.Wakes)),
			g("dispatch_paced_wake_gap_mean_seconds", "Mean gap between wake-ups (the measured period), over the last 1024.", s.GapMean.Seconds()),
			g("dispatch_paced_wake_gap_p99_seconds", "99th percentile of the gap between wake-ups, over the last 1024.", s.GapP99.Seconds()),
			g("dispatch_paced_wake_lateness_mean_seconds", "Mean lateness of wake-ups (gap less period), over the last 1024.", s.LatenessMean.Seconds()),
			g("dispatch_paced_wake_lateness_p99_seconds", "99th percentile of wake-up lateness, over the last 1024.", s.LatenessP99.Seconds()),
		)
		if v := s.Verdict; v.Checked {
			bounded := 0.0
			if v.Bounded {
				bounded = 1
			}
			dst = append(dst,
				g("dispatch_sim_bounded", "1 when the simulator says the queue stays bounded at the input rate with the measured wake-ups, 0 when it grows.", bounded),
				g("dispatch_sim_queue_growth_requests_per_second", "The simulated queue's growth at the input rate.", v.Growth),
				g("dispatch_sim_capacity_requests_per_second", "The most the dispatcher can move through the consumer with its level and the measured wake-ups.", v.Capacity),
			)
		}
	case Adaptive:
		dst = append(dst,
			c("dispatch_adaptive_increases_total", "Times the adaptive limit went up.", float64(s.Increases)),
			c("dispatch_adaptive_decreases_total", "Times the adaptive limit went down.", float64(s.Decreases)),
		)
	}
	return dst
}
