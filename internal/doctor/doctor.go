package doctor

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/greenwave/greenwave/internal/metrics"
	"github.com/greenwave/greenwave/internal/sim"
)

// Doctor holds what it has read and diagnoses it. Not safe for concurrent
// use.
type Doctor struct {
	samples    []metrics.Snapshot
	contention []metrics.Contention
}

// keep is how many samples the doctor looks back on.
const keep = 60

// Add feeds one snapshot (taken by one metrics.Reader, in order).
func (d *Doctor) Add(s metrics.Snapshot) {
	if s.Interval <= 0 {
		return // a reader's first snapshot has no interval figures
	}
	d.samples = append(d.samples, s)
	if len(d.samples) > keep {
		d.samples = slices.Delete(d.samples, 0, len(d.samples)-keep)
	}
}

// AddContention feeds one window of the mutex profile.
func (d *Doctor) AddContention(c metrics.Contention) {
	d.contention = append(d.contention, c)
	if len(d.contention) > 4 {
		d.contention = d.contention[len(d.contention)-4:]
	}
}

// Findings diagnoses what was fed so far; nil when no trap shows.
func (d *Doctor) Findings() []Finding {
	var out []Finding
	out = append(out, d.consumerBehind()...)
	out = append(out, d.tooManyThreads()...)
	out = append(out, d.latencyInversion()...)
	out = append(out, d.contendedState()...)
	out = append(out, d.dispatcherJitter()...)
	return out
}

// recent returns the last n samples (fewer when there are fewer).
func (d *Doctor) recent(n int) []metrics.Snapshot {
	return d.samples[max(0, len(d.samples)-n):]
}

// Thresholds. Flink's grades: back-pressured above 0.5 is high.
const (
	busyBottleneck   = 700.0 // ms/s: a bottleneck is busy at least this much
	bpBottleneck     = 100.0 // ms/s: ... and back-pressured at most this much (ok)
	bpProducer       = 500.0 // ms/s: its producer is back-pressured high
	fallingBehind    = 0.1   // s: sink latency p50 that says the tenant falls behind
	runDelayTrap     = 0.5   // s/s: threads waiting for a CPU, per second
	workersNotBusy   = 500.0 // ms/s: the workers' actors are busy less than this on average
	inversionFactor  = 1.5   // p50 at the low rate above this times p50 at the high one
	minInversionP50  = 20e-6 // s: below this, latency differences are noise
	rateSpread       = 3.0   // the high rate is at least this times the low one
	minParksPerEvent = 0.2   // parks per event at the low rate: workers sleep between events
	lockDelayTrap    = 0.02  // s/s waited for one hot-path lock
	flowRatioTrap    = 1.1   // in/out of a dispatcher
)

// window is how many recent samples a rule must hold in, and in how many
// of them.
const window, holds = 5, 3

func (d *Doctor) consumerBehind() []Finding {
	type hit struct {
		tenant, comp, evidence string
	}
	counts := map[[2]string]int{}
	last := map[[2]string]hit{}
	for _, s := range d.recent(window) {
		for ti := range s.Tenants {
			t := &s.Tenants[ti]
			if t.State != "running" {
				continue
			}
			actors := map[string]*metrics.Actor{}
			for i := range t.Actors {
				actors[t.Actors[i].Name] = &t.Actors[i]
			}
			lat, rising := sinkP50(t)
			for ei := range t.Edges {
				e := &t.Edges[ei]
				c := actors[e.ToActor]
				if c == nil || c.BusyMsPerSec < busyBottleneck || c.BackPressuredMsPerSec > bpBottleneck {
					continue
				}
				full := e.MaxBatch >= e.Capacity || e.Fill >= 0.9
				var bp float64
				paced := false
				for _, p := range e.FromActors {
					if a := actors[p]; a != nil {
						bp = max(bp, a.BackPressuredMsPerSec)
						paced = paced || (a.Paced && a.BackPressuredMsPerSec >= bpProducer)
					}
				}
				// The tenant falls behind: it drops, its latency grows, or
				// a paced source waits instead of keeping its schedule (a
				// source running flat out is expected to wait).
				behind := e.DroppedPerSec > 0 || lat >= fallingBehind || paced
				if !full || (bp < bpProducer && e.DroppedPerSec == 0) || !behind {
					continue
				}
				comp := c.Group
				if len(c.Components) > 0 {
					comp = c.Components[0]
				}
				key := [2]string{t.ID, comp}
				counts[key]++
				ev := fmt.Sprintf("%s (actor %s) is busy %.0f ms/s and back-pressured %.0f ms/s; its input edge %s is full (fill %.0f%%, max batch %d of %d)",
					comp, c.Name, c.BusyMsPerSec, c.BackPressuredMsPerSec, e.Label, 100*e.Fill, e.MaxBatch, e.Capacity)
				if bp > 0 {
					ev += fmt.Sprintf(", its producer back-pressured %.0f ms/s", bp)
				}
				if paced {
					ev += " (a paced source falling behind its rate)"
				}
				if e.DroppedPerSec > 0 {
					ev += fmt.Sprintf(", dropping %.0f events/s", e.DroppedPerSec)
				}
				if lat >= fallingBehind {
					ev += fmt.Sprintf("; sink latency p50 %s", secs(lat))
					if rising {
						ev += " and rising"
					}
				}
				ev += fmt.Sprintf("; it takes %.0f events/s", c.InPerSec)
				last[key] = hit{tenant: t.ID, comp: comp, evidence: ev}
				break // the first such component in the tenant's order
			}
		}
	}
	var out []Finding
	for _, k := range sortedKeys(counts) {
		if counts[k] < holds {
			continue
		}
		h := last[k]
		out = append(out, Finding{Trap: ConsumerBehind, Tenant: h.tenant, Component: h.comp, Evidence: h.evidence,
			Fix: fmt.Sprintf("make %s cheaper or spread it (key it with parallelism: N); until then its input edge stays full and everything upstream waits or drops", h.comp)})
	}
	return out
}

