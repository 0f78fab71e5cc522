package admin

import (
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/metrics"
)

// A text scrape (format 0.0.4, what Prometheus gets unless it asks for
// protobuf) writes the greenwave families straight from the snapshot, with
// the label text of every tenant, actor and edge kept from one scrape to
// the next (labelCache): no client_model value per series and no expfmt
// pass over 150,000 of them. The series are the builder's (families.go),
// which the protobuf path and the Collector still use; a test holds the two
// to the same families. The Go and process families are encoded by expfmt.
// Families come out sorted by name, as promhttp sorts them.
//
// The work is cut into items, each one family's series of a range of
// tenants, so that items can be encoded apart and written in order.

// count names what a fixed family has one series of.
type count uint8

const (
	perTenant count = iota
	perCheckpointed
	perActor
	perSink
	perLatency
	perLag
	perEdge
	perWorker
	once
	counts
)

// textFamily says how a fixed family's series are read from the snapshot:
// one of the functions is set, by its count.
type textFamily struct {
	spec   *famSpec
	header string // # HELP and # TYPE lines
	count  count
	tenant func(*metrics.Tenant) float64
	actor  func(*metrics.Actor) float64
	hist   func(*metrics.Actor) *metrics.Latency
	edge   func(*metrics.Edge) float64
	worker func(*metrics.Worker) float64
	// whole writes a family of the process (no tenant).
	whole func(dst []byte, name string, s *metrics.Snapshot, took time.Duration) []byte
}

