package admin

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/greenwave/greenwave/internal/metrics"
)

// A scrape in a format other than text (protobuf), and the Collector,
// build the greenwave families straight into client_model's
// dto.MetricFamily values, which client_golang's promhttp encodes
// (expfmt, with content negotiation): no const metric and no registry pass
// per series. A text scrape writes the same families without them
// (text.go). The series of one tenant, actor or edge share one interned
// label slice, and the values come from a few slabs, so a scrape of
// thousands of tenants allocates little. The families are built in one
// fixed order, their series in the snapshot's order; label pairs are sorted
// by name as the format asks.

// famSpec is one fixed greenwave family: its name, help, type and label
// names, and the Desc that the Collector describes it with.
type famSpec struct {
	index  int
	name   string
	help   string
	typ    dto.MetricType
	labels []string
	desc   *prometheus.Desc
}

// specs are the fixed families in the order they are exposed.
var specs []*famSpec

// fam declares a fixed family: a counter when its name ends in _total, a
// gauge otherwise.
func fam(name, help string, labels ...string) *famSpec {
	typ := dto.MetricType_GAUGE
	if strings.HasSuffix(name, "_total") {
		typ = dto.MetricType_COUNTER
	}
	return declare(name, help, typ, labels)
}

// histFam declares a fixed histogram family.
func histFam(name, help string, labels ...string) *famSpec {
	return declare(name, help, dto.MetricType_HISTOGRAM, labels)
}

func declare(name, help string, typ dto.MetricType, labels []string) *famSpec {
	name = "greenwave_" + name
	f := &famSpec{index: len(specs), name: name, help: help, typ: typ, labels: labels,
		desc: prometheus.NewDesc(name, help, labels, nil)}
	specs = append(specs, f)
	return f
}

// slab hands out elements of a few large allocations, kept from one
// scrape to the next; pointers to them stay valid until reset (a full
// chunk is left alone, not grown). Elements are handed out as they were
// left: the caller sets every field it uses.
type slab[T any] struct {
	chunk   []T
	spilled int // elements handed out from earlier chunks since reset
}

func (s *slab[T]) next(size int) *T {
	if len(s.chunk) == cap(s.chunk) {
		s.spilled += len(s.chunk)
		s.chunk = make([]T, 0, max(size, 64))
	}
	s.chunk = s.chunk[:len(s.chunk)+1]
	return &s.chunk[len(s.chunk)-1]
}

// take returns n consecutive elements (a slice of capacity n).
func (s *slab[T]) take(n, size int) []T {
	if cap(s.chunk)-len(s.chunk) < n {
		s.spilled += len(s.chunk)
		s.chunk = make([]T, 0, max(size, n, 64))
	}
	l := len(s.chunk)
	s.chunk = s.chunk[:l+n]
	return s.chunk[l : l+n : l+n]
}

// reset takes every element back; the next scrape gets one chunk as large
// as this one used.
func (s *slab[T]) reset() {
	if s.spilled > 0 {
		s.chunk = make([]T, 0, s.spilled+len(s.chunk))
	}
	s.chunk, s.spilled = s.chunk[:0], 0
}

// builder builds a scrape's families; it keeps its families and slabs for
// the next scrape, so what a scrape returns is valid until the next reset.
// Not safe for concurrent use.
type builder struct {
	fams     []*dto.MetricFamily // specs' families, by famSpec.index
	chunk    int                 // slab chunk size
	metrics  slab[dto.Metric]
	values   slab[float64]
	counters slab[dto.Counter]
	gauges   slab[dto.Gauge]
	strs     slab[string]
	pairs    slab[dto.LabelPair]
	labels   slab[*dto.LabelPair]
	hists    slab[dto.Histogram]
	buckets  slab[dto.Bucket]
	bucketPs slab[*dto.Bucket]
	counts   slab[uint64]
	tenants  map[string]bool // the tenants of this scrape
}

// Label names and the bucket bounds, shared by every scrape (read only).
var (
	nTenant, nActor, nFrom, nTo, nPartition = "tenant", "actor", "from", "to", "partition"
	nVersion, nState, nWorker, nKind        = "version", "state", "worker", "kind"
	bucketBounds                            = metrics.BucketBounds
	kindPairs                               = [2][]*dto.LabelPair{
		{{Name: &nKind, Value: new("voluntary")}},
		{{Name: &nKind, Value: new("involuntary")}},
	}
)

