package admin

import (
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/greenwave/greenwave/internal/metrics"
)

// The Prometheus export: one Collector that reads the metrics model at
// scrape time. Time is counted in _seconds_total counters whose rate is
// Flink's share of time (busy, back-pressured, idle, blocked); each
// scraper gets its own metrics.Reader, so the largest batch per edge is the
// largest since that scraper's previous scrape and no scraper resets what
// another sees.

var (
	tenantL = []string{"tenant"}
	actorL  = []string{"tenant", "actor"}
	// An edge's from is its producing actor ("count#1" for an instance of
	// a parallel one), to the consuming component and partition its
	// instance.
	edgeL   = []string{"tenant", "from", "to", "partition"}
	workerL = []string{"worker"}

	dTenantInfo     = fam("tenant_info", "A tenant's version and state (value 1).", "tenant", "version", "state")
	dTenantIn       = fam("tenant_events_in_total", "Events the tenant's sources produced.", tenantL...)
	dTenantOut      = fam("tenant_events_out_total", "Events the tenant's sinks consumed.", tenantL...)
	dTenantDropped  = fam("tenant_events_dropped_total", "Events dropped on the tenant's edges under a drop policy.", tenantL...)
	dTenantRejected = fam("tenant_events_rejected_total", "Events the tenant's sources rejected.", tenantL...)
	dTenantDead     = fam("tenant_events_dead_lettered_total", "Events the tenant's sources sent to a dead-letter output.", tenantL...)
	dTenantState    = fam("tenant_state_bytes", "Bytes the tenant's keyed state holds (the operators' estimates).", tenantL...)
	dTenantKeys     = fam("tenant_state_keys", "Keys (entries) the tenant's keyed state holds.", tenantL...)
	dTenantRings    = fam("tenant_ring_bytes", "Bytes the tenant's ring slots take.", tenantL...)
	dTenantLimit    = fam("tenant_memory_limit_bytes", "The tenant's memory cap (0: none).", tenantL...)
	dTenantEvicted  = fam("tenant_state_evicted_total", "Keyed state entries evicted at a limit.", tenantL...)
	dTenantExpired  = fam("tenant_state_expired_total", "Keyed state entries removed by their ttl.", tenantL...)
	dCkWritten      = fam("tenant_checkpoints_total", "Checkpoints of the tenant written durably.", tenantL...)
	dCkFailed       = fam("tenant_checkpoints_failed_total", "Checkpoints of the tenant that could not be written.", tenantL...)
	dCkUnaligned    = fam("tenant_checkpoints_unaligned_total", "Checkpoints written that went unaligned after the aligned timeout.", tenantL...)
	dCkInflight     = fam("tenant_checkpoint_inflight_bytes_total", "In-flight input (events the barriers passed) the unaligned checkpoints recorded.", tenantL...)
	dCkBytes        = fam("tenant_checkpoint_last_bytes", "Size of the tenant's newest checkpoint.", tenantL...)
	dCkDuration     = fam("tenant_checkpoint_last_duration_seconds", "Time from the newest checkpoint's barriers to its being durable.", tenantL...)
	dActorIn        = fam("actor_events_in_total", "Events the actor took (sources: produced).", actorL...)
	dActorOut       = fam("actor_events_out_total", "Events the actor emitted.", actorL...)
	dActorBusy      = fam("actor_busy_seconds_total", "Time the actor's turns took; its rate is Flink's busy time per second.", actorL...)
	dActorBP        = fam("actor_backpressured_seconds_total", "Time the actor held a batch that did not fit downstream; its rate is Flink's back-pressured time per second.", actorL...)
	dActorIdle      = fam("actor_idle_seconds_total", "The rest of the actor's lifetime; its rate is Flink's idle time per second.", actorL...)
	dActorInFlight  = fam("actor_in_flight_events", "Events an async sink handed over and that are not acknowledged yet.", actorL...)
	dSinkLatency    = histFam("sink_latency_seconds", "Time from an event's creation (a paced source's schedule) to the sink.", actorL...)
	dSinkLag        = histFam("sink_event_time_lag_seconds", "How far event time trailed the clock as events reached the sink.", actorL...)
	dEdgePublished  = fam("edge_published_total", "Events published into the edge's ring.", edgeL...)
	dEdgeConsumed   = fam("edge_consumed_total", "Events the edge's consumer took.", edgeL...)
	dEdgeDropped    = fam("edge_dropped_total", "Events dropped on the edge under a drop policy.", edgeL...)
	dEdgeGaps       = fam("edge_gaps_total", "Sequence numbers the consumer never saw.", edgeL...)
	dEdgeBlocked    = fam("edge_blocked_seconds_total", "Time producers waited for room on the edge, counted while they wait.", edgeL...)
	dEdgeFill       = fam("edge_fill_ratio", "Events waiting on the edge over its capacity.", edgeL...)
	dEdgeCapacity   = fam("edge_capacity_events", "The edge's capacity in events.", edgeL...)
	dEdgeMaxBatch   = fam("edge_max_batch_events", "The largest batch the consumer took since this scraper's previous scrape (rounded down to a power of two; a whole-capacity batch exactly).", edgeL...)
	dEdgeBytes      = fam("edge_allocated_bytes", "Bytes the edge's ring slots take now.", edgeL...)
	dWorkerActors   = fam("worker_actors", "Actors placed on the worker.", workerL...)
	dWorkerPasses   = fam("worker_passes_total", "Scheduling passes of the worker.", workerL...)
	dWorkerIdle     = fam("worker_idle_passes_total", "Passes that found no work.", workerL...)
	dWorkerHelped   = fam("worker_helped_turns_total", "Turns the worker gave other workers' actors while it had no work of its own.", workerL...)
	dWorkerParks    = fam("worker_parks_total", "Times the worker parked.", workerL...)
	dWorkerWakes    = fam("worker_wakes_total", "Parks ended by a wake rather than a timeout.", workerL...)
	dWorkerSpins    = fam("worker_spins_total", "Idle spin passes.", workerL...)
	dWorkerYields   = fam("worker_yields_total", "Idle passes that yielded the processor.", workerL...)
	dProcCtx        = fam("process_context_switches_total", "Context switches of every thread of the process.", "kind")
	dProcRunDelay   = fam("process_run_delay_seconds_total", "Time the process's threads were runnable but waited for a CPU.")
	dProcThreads    = fam("process_threads", "OS threads of the process.")
	dProcCPUs       = fam("process_cpus", "CPUs the process may run on.")
	dScrapeDuration = fam("scrape_duration_seconds", "How long building this scrape's figures took.")
)