// textFamilies are the fixed families sorted by name.
var textFamilies = func() []*textFamily {
	tf := []*textFamily{
		{spec: dTenantInfo, count: perTenant, tenant: func(*metrics.Tenant) float64 { return 1 }},
		{spec: dTenantIn, count: perTenant, tenant: func(t *metrics.Tenant) float64 { return float64(t.In) }},
		{spec: dTenantOut, count: perTenant, tenant: func(t *metrics.Tenant) float64 { return float64(t.Out) }},
		{spec: dTenantDropped, count: perTenant, tenant: func(t *metrics.Tenant) float64 { return float64(t.Dropped) }},
		{spec: dTenantRejected, count: perTenant, tenant: func(t *metrics.Tenant) float64 { return float64(t.Rejected) }},
		{spec: dTenantDead, count: perTenant, tenant: func(t *metrics.Tenant) float64 { return float64(t.DeadLettered) }},
		{spec: dTenantState, count: perTenant, tenant: func(t *metrics.Tenant) float64 { return float64(t.Memory.StateBytes) }},
		{spec: dTenantKeys, count: perTenant, tenant: func(t *metrics.Tenant) float64 { return float64(t.Memory.StateKeys) }},
		{spec: dTenantRings, count: perTenant, tenant: func(t *metrics.Tenant) float64 { return float64(t.Memory.RingBytes) }},
		{spec: dTenantLimit, count: perTenant, tenant: func(t *metrics.Tenant) float64 { return float64(t.Memory.Limit) }},
		{spec: dTenantEvicted, count: perTenant, tenant: func(t *metrics.Tenant) float64 { return float64(t.Memory.Evicted) }},
		{spec: dTenantExpired, count: perTenant, tenant: func(t *metrics.Tenant) float64 { return float64(t.Memory.Expired) }},
		{spec: dCkWritten, count: perCheckpointed, tenant: func(t *metrics.Tenant) float64 { return float64(t.Checkpoints.Written) }},
		{spec: dCkFailed, count: perCheckpointed, tenant: func(t *metrics.Tenant) float64 { return float64(t.Checkpoints.Failed) }},
		{spec: dCkUnaligned, count: perCheckpointed, tenant: func(t *metrics.Tenant) float64 { return float64(t.Checkpoints.Unaligned) }},
		{spec: dCkInflight, count: perCheckpointed, tenant: func(t *metrics.Tenant) float64 { return float64(t.Checkpoints.InflightBytes) }},
		{spec: dCkBytes, count: perCheckpointed, tenant: func(t *metrics.Tenant) float64 { return float64(t.Checkpoints.LastBytes) }},
		{spec: dCkDuration, count: perCheckpointed, tenant: func(t *metrics.Tenant) float64 { return t.Checkpoints.LastDurationSeconds }},
		{spec: dActorIn, count: perActor, actor: func(a *metrics.Actor) float64 { return float64(a.In) }},
		{spec: dActorOut, count: perActor, actor: func(a *metrics.Actor) float64 { return float64(a.Out) }},
		{spec: dActorBusy, count: perActor, actor: func(a *metrics.Actor) float64 { return a.BusySeconds }},
		{spec: dActorBP, count: perActor, actor: func(a *metrics.Actor) float64 { return a.BackPressuredSeconds }},
		{spec: dActorIdle, count: perActor, actor: func(a *metrics.Actor) float64 { return a.IdleSeconds }},
		{spec: dActorInFlight, count: perSink, actor: func(a *metrics.Actor) float64 { return float64(a.InFlight) }},
		{spec: dSinkLatency, count: perLatency, hist: func(a *metrics.Actor) *metrics.Latency { return a.Latency }},
		{spec: dSinkLag, count: perLag, hist: func(a *metrics.Actor) *metrics.Latency { return a.Lag }},
		{spec: dEdgePublished, count: perEdge, edge: func(e *metrics.Edge) float64 { return float64(e.Published) }},
		{spec: dEdgeConsumed, count: perEdge, edge: func(e *metrics.Edge) float64 { return float64(e.Consumed) }},
		{spec: dEdgeDropped, count: perEdge, edge: func(e *metrics.Edge) float64 { return float64(e.Dropped) }},
		{spec: dEdgeGaps, count: perEdge, edge: func(e *metrics.Edge) float64 { return float64(e.Gaps) }},
		{spec: dEdgeBlocked, count: perEdge, edge: func(e *metrics.Edge) float64 { return e.BlockedSeconds }},
		{spec: dEdgeFill, count: perEdge, edge: func(e *metrics.Edge) float64 { return e.Fill }},
		{spec: dEdgeCapacity, count: perEdge, edge: func(e *metrics.Edge) float64 { return float64(e.Capacity) }},
		{spec: dEdgeMaxBatch, count: perEdge, edge: func(e *metrics.Edge) float64 { return float64(e.MaxBatch) }},
		{spec: dEdgeBytes, count: perEdge, edge: func(e *metrics.Edge) float64 { return float64(e.Bytes) }},
		{spec: dWorkerActors, count: perWorker, worker: func(w *metrics.Worker) float64 { return float64(w.Actors) }},
		{spec: dWorkerPasses, count: perWorker, worker: func(w *metrics.Worker) float64 { return float64(w.Passes) }},
		{spec: dWorkerIdle, count: perWorker, worker: func(w *metrics.Worker) float64 { return float64(w.Idle) }},
		{spec: dWorkerHelped, count: perWorker, worker: func(w *metrics.Worker) float64 { return float64(w.Helped) }},
		{spec: dWorkerParks, count: perWorker, worker: func(w *metrics.Worker) float64 { return float64(w.Parks) }},
		{spec: dWorkerWakes, count: perWorker, worker: func(w *metrics.Worker) float64 { return float64(w.Wakes) }},
		{spec: dWorkerSpins, count: perWorker, worker: func(w *metrics.Worker) float64 { return float64(w.Spins) }},
		{spec: dWorkerYields, count: perWorker, worker: func(w *metrics.Worker) float64 { return float64(w.Yields) }},
		{spec: dProcCtx, count: once, whole: func(dst []byte, name string, s *metrics.Snapshot, _ time.Duration) []byte {
			dst = appendSample(dst, name, `{kind="voluntary"}`, float64(s.Process.VoluntaryCtxSwitches))
			return appendSample(dst, name, `{kind="involuntary"}`, float64(s.Process.InvoluntaryCtxSwitches))
		}},
		{spec: dProcRunDelay, count: once, whole: func(dst []byte, name string, s *metrics.Snapshot, _ time.Duration) []byte {
			return appendSample(dst, name, "", s.Process.RunDelaySeconds)
		}},
		{spec: dProcThreads, count: once, whole: func(dst []byte, name string, s *metrics.Snapshot, _ time.Duration) []byte {
			return appendSample(dst, name, "", float64(s.Process.Threads))
		}},
		{spec: dProcCPUs, count: once, whole: func(dst []byte, name string, s *metrics.Snapshot, _ time.Duration) []byte {
			return appendSample(dst, name, "", float64(s.Process.CPUs))
		}},
		{spec: dScrapeDuration, count: once, whole: func(dst []byte, name string, _ *metrics.Snapshot, took time.Duration) []byte {
			return appendSample(dst, name, "", took.Seconds())
		}},
	}
	if len(tf) != len(specs) {
		panic("BUG: the text exposition does not cover every fixed family")
	}
	for _, f := range tf {
		f.header = string(appendHeader(nil, f.spec.name, f.spec.help, f.spec.typ))
	}
	slices.SortFunc(tf, func(a, b *textFamily) int { return strings.Compare(a.spec.name, b.spec.name) })
	return tf
}()

