package dispatch

import "time"

// pacedLevelLocked is the paced level: floor(Factor × rate × span)
// requests, where span is Period, plus with Compensate the larger of this
// wake-up's lateness and the p99 of the recent lateness; at least 1, at most
// MaxInFlight. Before a measured rate has its first estimate the level is
// MaxInFlight: the dispatcher measures the consumer unpaced.
func (d *Dispatcher[T]) pacedLevelLocked() int {
	rate := d.rateLocked()
	if rate <= 0 {
		return d.cfg.MaxInFlight
	}
	span := d.cfg.Period
	if d.cfg.Compensate {
		span += max(0, d.mu.lateNow, d.mu.late.p99)
	}
	// The product in the simulator's order (goal × factor × rate), so that
	// an uncompensated level equals its limit exactly.
	l := span.Seconds() * d.cfg.Factor * rate
	return clampLevel(l, d.cfg.MaxInFlight)
}

func clampLevel(l float64, most int) int {
	if !(l >= 1) {
		return 1
	}
	if l >= float64(most) {
		return most
	}
	return int(l)
}

// rateLocked is the consumer's rate: declared, or the measured estimate (0
// until there is one).
func (d *Dispatcher[T]) rateLocked() float64 {
	if d.cfg.Rate > 0 {
		return d.cfg.Rate
	}
	return d.mu.rateEst
}

// minBusy is the least time the consumer must have held requests within
// the last second for it to yield a rate estimate.
const minBusy = 100 * time.Millisecond

// measureRateLocked updates the measured rate from the snapshot s about to
// be added: requests completed per second of the time the consumer held
// requests, over the last second. That is the service rate of a consumer
// that serves one request at a time (a disk, a single-threaded service)
// whether the dispatcher keeps it busy or not; a consumer that serves many
// at once is better declared, or driven by adaptive mode. A flow ratio
// above 1.1 (dispatching faster than the consumer completes) takes the
// estimate down to the completion rate at once, as Seastar's scheduler
// slows its dispatch.
func (d *Dispatcher[T]) measureRateLocked(s snapshot) {
	m := &d.mu
	old, ok := m.hist.since(s.t)
	if !ok {
		return
	}
	busy := s.busy - old.busy
	done := float64(s.complete - old.complete)
	if busy < minBusy || done == 0 {
		return
	}
	est := done / busy.Seconds()
	if m.rateEst == 0 {
		m.rateEst = est
		return
	}
	m.rateEst = 0.5*m.rateEst + 0.5*est
	if flow := float64(s.dispatched-old.dispatched) / done; flow > maxFlowRatio {
		m.rateEst = min(m.rateEst, done/s.t.Sub(old.t).Seconds())
	}
}

// maxFlowRatio is the flow ratio above which a measured rate is taken down.
const maxFlowRatio = 1.1
