package metrics

import (
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/plan"
	"github.com/greenwave/greenwave/internal/ring"
)

// Source is what a Reader reads: the engine's tenants and workers.
// *engine.Engine is one.
type Source interface {
	Tenants() []*engine.Tenant
	WorkerStats() []engine.WorkerStats
}

// Reader takes snapshots of a Source and computes each one's interval
// figures against its own previous snapshot. Readers are independent: any
// number may read the same engine, none resets what another sees. A Reader
// is safe for concurrent use (reads are serialised); a read of many tenants
// reads them on a few goroutines at once (see parallelTenants).
type Reader struct {
	src Source
	// Precise makes the reader read the sinks' precise histograms
	// (engine.Tenant.Stats: exact percentiles, over the interval too);
	// otherwise it reads the cheap coarse ones (engine.Tenant.Metrics),
	// what a scrape of thousands of tenants can afford.
	Precise bool
	// Reuse makes a read build each tenant's actors and edges in the
	// memory of the previous read's: a snapshot is then valid only until
	// the next read of the same Reader. For a caller that reads, uses and
	// forgets (the Prometheus scrape); set it before the first read.
	Reuse bool

	mu     sync.Mutex
	prev   *Snapshot
	prevAt time.Time
	prevs  map[tenantKey]*tenantPrev
	gen    uint64 // counts the reads of every tenant
	reads  uint64 // counts every read
	tps    []*tenantPrev
	proc   Process
}

// A read of at least parallelTenants tenants per processor is spread over
// GOMAXPROCS goroutines, readChunk tenants at a time: a scrape of
// thousands of idle tenants runs while the engine's workers have nothing
// to do, and reading the tenants one after another would be most of it.
const (
	parallelTenants = 64
	readChunk       = 32
)

// tenantKey names one tenant version.
type tenantKey struct {
	tenant  string
	version int
}

// tenantPrev is a tenant version's figures at the previous read, per
// actor and per edge (by index), and the last read of every tenant that
// saw it.
type tenantPrev struct {
	actors []actorPrev
	// static is what the plan says of each actor, built once per tenant
	// version (its Components shared by the snapshots).
	static []actorStatic
	// outActors and outEdges are the previous read's actors and edges
	// of the tenant, written again by the next read (Reader.Reuse).
	outActors []Actor
	outEdges  []Edge
	edges     []edgePrev
	gen       uint64
	read      uint64       // the last read of it (Reader.reads)
	stats     engine.Stats // the engine's figures at the last read
}

type actorStatic struct {
	components       []string
	kind, group      string
	paced            bool
	instance, worker int
	planned          bool // the plan has the actor
}

// actorStatics builds what the plan says of each of n actors.
func actorStatics(pl *plan.Plan, st []engine.ActorStats) []actorStatic {
	out := make([]actorStatic, len(st))
	for i, as := range st {
		a := &out[i]
		a.group = as.Name
		if pl == nil || i >= len(pl.Actors) {
			continue
		}
		pa := pl.Actors[i]
		a.planned = true
		if len(pa.Nodes) > 0 {
			a.components = make([]string, 0, len(pa.Nodes))
		}
		for _, n := range pa.Nodes {
			a.components = append(a.components, n.Name())
		}
		a.kind = kindName(pa.Head().Comp.Kind)
		if a.kind == "source" {
			if v, ok := pa.Head().Comp.Options.Raw("rate"); ok {
				switch r := v.(type) {
				case float64:
					a.paced = r > 0
				case int64:
					a.paced = r > 0
				}
			}
		}
		a.instance, a.worker = pa.Instance, pa.Worker
		if pa.Parallelism > 1 {
			a.group = strings.TrimSuffix(as.Name, "#"+itoa(pa.Instance))
		}
	}
	return out
}

type actorPrev struct {
	had            bool // read before
	busy, bp, idle float64
	in, out        uint64
	lat, lag       *hdrhistogram.Snapshot
}