// Histogram bucket labels: `,le="<bound>"}` per metrics.BucketBounds, then
// the +Inf one.
var leTexts = func() []string {
	out := make([]string, 0, len(bucketBounds)+1)
	for _, b := range bucketBounds {
		out = append(out, `,le="`+string(appendValue(nil, b))+`"}`)
	}
	return append(out, `,le="+Inf"}`)
}()

// appendHeader appends a family's # HELP and # TYPE lines.
func appendHeader(dst []byte, name, help string, typ dto.MetricType) []byte {
	dst = append(dst, "# HELP "...)
	dst = append(dst, name...)
	dst = append(dst, ' ')
	dst = appendHelp(dst, help)
	dst = append(dst, "\n# TYPE "...)
	dst = append(dst, name...)
	dst = append(dst, ' ')
	dst = append(dst, strings.ToLower(typ.String())...)
	return append(dst, '\n')
}

// appendSample appends one sample line; labels is "" or `{...}`.
func appendSample(dst []byte, name, labels string, v float64) []byte {
	dst = append(dst, name...)
	dst = append(dst, labels...)
	dst = append(dst, ' ')
	dst = appendValue(dst, v)
	return append(dst, '\n')
}

// appendValue appends v as the text format writes a value: a whole number
// below 2^53 as an integer, else the shortest decimal (or NaN, +Inf, -Inf).
func appendValue(dst []byte, v float64) []byte {
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1<<53:
		return strconv.AppendInt(dst, int64(v), 10)
	case math.IsNaN(v):
		return append(dst, "NaN"...)
	case math.IsInf(v, 1):
		return append(dst, "+Inf"...)
	case math.IsInf(v, -1):
		return append(dst, "-Inf"...)
	}
	return strconv.AppendFloat(dst, v, 'g', -1, 64)
}

// appendBucket appends one `<name>_bucket{<inner>,le="..."} <count>` line;
// inner is the labels without their closing brace, le the text that
// closes them.
func appendBucket(dst []byte, name, inner, le string, count uint64) []byte {
	dst = append(dst, name...)
	dst = append(dst, "_bucket"...)
	dst = append(dst, inner...)
	dst = append(dst, le...)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, count, 10)
	return append(dst, '\n')
}

// appendHistogram appends a coarse latency histogram's samples as a
// Prometheus histogram's (cumulative buckets by metrics.BucketBounds, the
// last bucket above them all counted only in +Inf and the count). labels
// is `{...}`.
func appendHistogram(dst []byte, name string, l *metrics.Latency, labels string) []byte {
	inner := labels[:len(labels)-1] // without the closing brace
	n := min(len(bucketBounds), len(l.Buckets))
	var acc, total uint64
	for i, c := range l.Buckets {
		total += c
		if i < n {
			acc += c
			dst = appendBucket(dst, name, inner, leTexts[i], acc)
		}
	}
	dst = appendBucket(dst, name, inner, leTexts[len(leTexts)-1], total)
	dst = append(dst, name...)
	dst = append(dst, "_sum"...)
	dst = append(dst, labels...)
	dst = append(dst, ' ')
	dst = appendValue(dst, l.Sum)
	dst = append(dst, '\n')
	dst = append(dst, name...)
	dst = append(dst, "_count"...)
	dst = append(dst, labels...)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, total, 10)
	return append(dst, '\n')
}

// textItem is one piece of a text scrape: a fixed family's series of
// tenants [lo, hi) (with the header when first), a component family, or a
// Go or process family.
type textItem struct {
	fixed  *textFamily
	lo, hi int
	first  bool
	comp   *figureFamily
	std    *dto.MetricFamily
}

// textScrape is the state of a scraper's text scrapes, kept from one to
// the next. Not safe for concurrent use; its write encodes items
// concurrently, which only read it.
type textScrape struct {
	labels labelCache
	rows   []*tenantLabels // per snapshot tenant; nil: left out
	counts [counts]int
	items  []textItem
	named  []namedItem
	comps  *figureSet
	byComp map[*figureFamily][]int // a component family's series
	order  []textItem
	buf    []byte
	slots  []textSlot

	snap *metrics.Snapshot
	took time.Duration
	std  expfmt.Format
}

// namedItem orders the families by name.
type namedItem struct {
	name  string
	items []textItem
}

// tenantsPerItem is how many tenants' series of one family an item holds
// (about 60 KB for edge families).
const tenantsPerItem = 200