// Collector is the Prometheus collector of one snapshot: Describe lists
// every family (the components' own, greenwave_component_*, as the
// snapshot has them), Collect emits the snapshot's figures. It serves
// client_golang's registries and testutil; /metrics gathers the same
// families without a registry (see families).
type Collector struct {
	Snap *metrics.Snapshot
	// Took is how long reading the snapshot took.
	Took time.Duration

	once    sync.Once
	figures *figureSet
}

// components returns the snapshot's component families, built once.
func (c *Collector) components() *figureSet {
	c.once.Do(func() { c.figures = buildFigures(c.Snap) })
	return c.figures
}

// Describe implements prometheus.Collector: the fixed families and the
// snapshot's component families.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range specs {
		ch <- f.desc
	}
	c.components().describe(ch)
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	comps := c.components()
	descs := make(map[string]*prometheus.Desc, len(specs)+len(comps.families))
	for _, f := range specs {
		descs[f.name] = f.desc
	}
	for _, f := range comps.families {
		descs[f.name] = f.desc
	}
	var b builder
	for _, mf := range b.families(c.Snap, comps, c.Took) {
		d := descs[mf.GetName()]
		for _, m := range mf.Metric {
			ch <- dtoMetric{d, m}
		}
	}
}

// dtoMetric is one built series as a prometheus.Metric.
type dtoMetric struct {
	desc *prometheus.Desc
	m    *dto.Metric
}

func (m dtoMetric) Desc() *prometheus.Desc { return m.desc }

func (m dtoMetric) Write(out *dto.Metric) error {
	out.Label, out.Counter, out.Gauge, out.Histogram = m.m.Label, m.m.Counter, m.m.Gauge, m.m.Histogram
	return nil
}

// scrapers gives each scraper its own metrics.Reader, so that interval
// figures (the largest batch per edge) are since that scraper's previous
// scrape. A scraper is named by the `reader` query parameter, or else by
// its address; at most maxScrapers are remembered, the least recently
// seen forgotten first.
type scrapers struct {
	src metrics.Source
	// reuse is set for the /metrics scrapers, whose snapshots live only
	// for one scrape (metrics.Reader.Reuse); not for the JSON API's.
	reuse bool
	mu    sync.Mutex
	by    map[string]*scraper
}