// NewReader returns a reader of src.
func NewReader(src Source) *Reader {
	return &Reader{src: src, prevs: map[tenantKey]*tenantPrev{}}
}

// SetPrecise sets Precise under the reader's lock.
func (r *Reader) SetPrecise(on bool) {
	r.mu.Lock()
	r.Precise = on
	r.mu.Unlock()
}

// Read takes a snapshot of every tenant the source has.
func (r *Reader) Read() Snapshot { return r.read(nil) }

// ReadTenants takes a snapshot of the listed tenants only (and the
// workers and process).
func (r *Reader) ReadTenants(ts []*engine.Tenant) Snapshot { return r.read(ts) }

func (r *Reader) read(only []*engine.Tenant) Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	s := Snapshot{At: now}
	if !r.prevAt.IsZero() {
		s.Interval = now.Sub(r.prevAt).Seconds()
	}
	r.prevAt = now
	dt := s.Interval
	s.Process = r.process(readProcess(), dt)
	for _, ws := range r.src.WorkerStats() {
		w := Worker{ID: ws.ID, Actors: ws.Actors, Load: ws.Load, Passes: ws.Passes, Idle: ws.IdlePasses, Helped: ws.Helped,
			Parks: ws.Idle.Parks, Wakes: ws.Idle.Wakes, Spins: ws.Idle.Spins, Yields: ws.Idle.Yields}
		if r.prev != nil && dt > 0 {
			for _, pw := range r.prev.Workers {
				if pw.ID == w.ID {
					w.ParksPerSec = rate(w.Parks, pw.Parks, dt)
					w.WakesPerSec = rate(w.Wakes, pw.Wakes, dt)
				}
			}
		}
		s.Workers = append(s.Workers, w)
	}
	ts := only
	if ts == nil {
		ts = r.src.Tenants()
	}
	if only == nil {
		r.gen++
	}
	r.reads++
	tps := r.tps[:0]
	shared := false // a tenant version listed twice: its previous figures are shared
	for _, t := range ts {
		k := tenantKey{t.Name, t.Version()}
		tp := r.prevs[k]
		if tp == nil {
			tp = &tenantPrev{}
			r.prevs[k] = tp
		}
		shared = shared || tp.read == r.reads
		tp.gen, tp.read = r.gen, r.reads
		tps = append(tps, tp)
	}
	if len(ts) > 0 {
		s.Tenants = make([]Tenant, len(ts))
	}
	readers := min(runtime.GOMAXPROCS(0), len(ts)/parallelTenants)
	if shared || readers < 2 {
		for i, t := range ts {
			s.Tenants[i] = r.tenant(t, dt, tps[i], r.Reuse && !shared)
		}
	} else {
		// The tenants are read apart (each has its own previous
		// figures), in chunks taken in turn by a few goroutines.
		var next atomic.Int64
		var wg sync.WaitGroup
		for range readers {
			wg.Go(func() {
				for {
					lo := int(next.Add(readChunk)) - readChunk
					if lo >= len(ts) {
						return
					}
					for i := lo; i < min(lo+readChunk, len(ts)); i++ {
						s.Tenants[i] = r.tenant(ts[i], dt, tps[i], r.Reuse)
					}
				}
			})
		}
		wg.Wait()
	}
	clear(tps)
	r.tps = tps[:0]
	if only == nil {
		// Forget the tenants that are gone.
		for k, tp := range r.prevs {
			if tp.gen != r.gen {
				delete(r.prevs, k)
			}
		}
	}
	cp := s
	cp.Tenants = nil // the tenants' previous figures are kept per actor and edge
	r.prev = &cp
	return s
}