// prepare readies a scrape of s (took: how long reading it took), the Go
// and process families std among its families, format the text format
// negotiated (for std's escaping). With filter set, only the families it
// names are written.
func (x *textScrape) prepare(s *metrics.Snapshot, took time.Duration, std []*dto.MetricFamily, format expfmt.Format, filter map[string]bool) {
	x.snap, x.took, x.std = s, took, format
	x.labels.begin()
	x.rows = slices.Grow(x.rows[:0], len(s.Tenants))[:len(s.Tenants)]
	clear(x.counts[:])
	exposed := 0
	for i := range s.Tenants {
		t := &s.Tenants[i]
		tl := x.labels.tenant(t)
		x.rows[i] = tl
		if tl == nil {
			continue
		}
		exposed++
		x.counts[perTenant]++
		if t.Checkpoints != nil {
			x.counts[perCheckpointed]++
		}
		for j := range t.Actors {
			a := &t.Actors[j]
			if tl.actors[j].text == "" {
				continue
			}
			x.counts[perActor]++
			if a.Kind == "sink" {
				x.counts[perSink]++
			}
			if a.Latency != nil {
				x.counts[perLatency]++
			}
			if a.Lag != nil {
				x.counts[perLag]++
			}
		}
		for j := range tl.edges {
			if tl.edges[j].text != "" {
				x.counts[perEdge]++
			}
		}
	}
	x.labels.end(exposed)
	x.counts[perWorker] = len(s.Workers)
	x.counts[once] = 1

	x.named = x.named[:0]
	x.items = x.items[:0]
	keep := func(name string) bool { return filter == nil || filter[name] }
	for _, f := range textFamilies {
		if x.counts[f.count] == 0 || !keep(f.spec.name) {
			continue
		}
		start := len(x.items)
		if f.count == perWorker || f.count == once {
			x.items = append(x.items, textItem{fixed: f, first: true})
		} else {
			for lo := 0; lo < len(s.Tenants); lo += tenantsPerItem {
				x.items = append(x.items, textItem{fixed: f, lo: lo, hi: min(lo+tenantsPerItem, len(s.Tenants)), first: lo == 0})
			}
		}
		x.named = append(x.named, namedItem{name: f.spec.name, items: x.items[start:len(x.items):len(x.items)]})
	}
	x.comps = buildFigures(s)
	if x.byComp == nil {
		x.byComp = map[*figureFamily][]int{}
	}
	clear(x.byComp)
	for i, sr := range x.comps.series {
		x.byComp[sr.fam] = append(x.byComp[sr.fam], i)
	}
	for _, f := range x.comps.families {
		if f.series > 0 && keep(f.name) {
			x.named = append(x.named, namedItem{name: f.name, items: []textItem{{comp: f, first: true}}})
		}
	}
	for _, mf := range std {
		if len(mf.Metric) > 0 && keep(mf.GetName()) {
			x.named = append(x.named, namedItem{name: mf.GetName(), items: []textItem{{std: mf, first: true}}})
		}
	}
	slices.SortStableFunc(x.named, func(a, b namedItem) int { return strings.Compare(a.name, b.name) })
	// The items in the families' order (the fixed ones' slices alias
	// x.items, so gather into a fresh order first).
	x.order = x.order[:0]
	for _, n := range x.named {
		x.order = append(x.order, n.items...)
	}
	x.items = append(x.items[:0], x.order...)
}

// appendItem appends it's text.
func (x *textScrape) appendItem(dst []byte, it *textItem) []byte {
	s := x.snap
	switch {
	case it.std != nil:
		w := appendWriter{&dst}
		// The families are the registry's, valid by construction; an
		// error would leave a partial family, which the caller cannot
		// take back from a stream anyway.
		_ = expfmt.NewEncoder(&w, x.std).Encode(it.std)
		return dst
	case it.comp != nil:
		return x.appendComponent(dst, it.comp)
	}
	f := it.fixed
	name := f.spec.name
	if it.first {
		dst = append(dst, f.header...)
	}
	switch f.count {
	case once:
		return f.whole(dst, name, s, x.took)
	case perWorker:
		for i := range s.Workers {
			w := &s.Workers[i]
			dst = append(dst, name...)
			dst = append(dst, `{worker="`...)
			dst = strconv.AppendInt(dst, int64(w.ID), 10)
			dst = append(dst, `"} `...)
			dst = appendValue(dst, f.worker(w))
			dst = append(dst, '\n')
		}
		return dst
	}
	for i := it.lo; i < it.hi; i++ {
		tl := x.rows[i]
		if tl == nil {
			continue
		}
		t := &s.Tenants[i]
		switch f.count {
		case perTenant:
			labels := tl.tenant
			if f.spec == dTenantInfo {
				labels = tl.info
			}
			dst = appendSample(dst, name, labels, f.tenant(t))
		case perCheckpointed:
			if t.Checkpoints != nil {
				dst = appendSample(dst, name, tl.tenant, f.tenant(t))
			}
		case perActor, perSink:
			for j := range t.Actors {
				a := &t.Actors[j]
				if l := tl.actors[j].text; l != "" && (f.count == perActor || a.Kind == "sink") {
					dst = appendSample(dst, name, l, f.actor(a))
				}
			}
		case perLatency, perLag:
			for j := range t.Actors {
				a := &t.Actors[j]
				if h, l := f.hist(a), tl.actors[j].text; h != nil && l != "" {
					dst = appendHistogram(dst, name, h, l)
				}
			}
		case perEdge:
			for j := range t.Edges {
				if l := tl.edges[j].text; l != "" {
					dst = appendSample(dst, name, l, f.edge(&t.Edges[j]))
				}
			}
		default:
			panic("BUG: text family " + name + " of an unknown count")
		}
	}
	return dst
}