// sinkP50 is the largest interval p50 latency over the tenant's sinks, and
// whether it rose from the cumulative p50 (the tenant falls further
// behind).
func sinkP50(t *metrics.Tenant) (float64, bool) {
	var p50 float64
	rising := false
	for i := range t.Actors {
		l := t.Actors[i].Latency
		if l == nil {
			continue
		}
		v := l.P50
		if l.Interval != nil && l.Interval.Count > 0 {
			v = l.Interval.P50
			if v > l.P50 {
				rising = true
			}
		}
		p50 = max(p50, v)
	}
	return p50, rising
}

func (d *Doctor) tooManyThreads() []Finding {
	n := 0
	var runDelay, ctx, events, busy float64
	var workers, cpus int
	var samples int
	for _, s := range d.recent(window) {
		workers, cpus = len(s.Workers), s.Process.CPUs
		var b float64
		var k int
		var ev float64
		for _, t := range s.Tenants {
			ev += t.InPerSec
			for _, a := range t.Actors {
				if a.Worker >= 0 && !a.Done {
					b += a.BusyMsPerSec
					k++
				}
			}
		}
		if k > 0 {
			b /= float64(k)
		}
		samples++
		runDelay += s.Process.RunDelayPerSec
		ctx += s.Process.CtxSwitchesPerSec
		events += ev
		busy += b
		if s.Process.ProcOK && workers > cpus && s.Process.RunDelayPerSec >= runDelayTrap && b < workersNotBusy {
			n++
		}
	}
	if n < holds {
		return nil
	}
	f := float64(samples)
	perEvent := ""
	if events > 0 {
		perEvent = fmt.Sprintf(", %.2f context switches per event", ctx/events)
	}
	ev := fmt.Sprintf("%d workers on %d CPUs; threads waited %.2f s per second for a CPU (run-queue delay)%s, while the actors were busy %.0f ms/s on average",
		workers, cpus, runDelay/f, perEvent, busy/f)
	if mb := d.maxBatchSpike(); mb != "" {
		ev += "; " + mb
	}
	return []Finding{{Trap: TooManyThreads, Component: "workers", Evidence: ev,
		Fix: fmt.Sprintf("run at most one worker per CPU (--workers %d, pinned with --pin) and let each serve many actors, instead of more threads than cores", cpus)}}
}

// maxBatchSpike describes the edge whose largest batch came nearest its
// capacity in the recent samples.
func (d *Doctor) maxBatchSpike() string {
	best, label, capacity := 0.0, "", 0
	mb := 0
	for _, s := range d.recent(window) {
		for _, t := range s.Tenants {
			for _, e := range t.Edges {
				if e.Capacity > 0 && float64(e.MaxBatch)/float64(e.Capacity) > best {
					best, label, capacity, mb = float64(e.MaxBatch)/float64(e.Capacity), e.Label, e.Capacity, e.MaxBatch
				}
			}
		}
	}
	if label == "" || mb < 2 {
		return ""
	}
	return fmt.Sprintf("batches on %s reached %d of %d", label, mb, capacity)
}