// process keeps the cumulative figures from going down and computes the
// interval's rates.
func (r *Reader) process(p Process, dt float64) Process {
	prev := r.proc
	p.RunDelaySeconds = max(p.RunDelaySeconds, prev.RunDelaySeconds)
	p.VoluntaryCtxSwitches = max(p.VoluntaryCtxSwitches, prev.VoluntaryCtxSwitches)
	p.InvoluntaryCtxSwitches = max(p.InvoluntaryCtxSwitches, prev.InvoluntaryCtxSwitches)
	p.CPUSeconds = max(p.CPUSeconds, prev.CPUSeconds)
	if dt > 0 {
		p.CtxSwitchesPerSec = (float64(p.VoluntaryCtxSwitches+p.InvoluntaryCtxSwitches) -
			float64(prev.VoluntaryCtxSwitches+prev.InvoluntaryCtxSwitches)) / dt
		p.RunDelayPerSec = (p.RunDelaySeconds - prev.RunDelaySeconds) / dt
		p.CPUPerSec = (p.CPUSeconds - prev.CPUSeconds) / dt
	}
	r.proc = p
	r.proc.CtxSwitchesPerSec, r.proc.RunDelayPerSec, r.proc.CPUPerSec = 0, 0, 0
	return p
}

func rate(cur, prev uint64, dt float64) float64 {
	if dt <= 0 || cur < prev {
		return 0
	}
	return float64(cur-prev) / dt
}