// appendComponent appends a component family: its series' labels are the
// reserved ones and the figure's own, sorted by name.
func (x *textScrape) appendComponent(dst []byte, f *figureFamily) []byte {
	typ := dto.MetricType_GAUGE
	if f.kind == component.Counter {
		typ = dto.MetricType_COUNTER
	}
	dst = appendHeader(dst, f.name, f.help, typ)
	perm := make([]int, len(f.all)) // items are encoded concurrently
	for i := range perm {
		perm[i] = i
	}
	slices.SortFunc(perm, func(a, b int) int { return strings.Compare(f.all[a], f.all[b]) })
	for _, i := range x.byComp[f] {
		sr := &x.comps.series[i]
		dst = append(dst, f.name...)
		dst = append(dst, '{')
		for k, li := range perm {
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, f.all[li]...)
			dst = append(dst, '=', '"')
			dst = appendLabelValue(dst, sr.labels[li])
			dst = append(dst, '"')
		}
		dst = append(dst, '}', ' ')
		dst = appendValue(dst, sr.value)
		dst = append(dst, '\n')
	}
	return dst
}

// flushAt is the size at which a serial write hands its buffer to the
// response.
const flushAt = 64 << 10

// write writes the prepared scrape to w and returns the first write error.
// With more than one processor, GOMAXPROCS goroutines encode the items,
// each into the buffer of its slot, at most len(slots) items ahead of the
// one being written, and the calling goroutine writes them in order: a
// scrape runs off the engine's workers, which idle while thousands of idle
// tenants are scraped. It returns when every goroutine is done.
func (x *textScrape) write(w io.Writer) error {
	defer func() { x.snap = nil }()
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 || len(x.items) < 2*workers {
		return x.writeSerial(w)
	}
	n, window := len(x.items), 2*workers
	for len(x.slots) < window {
		x.slots = append(x.slots, textSlot{done: make(chan struct{}, 1)})
	}
	// A token lets a goroutine take the next item: there are window of
	// them and the writer returns one per item written, so the items
	// taken and not written are fewer than window and their slots
	// (item i's is i % window) distinct.
	tokens := make(chan struct{}, window)
	for range window {
		tokens <- struct{}{}
	}
	quit := make(chan struct{})
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				select {
				case <-tokens:
				case <-quit:
					return
				}
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				sl := &x.slots[i%window]
				sl.buf = x.appendItem(sl.buf[:0], &x.items[i])
				sl.done <- struct{}{}
			}
		})
	}
	var err error
	for i := 0; i < n && err == nil; i++ {
		sl := &x.slots[i%window]
		<-sl.done
		_, err = w.Write(sl.buf)
		tokens <- struct{}{}
	}
	close(quit)
	wg.Wait()
	for i := range x.slots {
		select { // an item taken after a write failed
		case <-x.slots[i].done:
		default:
		}
	}
	return err
}

// textSlot is one item's buffer of a parallel write; done says the item
// is in it.
type textSlot struct {
	buf  []byte
	done chan struct{}
}

// writeSerial writes the items one after another through x's buffer,
// handed to w at flushAt bytes.
func (x *textScrape) writeSerial(w io.Writer) error {
	buf := x.buf[:0]
	var err error
	for i := range x.items {
		buf = x.appendItem(buf, &x.items[i])
		if len(buf) >= flushAt {
			if _, err = w.Write(buf); err != nil {
				break
			}
			buf = buf[:0]
		}
	}
	if err == nil && len(buf) > 0 {
		_, err = w.Write(buf)
	}
	x.buf = buf[:0]
	return err
}

// appendWriter is an io.Writer that appends to a byte slice.
type appendWriter struct{ b *[]byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	*w.b = append(*w.b, p...)
	return len(p), nil
}
