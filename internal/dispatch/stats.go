package dispatch

import (
	"time"

	"github.com/greenwave/greenwave/internal/sim"
)

// Stats is a snapshot of a dispatcher's figures. Counts are of requests.
type Stats struct {
	Mode       Mode
	Period     time.Duration // paced
	Factor     float64       // paced
	Compensate bool          // paced
	// Rate is the consumer's rate the paced level uses: declared, or
	// measured (RateMeasured; 0 until the first estimate).
	Rate         float64
	RateMeasured bool
	// Limit is how many requests the consumer may hold now: the paced
	// level, the adaptive limit, or MaxInFlight (direct).
	Limit       int
	MaxInFlight int
	// InFlight are released and not done; Queued wait to go out (Retrying
	// of them wait for a retry's time); MaxQueued and MaxInFlightSeen are
	// the most seen at once.
	InFlight, Queued, Retrying, MaxQueued, MaxInFlightSeen int

	Enqueued, Dispatched, Completed uint64
	// Failed attempts (Overloads of them said the consumer is overloaded or
	// timed out); Retried requests; Refused by Enqueue (queue full or
	// closed).
	Failed, Overloads, Retried, Refused uint64

	// Paced wake-ups: how many, their gap (the measured period) and the
	// lateness (gap − Period), mean and p99 over the last 1024.
	Wakes                     uint64
	GapMean, GapP99           time.Duration
	LatenessMean, LatenessP99 time.Duration

	// FlowRatio is dispatched over completed in the last second (0 when
	// nothing completed); EffectiveRate the completions and InputRate the
	// requests enqueued per second over it.
	FlowRatio, EffectiveRate, InputRate float64

	// RTTMean and RTTMin are over the successful attempts that reported one.
	RTTMean, RTTMin time.Duration
	// Adaptive: how often the limit went up and down.
	Increases, Decreases uint64

	// Verdict is the simulator's, for paced dispatchers.
	Verdict Verdict
}

// Verdict is what internal/sim says of a paced dispatcher with the
// measured parameters: its wake-up gaps (the last 1024), its current level
// as the dispatch limit, the consumer's rate, and the current input rate.
type Verdict struct {
	// Checked is false until there are enough wake-ups (256), a rate and
	// some input.
	Checked bool
	// Bounded: the simulated queue stays bounded at InputRate (the
	// simulator's definition: see internal/sim).
	Bounded bool
	// InputRate is the producer rate simulated; Factor the dispatch
	// limit over rate × period (the configured factor, or more with
	// compensation).
	InputRate, Factor float64
	// Growth is the simulated queue's growth in requests per second.
	Growth float64
	// Capacity is the closed form over the measured gaps: the most the
	// dispatcher can move through this consumer with its level
	// (C · mean(min(gap, level/C)) / mean(gap)).
	Capacity float64
	// At is when it was computed (at most once a second).
	At time.Time
}

// Stats returns the dispatcher's figures. It is safe from any goroutine.
// A paced dispatcher's verdict is recomputed at most once a second, by the
// caller (a simulation of a few thousand wake-ups, outside the lock).
func (d *Dispatcher[T]) Stats() Stats {
	now := d.clock.Now()
	d.mu.Lock()
	m := &d.mu
	s := Stats{
		Mode: d.cfg.Mode, Period: d.cfg.Period, Factor: d.cfg.Factor, Compensate: d.cfg.Compensate,
		Rate: d.rateLocked(), RateMeasured: d.cfg.Rate == 0 && d.cfg.Mode == Paced,
		Limit: d.limitLocked(), MaxInFlight: d.cfg.MaxInFlight,
		InFlight: m.inflight, Queued: m.q.len() + m.retry.len(), Retrying: m.retry.len(),
		MaxQueued: m.maxQueued, MaxInFlightSeen: m.maxInFlight,
		Enqueued: m.enqueued, Dispatched: m.dispatched, Completed: m.completed,
		Failed: m.failed, Overloads: m.overloads, Retried: m.retried, Refused: m.refused,
		Wakes: m.wakes, RTTMin: m.rttMin,
		Increases: m.arc.increases, Decreases: m.arc.decreases,
	}
	if d.cfg.Mode == Paced {
		s.Limit = m.level
	}
	if m.rttN > 0 {
		s.RTTMean = m.rttSum / time.Duration(m.rttN)
	}
	if old, ok := m.hist.since(now); ok {
		if dt := now.Sub(old.t).Seconds(); dt > 0 {
			s.EffectiveRate = float64(m.completed-old.complete) / dt
			s.InputRate = float64(m.enqueued-old.enqueued) / dt
		}
		if done := m.completed - old.complete; done > 0 {
			s.FlowRatio = float64(m.dispatched-old.dispatched) / float64(done)
		}
	}
	gaps := m.gaps.values()
	verdict := m.verdict
	d.observeLocked(now)
	d.mu.Unlock()

	s.GapMean, s.GapP99 = meanP99(gaps)
	late := make([]time.Duration, len(gaps))
	for i, g := range gaps {
		late[i] = g - d.cfg.Period
	}
	s.LatenessMean, s.LatenessP99 = meanP99(late)
	s.Verdict = verdict
	if d.cfg.Mode == Paced && now.Sub(verdict.At) >= time.Second {
		s.Verdict = d.judge(now, gaps, s)
	}
	return s
}

// minVerdictWakes is how many measured gaps a verdict needs.
const minVerdictWakes = 256

// judge runs the simulator with the measured parameters and keeps its
// verdict.
func (d *Dispatcher[T]) judge(now time.Time, gaps []time.Duration, s Stats) Verdict {
	if !d.verdictMu.TryLock() {
		return s.Verdict // another caller is computing it
	}
	defer d.verdictMu.Unlock()
	v := Verdict{At: now}
	if len(gaps) >= minVerdictWakes && s.Rate > 0 && s.InputRate > 0 {
		v = Judge(gaps, d.cfg.Period, s.Limit, s.Rate, s.InputRate)
		v.At = now
	}
	d.mu.Lock()
	d.mu.verdict = v
	d.mu.Unlock()
	return v
}

// Judge runs internal/sim for a paced dispatcher that wakes with the given
// measured gaps around period, lets the consumer hold level requests, in
// front of a uniform consumer of the given rate, with poisson arrivals at
// inputRate: over at least 2000 wake-ups and one second of virtual time.
func Judge(gaps []time.Duration, period time.Duration, level int, rate, inputRate float64) Verdict {
	// The factor that makes the simulator's limit (goal × factor × rate,
	// floored) equal to level.
	factor := (float64(level) + 1e-6) / (period.Seconds() * rate)
	c := sim.Config{
		Duration:       max(time.Second, 2000*period),
		ProducerDelays: sim.Poisson, ProducerRate: inputRate,
		Goal: period, Factor: factor, DispatcherGaps: sim.MeasuredGaps(gaps),
		ConsumerDelays: sim.Uniform, ConsumerRate: rate,
		QueueCap: 1 << 22, Seed: 1,
	}
	v := Verdict{InputRate: inputRate, Factor: factor}
	v.Capacity, _ = sim.ClosedForm(c)
	r, err := sim.Run(c)
	if err != nil {
		return v // parameters out of the simulator's range: not checked
	}
	v.Checked, v.Bounded, v.Growth = true, r.Bounded, r.Growth
	return v
}