type scraper struct {
	r    *metrics.Reader
	seen time.Time

	// mu serialises the scraper's scrapes: b's families are valid from
	// one build until the next.
	mu   sync.Mutex
	b    builder
	text textScrape
	gz   *gzip.Writer
}

const maxScrapers = 8

func (s *scrapers) reader(req *http.Request) *metrics.Reader { return s.scraper(req).r }

// scraper returns req's scraper.
func (s *scrapers) scraper(req *http.Request) *scraper {
	name := req.URL.Query().Get("reader")
	if name == "" {
		name, _, _ = net.SplitHostPort(req.RemoteAddr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.by == nil {
		s.by = map[string]*scraper{}
	}
	sc := s.by[name]
	if sc == nil {
		if len(s.by) >= maxScrapers {
			var oldest string
			for k, v := range s.by {
				if oldest == "" || v.seen.Before(s.by[oldest].seen) {
					oldest = k
				}
			}
			delete(s.by, oldest)
		}
		sc = &scraper{r: metrics.NewReader(s.src)}
		// A scrape reads, encodes and forgets its snapshot, under sc.mu.
		sc.r.Reuse = s.reuse
		s.by[name] = sc
	}
	sc.seen = time.Now()
	return sc
}

// handler serves /metrics: the greenwave families, built at scrape time,
// plus the Go runtime's and the process's standard ones. A text scrape
// (what Prometheus asks for unless it wants protobuf) is written straight
// from the snapshot to the response (textScrape), gzip'd when the scraper
// accepts it; any other format negotiated (protobuf) is encoded by
// promhttp from client_model values (builder). The greenwave families are
// consistent by construction (see families), so they are merged with the
// standard ones by name rather than through prometheus.Gatherers, whose
// per-series checks and sorting would cost more than building them. Both
// paths honour promhttp's name[] filter.
func (s *scrapers) handler() http.Handler {
	std := prometheus.NewRegistry()
	std.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		sc := s.scraper(req)
		sc.mu.Lock()
		defer sc.mu.Unlock()
		start := time.Now()
		snap := sc.r.Read()
		took := time.Since(start)
		format := expfmt.NegotiateAccept(req.Header, expfmt.DefaultAcceptedFormats()...)
		if format.FormatType() != expfmt.TypeTextPlain {
			gather := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
				mfs, err := std.Gather()
				mfs = append(mfs, sc.b.families(&snap, buildFigures(&snap), took)...)
				slices.SortFunc(mfs, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
				return mfs, err
			})
			promhttp.HandlerFor(gather, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}).ServeHTTP(w, req)
			return
		}
		// As promhttp: with ContinueOnError, what was gathered is served.
		mfs, _ := std.Gather()
		var filter map[string]bool
		if names := req.URL.Query()["name[]"]; len(names) > 0 {
			filter = make(map[string]bool, len(names))
			for _, n := range names {
				filter[n] = true
			}
		}
		h := w.Header()
		h.Add("Vary", "Accept")
		h.Add("Vary", "Accept-Encoding")
		h.Set("Content-Type", string(format))
		sc.text.prepare(&snap, took, mfs, format, filter)
		if !acceptsGzip(req.Header.Get("Accept-Encoding")) {
			_ = sc.text.write(w) // a scraper that went away
			return
		}
		h.Set("Content-Encoding", "gzip")
		if sc.gz == nil {
			sc.gz, _ = gzip.NewWriterLevel(w, gzipLevel)
		} else {
			sc.gz.Reset(w)
		}
		if sc.text.write(sc.gz) == nil {
			_ = sc.gz.Close()
		}
		sc.gz.Reset(io.Discard) // let go of w
	})
}

// gzipLevel is the compression of a gzip'd scrape: the fastest, since a
// scrape of 10,000 edges is 8 MB of text, which the default level takes
// several times as long to compress as to write.
const gzipLevel = gzip.BestSpeed

// acceptsGzip reports whether an Accept-Encoding header value accepts gzip
// (listed, or as *, with a q-value above 0).
func acceptsGzip(header string) bool {
	ok := false
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "*" && coding != "x-gzip" {
			continue
		}
		accepted := true
		for param := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(param), "=")
			if strings.EqualFold(k, "q") {
				q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				accepted = err == nil && q > 0
			}
		}
		if coding == "*" {
			ok = ok || accepted
			continue
		}
		return accepted // an explicit gzip decides
	}
	return ok
}