func (d *Doctor) latencyInversion() []Finding {
	type point struct{ rate, p50, parksPerEvent float64 }
	byTenant := map[string][]point{}
	for _, s := range d.recent(keep) {
		var parks, events float64
		for _, w := range s.Workers {
			parks += w.ParksPerSec
		}
		for _, t := range s.Tenants {
			events += t.InPerSec
		}
		for _, t := range s.Tenants {
			if t.State != "running" {
				continue
			}
			jammed := false
			for _, a := range t.Actors {
				jammed = jammed || a.BackPressuredMsPerSec > bpBottleneck
			}
			for _, e := range t.Edges {
				jammed = jammed || e.Fill >= 0.5 || e.DroppedPerSec > 0
			}
			if jammed {
				continue // latency there is queueing, not waking up
			}
			for _, a := range t.Actors {
				if a.Latency == nil || a.Latency.Interval == nil || a.Latency.Interval.Count < 100 {
					continue
				}
				p := point{rate: a.InPerSec, p50: a.Latency.Interval.P50}
				if events > 0 {
					p.parksPerEvent = parks / events
				}
				byTenant[t.ID] = append(byTenant[t.ID], p)
			}
		}
	}
	var out []Finding
	for _, id := range sortedKeys(byTenant) {
		pts := byTenant[id]
		if len(pts) < 4 {
			continue
		}
		lo, hi := math.Inf(1), 0.0
		for _, p := range pts {
			lo, hi = min(lo, p.rate), max(hi, p.rate)
		}
		if lo <= 0 || hi < rateSpread*lo {
			continue
		}
		// Split at the geometric mean of the extremes: a sample that
		// straddles a change of rate (or a replace's drain) lands on
		// one side and the medians below outvote it.
		split := math.Sqrt(lo * hi)
		var low, high []point
		for _, p := range pts {
			if p.rate < split {
				low = append(low, p)
			} else {
				high = append(high, p)
			}
		}
		if len(low) < 2 || len(high) < 2 {
			continue
		}
		med := func(ps []point, f func(point) float64) float64 {
			v := make([]float64, len(ps))
			for i, p := range ps {
				v[i] = f(p)
			}
			sort.Float64s(v)
			return v[len(v)/2]
		}
		p50lo, p50hi := med(low, func(p point) float64 { return p.p50 }), med(high, func(p point) float64 { return p.p50 })
		parks := med(low, func(p point) float64 { return p.parksPerEvent })
		if p50lo < minInversionP50 || p50lo < inversionFactor*p50hi || parks < minParksPerEvent {
			continue
		}
		rlo, rhi := med(low, func(p point) float64 { return p.rate }), med(high, func(p point) float64 { return p.rate })
		out = append(out, Finding{Trap: LatencyInversion, Tenant: id, Component: "workers",
			Evidence: fmt.Sprintf("p50 latency %s at %.0f events/s is above p50 %s at %.0f events/s, with %.2f parks per event at the lower rate",
				secs(p50lo), rlo, secs(p50hi), rhi, parks),
			Fix: "keep workers from parking between events at low rates: --wait adaptive (the default) or spin_then_park, or fewer workers so that each stays busy; at high rates they never park, which is why latency falls as load rises"})
	}
	return out
}

func (d *Doctor) contendedState() []Finding {
	if len(d.contention) == 0 {
		return nil
	}
	c := d.contention[len(d.contention)-1]
	var out []Finding
	seen := map[string]bool{}
	for _, st := range c.Stacks {
		if !st.HotPath || st.Function == "" || st.DelayPerSec < lockDelayTrap || seen[st.Function] {
			continue
		}
		seen[st.Function] = true
		where := ""
		for _, f := range st.Frames {
			if strings.HasPrefix(f, st.Function+" ") {
				where = " (" + shortFile(strings.TrimPrefix(f, st.Function+" ")) + ")"
				break
			}
		}
		out = append(out, Finding{Trap: ContendedState, Component: shortFunc(st.Function),
			Evidence: fmt.Sprintf("goroutines waited %s per second for a lock taken in %s%s inside an actor's turn, on the path every event takes; %.0f contended acquisitions per second",
				secs(st.DelayPerSec), shortFunc(st.Function), where, float64(st.Count)/c.Seconds),
			Fix: "take the lock off the hot path: read an immutable snapshot through an atomic pointer (copy on write, as greenwave's type registry does) or keep the state per instance and merge on read"})
	}
	return out
}