// tenant reads t against its previous figures tp; with reuse its actors
// and edges are built in the memory of tp's previous read (not when the
// read lists the tenant twice: both would share it).
func (r *Reader) tenant(t *engine.Tenant, dt float64, tp *tenantPrev, reuse bool) Tenant {
	var st engine.Stats
	if r.Precise {
		st = t.Stats()
	} else {
		// The tenant's stats of the previous read hold nothing the
		// snapshots use (they copy what they keep), so their memory is
		// read into again.
		t.MetricsInto(&tp.stats)
		st = tp.stats
	}
	out := Tenant{ID: t.Name, Version: t.Version(), State: string(t.State()), Elapsed: st.Elapsed.Seconds(),
		In: st.In, Out: st.Out, Dropped: st.Dropped, Rejected: st.Rejected, DeadLettered: st.DeadLettered,
		SideOutputs: st.SideOutputs,
		Memory: Memory{StateBytes: st.Memory.StateBytes, StateKeys: st.Memory.StateKeys, RingBytes: st.Memory.RingBytes,
			Limit: st.Memory.Limit, Evicted: st.Memory.Evicted, Expired: st.Memory.Expired}}
	if st.Err != nil {
		out.Error = st.Err.Error()
	}
	if cs := t.CheckpointStats(); cs.Interval > 0 {
		out.Checkpoints = &Checkpoints{Committed: cs.Committed, Written: cs.Written, Failed: cs.Failed,
			Unaligned: cs.Unaligned, InflightBytes: cs.InflightBytes, LastBytes: cs.LastBytes,
			LastInflightBytes: cs.LastInflightBytes, LastDurationSeconds: cs.LastDuration.Seconds()}
	}
	for _, o := range st.Operators {
		out.Operators = append(out.Operators, OperatorState{Name: o.Name, Keys: o.Keys, MaxKeys: o.MaxKeys,
			Bytes: o.Bytes, MaxBytes: o.MaxBytes, Evicted: o.Evicted, Expired: o.Expired})
	}
	for _, cf := range st.Figures {
		out.Components = append(out.Components, Component{Name: cf.Name, Component: cf.Component, Type: cf.Type,
			Instance: cf.Instance, Figures: cf.Figures})
	}
	pl := t.Plan
	var srcIn, sinkIn float64
	switch {
	case reuse:
		out.Actors, out.Edges = emptied(tp.outActors, len(st.Actors)), emptied(tp.outEdges, len(st.Links))
	default:
		if len(st.Actors) > 0 {
			out.Actors = make([]Actor, 0, len(st.Actors))
		}
		if len(st.Links) > 0 {
			out.Edges = make([]Edge, 0, len(st.Links))
		}
	}
	if len(tp.static) != len(st.Actors) {
		tp.static = actorStatics(pl, st.Actors)
	}
	for i, as := range st.Actors {
		if i >= len(tp.actors) {
			tp.actors = append(tp.actors, actorPrev{})
		}
		prev := tp.actors[i]
		had := prev.had
		a := Actor{Name: as.Name, Worker: as.Worker, In: as.In, Out: as.Out, Rejected: as.Rejected, Turns: as.Turns,
			BusySeconds: as.Busy.Seconds(), BackPressuredSeconds: as.BackPressured.Seconds(),
			InFlight: as.InFlight, Acked: as.Acked, Done: as.Done, Group: as.Name}
		if sa := &tp.static[i]; sa.planned {
			a.Components, a.Kind, a.Paced, a.Instance, a.Worker, a.Group = sa.components, sa.kind, sa.paced, sa.instance, sa.worker, sa.group
		}
		// Idle is the rest of the lifetime; the three are read at slightly
		// different moments, so keep it from going down.
		a.IdleSeconds = max(st.Elapsed.Seconds()-a.BusySeconds-a.BackPressuredSeconds, 0, prev.idle)
		a.BusySeconds = max(a.BusySeconds, prev.busy)
		a.BackPressuredSeconds = max(a.BackPressuredSeconds, prev.bp)
		np := actorPrev{had: true, busy: a.BusySeconds, bp: a.BackPressuredSeconds, idle: a.IdleSeconds, in: a.In, out: a.Out}
		if had && dt > 0 {
			busy := (a.BusySeconds - prev.busy) / dt
			bp := (a.BackPressuredSeconds - prev.bp) / dt
			busy, bp = clamp01(busy), clamp01(bp)
			a.BusyMsPerSec = 1000 * busy
			a.BackPressuredMsPerSec = 1000 * bp
			a.IdleMsPerSec = 1000 * max(1-busy-bp, 0)
			a.InPerSec = rate(a.In, prev.in, dt)
			a.OutPerSec = rate(a.Out, prev.out, dt)
			if a.Kind == "source" {
				srcIn += a.InPerSec
			}
			if a.Kind == "sink" {
				sinkIn += a.InPerSec
			}
		}
		a.Grade = Grade(a.BackPressuredMsPerSec / 1000)
		if as.Latency != nil || as.LatencyHist.Count() > 0 {
			a.Latency = latency(as.Latency, nil, as.LatencyHist, prev.lat, had && dt > 0)
			np.lat = as.Latency
		}
		if as.Lag != nil || as.LagHist.Count() > 0 {
			a.Lag = latency(nil, as.Lag, as.LagHist, nil, false)
		}
		for _, tk := range as.Ticks {
			a.Ticks = append(a.Ticks, ticksOf(tk))
		}
		tp.actors[i] = np
		out.Actors = append(out.Actors, a)
	}
	if dt > 0 {
		// The tenant's rates are the sum of its actors' (a tenant new
		// since the previous read has none yet).
		out.InPerSec, out.OutPerSec = srcIn, sinkIn
	}
	for i, ls := range st.Links {
		if i >= len(tp.edges) {
			tp.edges = append(tp.edges, edgePrev{})
		}
		pe := tp.edges[i]
		had := pe.had
		e := Edge{Label: ls.Label, From: ls.From, Output: ls.Output, To: ls.To, Partition: ls.Partition, Capacity: ls.Capacity,
			Policy: ls.Policy, Published: ls.Published, Consumed: ls.Consumed, Dropped: ls.Dropped, Gaps: ls.Gaps,
			Depth: ls.Depth, Fill: ls.Fill, Batches: trimBatches(ls.Batches), BlockedSeconds: float64(ls.BlockedNanos) / 1e9,
			Allocated: ls.Allocated, Bytes: ls.Bytes, Closed: ls.Closed}
		if i < len(pl.Links) {
			if pe.names == nil {
				// The plan's names, the same for every read of the
				// tenant version: built once.
				pln := pl.Links[i]
				n := &edgeNames{}
				if len(pln.Producers) > 0 {
					n.fromActors = make([]string, 0, len(pln.Producers))
				}
				for _, p := range pln.Producers {
					n.fromActors = append(n.fromActors, p.Name())
				}
				n.toActor = pln.Consumer.Name()
				n.label = EdgeLabel(e.From, n.fromActors, e.Output, n.toActor)
				pe.names = n
			}
			e.FromActors, e.ToActor, e.Label = pe.names.fromActors, pe.names.toActor, pe.names.label
		}
		e.MaxBatch = ring.MaxBatchSince(&pe.batches, &ls.Batches, ls.Capacity)
		if had && dt > 0 {
			e.BlockedMsPerSec = 1000 * clamp01((e.BlockedSeconds-pe.blocked)/dt)
			e.DroppedPerSec = rate(e.Dropped, pe.dropped, dt)
			e.PublishedPerSec = rate(e.Published, pe.published, dt)
		}
		tp.edges[i] = edgePrev{had: true, batches: ls.Batches, blocked: e.BlockedSeconds, dropped: e.Dropped, published: e.Published,
			names: pe.names}
		e.Grade = Grade(e.BlockedMsPerSec / 1000)
		if e.DroppedPerSec > 0 {
			e.Grade = GradeHigh
		}
		out.Edges = append(out.Edges, e)
	}
	if reuse {
		tp.outActors, tp.outEdges = out.Actors, out.Edges
	}
	return out
}