// reset readies b for a scrape of s.
func (b *builder) reset(s *metrics.Snapshot) {
	var actors, edges int
	for i := range s.Tenants {
		actors += len(s.Tenants[i].Actors)
		edges += len(s.Tenants[i].Edges)
	}
	tenants := len(s.Tenants)
	b.chunk = 18*tenants + 6*actors + 9*edges + 16*len(s.Workers) + 16
	for _, sl := range []interface{ reset() }{&b.metrics, &b.values, &b.counters, &b.gauges, &b.strs, &b.pairs,
		&b.labels, &b.hists, &b.buckets, &b.bucketPs, &b.counts} {
		sl.reset()
	}
	if b.tenants == nil {
		b.tenants = make(map[string]bool, tenants)
	}
	clear(b.tenants)
	if b.fams == nil {
		b.fams = make([]*dto.MetricFamily, len(specs))
		for _, f := range specs {
			typ := f.typ
			b.fams[f.index] = &dto.MetricFamily{Name: &f.name, Help: &f.help, Type: &typ}
		}
	}
	for _, f := range specs {
		var n int
		switch {
		case len(f.labels) == 0 || f.labels[0] == "kind":
		case f.labels[0] == "worker":
			n = len(s.Workers)
		case len(f.labels) == 4:
			n = edges
		case len(f.labels) == 2 && f.labels[1] == "actor":
			n = actors
		default:
			n = tenants
		}
		mf := b.fams[f.index]
		clear(mf.Metric)
		mf.Metric = slices.Grow(mf.Metric[:0], n)
	}
}

// pair interns one label pair.
func (b *builder) pair(name *string, value string) *dto.LabelPair {
	v := b.strs.next(b.chunk / 4)
	*v = value
	p := b.pairs.next(b.chunk / 4)
	p.Name, p.Value = name, v
	return p
}

// labelSet returns a slice of the given pairs (sorted by name by the
// caller), shared by every series of one tenant, actor or edge.
func (b *builder) labelSet(ps ...*dto.LabelPair) []*dto.LabelPair {
	out := b.labels.take(len(ps), b.chunk/2)
	copy(out, ps)
	return out
}

// add adds a counter's or gauge's series to f's family.
func (b *builder) add(f *famSpec, v float64, labels []*dto.LabelPair) {
	m := b.metrics.next(b.chunk)
	m.Label, m.Counter, m.Gauge, m.Histogram = labels, nil, nil, nil
	p := b.values.next(b.chunk)
	*p = v
	switch f.typ {
	case dto.MetricType_COUNTER:
		c := b.counters.next(b.chunk)
		c.Value = p
		m.Counter = c
	case dto.MetricType_GAUGE:
		g := b.gauges.next(b.chunk)
		g.Value = p
		m.Gauge = g
	default:
		panic("BUG: add of a " + f.typ.String() + " family")
	}
	mf := b.fams[f.index]
	mf.Metric = append(mf.Metric, m)
}

// histogram adds a coarse latency histogram to f's family as a Prometheus
// one (cumulative buckets by metrics.BucketBounds, the last bucket above
// them all counted only in the total).
func (b *builder) histogram(f *famSpec, l *metrics.Latency, labels []*dto.LabelPair) {
	n := min(len(bucketBounds), len(l.Buckets))
	bs := b.buckets.take(n, 16*len(bucketBounds))
	ps := b.bucketPs.take(n, 16*len(bucketBounds))
	cs := b.counts.take(n+1, 16*(len(bucketBounds)+1))
	var acc uint64
	cs[n] = 0 // the slab's elements hold the previous scrape's values
	for i, c := range l.Buckets {
		cs[n] += c
		if i < n {
			acc += c
			cs[i] = acc
			bs[i].CumulativeCount = &cs[i]
			bs[i].UpperBound = &bucketBounds[i]
			ps[i] = &bs[i]
		}
	}
	h := b.hists.next(16)
	sum := b.values.next(b.chunk)
	*sum = l.Sum
	h.SampleCount, h.SampleSum, h.Bucket = &cs[n], sum, ps
	m := b.metrics.next(b.chunk)
	m.Label, m.Counter, m.Gauge, m.Histogram = labels, nil, nil, h
	mf := b.fams[f.index]
	mf.Metric = append(mf.Metric, m)
}

// families builds the greenwave families of s (took: how long reading s
// took), the components' ones after the fixed ones; they are b's until
// its next reset. A family without series is left out. A tenant, actor or
// edge with a label value that is not valid UTF-8, or whose labels repeat
// an earlier one's (a tenant listed twice, an actor or edge of its tenant),
// is left out, so that no series is exposed twice.
func (b *builder) families(s *metrics.Snapshot, comps *figureSet, took time.Duration) []*dto.MetricFamily {
	b.reset(s)
	for i := range s.Tenants {
		b.tenant(&s.Tenants[i])
	}
	for _, w := range s.Workers {
		ls := b.labelSet(b.pair(&nWorker, strconv.Itoa(w.ID)))
		b.add(dWorkerActors, float64(w.Actors), ls)
		b.add(dWorkerPasses, float64(w.Passes), ls)
		b.add(dWorkerIdle, float64(w.Idle), ls)
		b.add(dWorkerHelped, float64(w.Helped), ls)
		b.add(dWorkerParks, float64(w.Parks), ls)
		b.add(dWorkerWakes, float64(w.Wakes), ls)
		b.add(dWorkerSpins, float64(w.Spins), ls)
		b.add(dWorkerYields, float64(w.Yields), ls)
	}
	p := s.Process
	b.add(dProcCtx, float64(p.VoluntaryCtxSwitches), kindPairs[0])
	b.add(dProcCtx, float64(p.InvoluntaryCtxSwitches), kindPairs[1])
	b.add(dProcRunDelay, p.RunDelaySeconds, nil)
	b.add(dProcThreads, float64(p.Threads), nil)
	b.add(dProcCPUs, float64(p.CPUs), nil)
	b.add(dScrapeDuration, took.Seconds(), nil)
	out := make([]*dto.MetricFamily, 0, len(b.fams)+len(comps.families))
	for _, mf := range b.fams {
		if len(mf.Metric) > 0 {
			out = append(out, mf)
		}
	}
	return append(out, comps.build(b)...)
}