func (d *Doctor) dispatcherJitter() []Finding {
	type acc struct {
		in       float64 // events/s in, summed over samples
		n        int
		first    metrics.Ticks
		firstAt  time.Time
		last     metrics.Actor
		lastAt   time.Time
		tenant   string
		tk       metrics.Ticks
		firstSet bool
	}
	accs := map[[2]string]*acc{}
	for _, s := range d.recent(window) {
		for _, t := range s.Tenants {
			if t.State != "running" {
				continue
			}
			for _, a := range t.Actors {
				for _, tk := range a.Ticks {
					k := [2]string{t.ID, a.Name + "/" + tk.Component}
					x := accs[k]
					if x == nil {
						x = &acc{tenant: t.ID}
						accs[k] = x
					}
					if !x.firstSet {
						x.first, x.firstAt, x.firstSet = tk, s.At, true
						continue // rates are from the first sample on
					}
					x.in += a.InPerSec
					x.n++
					x.last, x.lastAt, x.tk = a, s.At, tk
				}
			}
		}
	}
	var out []Finding
	for _, k := range sortedKeys(accs) {
		x := accs[k]
		a, tk := x.last, x.tk
		dt := x.lastAt.Sub(x.firstAt).Seconds()
		// A dispatcher releases what it receives, from its ticks: most of
		// its input leaves through them (an aggregator's interval emits
		// release far less than it takes in).
		if x.n < holds-1 || dt <= 0 || a.In == 0 || float64(tk.Emitted) < 0.5*float64(a.In) {
			continue
		}
		inRate := x.in / float64(x.n)
		outRate := float64(tk.Emitted-min(x.first.Emitted, tk.Emitted)) / dt
		if outRate <= 0 {
			continue
		}
		ratio := inRate / outRate
		if ratio <= flowRatioTrap || len(tk.Recent) < 10 || tk.MaxPerTick < 1 {
			continue
		}
		v, cfg, err := simulate(inRate, tk)
		if err != nil || v.Bounded {
			continue
		}
		best := float64(tk.MaxPerTick) / tk.MeanGap
		out = append(out, Finding{Trap: DispatcherJitter, Tenant: x.tenant, Component: tk.Component,
			Evidence: fmt.Sprintf("flow ratio %.2f (%.0f events/s in, %.0f out); it ticked every %s on average (p99 %s) for a %s period, at most %d events a tick: %.0f events/s at best; internal/sim with these figures (%s gaps around %s) says its queue grows by %.0f events/s",
				ratio, inRate, outRate, secs(tk.MeanGap), secs(tk.P99Gap), secs(tk.Period), tk.MaxPerTick, best,
				cfg.DispatcherDelays, cfg.Goal, v.Growth),
			Fix: fmt.Sprintf("release by elapsed time (rate × the time since the last tick, making up for late wake-ups) or raise the per-tick limit to at least %.0f (rate × the p99 gap)", math.Ceil(inRate*tk.P99Gap))})
	}
	return out
}

// simulate runs internal/sim with a dispatcher whose gaps follow the
// measured ones: the delay process whose spread matches theirs, around
// the period that gives their mean; a consumer that takes a tick's worth
// per period; the producer at the measured input rate.
func simulate(rate float64, tk metrics.Ticks) (sim.Result, sim.Config, error) {
	mean := tk.MeanGap
	var sd float64
	for _, g := range tk.Recent {
		sd += (g - mean) * (g - mean)
	}
	sd = math.Sqrt(sd / float64(len(tk.Recent)))
	cv := sd / mean
	process, goal := sim.Uniform, mean
	switch {
	case cv < 0.15:
	case cv < 0.4:
		process, goal = sim.CapDelay, mean/2
	case cv < 0.75:
		process, goal = sim.ExpDelay, mean/2
	default:
		process = sim.Poisson
	}
	g := time.Duration(goal * float64(time.Second))
	cfg := sim.Config{Duration: 20 * time.Second, ProducerDelays: sim.Uniform, ProducerRate: rate,
		DispatcherDelays: process, Goal: g, Factor: 1, ConsumerDelays: sim.Uniform,
		ConsumerRate: float64(tk.MaxPerTick) / g.Seconds(), QueueCap: 1 << 22, Seed: 1}
	r, err := sim.Run(cfg)
	return r, cfg, err
}

func sortedKeys[K interface{ ~string | ~[2]string }, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b K) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	return keys
}

// secs renders seconds with a fitting unit.
func secs(s float64) string {
	d := time.Duration(s * float64(time.Second))
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	case d >= time.Microsecond:
		return d.Round(100 * time.Nanosecond).String()
	}
	return d.String()
}

func shortFunc(fn string) string {
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

func shortFile(fl string) string {
	if i := strings.LastIndexByte(fl, '/'); i >= 0 {
		return fl[i+1:]
	}
	return fl
}