// emptied returns s emptied, with room for n (a new array when it has less).
func emptied[T any](s []T, n int) []T {
	clear(s[:cap(s)]) // hold nothing of an earlier read
	if cap(s) < n {
		return make([]T, 0, n)
	}
	return s[:0]
}

func ticksOf(tk engine.TickStats) Ticks {
	out := Ticks{Component: tk.Component, Period: tk.Every.Seconds(), Gaps: tk.Gaps, Emitted: tk.Emitted, MaxPerTick: tk.MaxPerTick}
	var sum float64
	for _, g := range tk.Recent {
		out.Recent = append(out.Recent, g.Seconds())
		sum += g.Seconds()
	}
	if n := len(out.Recent); n > 0 {
		out.MeanGap = sum / float64(n)
		sorted := slices.Sorted(slices.Values(out.Recent))
		out.P99Gap = sorted[min(n-1, int(0.99*float64(n)))]
	}
	return out
}

func clamp01(f float64) float64 { return min(max(f, 0), 1) }

func kindName(k component.Kind) string {
	switch k {
	case component.KindSource:
		return "source"
	case component.KindSink:
		return "sink"
	}
	return "transform"
}

// trimBatches drops the trailing empty buckets.
func trimBatches(b [ring.BatchBuckets]uint64) []uint64 {
	n := len(b)
	for n > 0 && b[n-1] == 0 {
		n--
	}
	return append([]uint64(nil), b[:n]...)
}

// MaxBatchSince is the largest batch e's consumer took since prev (an
// earlier snapshot of the same edge, nil: since the start), as
// engine.LinkStats.MaxBatchSince.
func (e *Edge) MaxBatchSince(prev *Edge) int {
	var p, c [ring.BatchBuckets]uint64
	if prev != nil {
		copy(p[:], prev.Batches)
	}
	copy(c[:], e.Batches)
	return ring.MaxBatchSince(&p, &c, e.Capacity)
}