// partitions are the partition label values of the first partitions.
var partitions = func() []string {
	out := make([]string, 64)
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}()

func (b *builder) tenant(t *metrics.Tenant) {
	if !utf8.ValidString(t.ID) || !utf8.ValidString(t.State) || b.tenants[t.ID] {
		return
	}
	b.tenants[t.ID] = true
	tp := b.pair(&nTenant, t.ID)
	ls := b.labelSet(tp)
	b.add(dTenantInfo, 1, b.labelSet(b.pair(&nState, t.State), tp, b.pair(&nVersion, strconv.Itoa(t.Version))))
	b.add(dTenantIn, float64(t.In), ls)
	b.add(dTenantOut, float64(t.Out), ls)
	b.add(dTenantDropped, float64(t.Dropped), ls)
	b.add(dTenantRejected, float64(t.Rejected), ls)
	b.add(dTenantDead, float64(t.DeadLettered), ls)
	b.add(dTenantState, float64(t.Memory.StateBytes), ls)
	b.add(dTenantKeys, float64(t.Memory.StateKeys), ls)
	b.add(dTenantRings, float64(t.Memory.RingBytes), ls)
	b.add(dTenantLimit, float64(t.Memory.Limit), ls)
	b.add(dTenantEvicted, float64(t.Memory.Evicted), ls)
	b.add(dTenantExpired, float64(t.Memory.Expired), ls)
	if c := t.Checkpoints; c != nil {
		b.add(dCkWritten, float64(c.Written), ls)
		b.add(dCkFailed, float64(c.Failed), ls)
		b.add(dCkUnaligned, float64(c.Unaligned), ls)
		b.add(dCkInflight, float64(c.InflightBytes), ls)
		b.add(dCkBytes, float64(c.LastBytes), ls)
		b.add(dCkDuration, c.LastDurationSeconds, ls)
	}
	for j := range t.Actors {
		a := &t.Actors[j]
		if !utf8.ValidString(a.Name) || repeatsActor(t.Actors[:j], a.Name) {
			continue
		}
		ls := b.labelSet(b.pair(&nActor, a.Name), tp)
		b.add(dActorIn, float64(a.In), ls)
		b.add(dActorOut, float64(a.Out), ls)
		b.add(dActorBusy, a.BusySeconds, ls)
		b.add(dActorBP, a.BackPressuredSeconds, ls)
		b.add(dActorIdle, a.IdleSeconds, ls)
		if a.Kind == "sink" {
			b.add(dActorInFlight, float64(a.InFlight), ls)
		}
		if a.Latency != nil {
			b.histogram(dSinkLatency, a.Latency, ls)
		}
		if a.Lag != nil {
			b.histogram(dSinkLag, a.Lag, ls)
		}
	}
	for j := range t.Edges {
		e := &t.Edges[j]
		from, _, _ := strings.Cut(e.Label, " -> ")
		if !utf8.ValidString(from) || !utf8.ValidString(e.To) || repeatsEdge(t.Edges[:j], from, e) {
			continue
		}
		part := ""
		if e.Partition >= 0 && e.Partition < len(partitions) {
			part = partitions[e.Partition]
		} else {
			part = strconv.Itoa(e.Partition)
		}
		ls := b.labelSet(b.pair(&nFrom, from), b.pair(&nPartition, part), tp, b.pair(&nTo, e.To))
		b.add(dEdgePublished, float64(e.Published), ls)
		b.add(dEdgeConsumed, float64(e.Consumed), ls)
		b.add(dEdgeDropped, float64(e.Dropped), ls)
		b.add(dEdgeGaps, float64(e.Gaps), ls)
		b.add(dEdgeBlocked, e.BlockedSeconds, ls)
		b.add(dEdgeFill, e.Fill, ls)
		b.add(dEdgeCapacity, float64(e.Capacity), ls)
		b.add(dEdgeMaxBatch, float64(e.MaxBatch), ls)
		b.add(dEdgeBytes, float64(e.Bytes), ls)
	}
}

// repeatsEdge reports whether one of earlier has e's labels (from, to,
// partition), so that a series is never exposed twice. A tenant has a few
// edges; one with thousands pays a quadratic scan.
func repeatsEdge(earlier []metrics.Edge, from string, e *metrics.Edge) bool {
	for i := range earlier {
		o := &earlier[i]
		if o.Partition == e.Partition && o.To == e.To {
			if f, _, _ := strings.Cut(o.Label, " -> "); f == from {
				return true
			}
		}
	}
	return false
}

// repeatsActor reports whether one of earlier is named name.
func repeatsActor(earlier []metrics.Actor, name string) bool {
	for i := range earlier {
		if earlier[i].Name == name {
			return true
		}
	}
	return false
}