// latency builds a Latency from a precise histogram (or sketch) and the
// coarse one; with prev and interval set, also the interval's percentiles.
func latency(h *hdrhistogram.Snapshot, sk *ddsketch.DDSketch, coarse engine.Hist, prev *hdrhistogram.Snapshot, interval bool) *Latency {
	l := &Latency{Buckets: append([]uint64(nil), coarse.Counts[:]...), Sum: coarse.Sum}
	switch {
	case h != nil:
		hh := hdrhistogram.Import(h)
		l.Count = uint64(hh.TotalCount())
		l.P50, l.P90, l.P99 = ns(hh.ValueAtQuantile(50)), ns(hh.ValueAtQuantile(90)), ns(hh.ValueAtQuantile(99))
		l.Max = ns(hh.Max())
		if interval {
			l.Interval = windowOf(h, prev)
		}
	case sk != nil:
		l.Count = uint64(sk.GetCount())
		if l.Count > 0 {
			q := func(x float64) float64 { v, _ := sk.GetValueAtQuantile(x); return v / 1e9 }
			l.P50, l.P90, l.P99 = q(0.5), q(0.9), q(0.99)
			m, _ := sk.GetMaxValue()
			l.Max = m / 1e9
		}
	default:
		l.Count = coarse.Count()
		l.P50, l.P90, l.P99 = BucketQuantile(l.Buckets, 0.5), BucketQuantile(l.Buckets, 0.9), BucketQuantile(l.Buckets, 0.99)
	}
	return l
}

// windowOf is the distribution of the values h gained since prev.
func windowOf(h, prev *hdrhistogram.Snapshot) *Window {
	d := *h
	d.Counts = append([]int64(nil), h.Counts...)
	if prev != nil && len(prev.Counts) == len(d.Counts) {
		for i := range d.Counts {
			d.Counts[i] -= prev.Counts[i]
			if d.Counts[i] < 0 {
				d.Counts[i] = 0
			}
		}
	}
	hh := hdrhistogram.Import(&d)
	w := &Window{Count: uint64(hh.TotalCount())}
	if w.Count > 0 {
		w.P50, w.P90, w.P99 = ns(hh.ValueAtQuantile(50)), ns(hh.ValueAtQuantile(90)), ns(hh.ValueAtQuantile(99))
		w.Max = ns(hh.Max())
	}
	return w
}

func ns(v int64) float64 { return float64(v) / 1e9 }

// BucketBounds are the coarse histograms' upper bounds in seconds
// (engine.LatencyBuckets); a Latency's last bucket is above them all.
var BucketBounds = func() []float64 {
	var out []float64
	for _, d := range engine.LatencyBuckets {
		out = append(out, d.Seconds())
	}
	return out
}()

// BucketQuantile estimates quantile q of a coarse histogram (counts per
// BucketBounds bucket) as the upper bound of the bucket where it falls
// (the last bound for the overflow bucket); 0 when empty.
func BucketQuantile(counts []uint64, q float64) float64 {
	var total uint64
	for _, c := range counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	rank := uint64(q * float64(total))
	if rank >= total {
		rank = total - 1
	}
	var acc uint64
	for i, c := range counts {
		acc += c
		if acc > rank {
			return BucketBounds[min(i, len(BucketBounds)-1)]
		}
	}
	return BucketBounds[len(BucketBounds)-1]
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}

type edgePrev struct {
	had                bool // read before
	batches            [ring.BatchBuckets]uint64
	blocked            float64
	dropped, published uint64
	names              *edgeNames
}

// edgeNames are an edge's names from the plan; the snapshots share them
// (read only).
type edgeNames struct {
	fromActors     []string
	toActor, label string
}

// EdgeLabel names an edge uniquely within its tenant: "from -> to", where
// from is the producing actor when there is one (with "#i" for a parallel
// instance), else the component, followed by ".output" for a side output,
// and to is the consuming actor.
func EdgeLabel(from string, fromActors []string, output, toActor string) string {
	if len(fromActors) == 1 {
		from = fromActors[0]
		if i := strings.LastIndexByte(from, '+'); i >= 0 {
			// A fused chain: its tail produces; keep the instance suffix.
			from = from[i+1:]
		}
	}
	if output != "" {
		from += "." + output
	}
	return from + " -> " + toActor
}
