package admin

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/greenwave/greenwave/internal/metrics"
)

// The Prometheus export: one Collector that reads the metrics model at
// scrape time. Time is counted in _seconds_total counters whose rate is
// Flink's share of time (busy, back-pressured, idle, blocked); each
// scraper gets its own metrics.Reader, so the largest batch per edge is the
// largest since that scraper's previous scrape and no scraper resets what
// another sees.

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("greenwave_"+name, help, labels, nil)
}

var (
	tenantL = []string{"tenant"}
	actorL  = []string{"tenant", "actor"}
	// An edge's from is its producing actor ("count#1" for an instance of
	// a parallel one), to the consuming component and partition its
	// instance.
	edgeL   = []string{"tenant", "from", "to", "partition"}
	workerL = []string{"worker"}

	dTenantInfo     = desc("tenant_info", "A tenant's version and state (value 1).", "tenant", "version", "state")
	dTenantIn       = desc("tenant_events_in_total", "Events the tenant's sources produced.", tenantL...)
	dTenantOut      = desc("tenant_events_out_total", "Events the tenant's sinks consumed.", tenantL...)
	dTenantDropped  = desc("tenant_events_dropped_total", "Events dropped on the tenant's edges under a drop policy.", tenantL...)
	dTenantRejected = desc("tenant_events_rejected_total", "Events the tenant's sources rejected.", tenantL...)
	dTenantDead     = desc("tenant_events_dead_lettered_total", "Events the tenant's sources sent to a dead-letter output.", tenantL...)
	dTenantState    = desc("tenant_state_bytes", "Bytes the tenant's keyed state holds (the operators' estimates).", tenantL...)
	dTenantKeys     = desc("tenant_state_keys", "Keys (entries) the tenant's keyed state holds.", tenantL...)
	dTenantRings    = desc("tenant_ring_bytes", "Bytes the tenant's ring slots take.", tenantL...)
	dTenantLimit    = desc("tenant_memory_limit_bytes", "The tenant's memory cap (0: none).", tenantL...)
	dTenantEvicted  = desc("tenant_state_evicted_total", "Keyed state entries evicted at a limit.", tenantL...)
	dTenantExpired  = desc("tenant_state_expired_total", "Keyed state entries removed by their ttl.", tenantL...)
	dActorIn        = desc("actor_events_in_total", "Events the actor took (sources: produced).", actorL...)
	dActorOut       = desc("actor_events_out_total", "Events the actor emitted.", actorL...)
	dActorBusy      = desc("actor_busy_seconds_total", "Time the actor's turns took; its rate is Flink's busy time per second.", actorL...)
	dActorBP        = desc("actor_backpressured_seconds_total", "Time the actor held a batch that did not fit downstream; its rate is Flink's back-pressured time per second.", actorL...)
	dActorIdle      = desc("actor_idle_seconds_total", "The rest of the actor's lifetime; its rate is Flink's idle time per second.", actorL...)
	dActorInFlight  = desc("actor_in_flight_events", "Events an async sink handed over and that are not acknowledged yet.", actorL...)
	dSinkLatency    = desc("sink_latency_seconds", "Time from an event's creation (a paced source's schedule) to the sink.", actorL...)
	dSinkLag        = desc("sink_event_time_lag_seconds", "How far event time trailed the clock as events reached the sink.", actorL...)
	dEdgePublished  = desc("edge_published_total", "Events published into the edge's ring.", edgeL...)
	dEdgeConsumed   = desc("edge_consumed_total", "Events the edge's consumer took.", edgeL...)
	dEdgeDropped    = desc("edge_dropped_total", "Events dropped on the edge under a drop policy.", edgeL...)
	dEdgeGaps       = desc("edge_gaps_total", "Sequence numbers the consumer never saw.", edgeL...)
	dEdgeBlocked    = desc("edge_blocked_seconds_total", "Time producers waited for room on the edge, counted while they wait.", edgeL...)
	dEdgeFill       = desc("edge_fill_ratio", "Events waiting on the edge over its capacity.", edgeL...)
	dEdgeCapacity   = desc("edge_capacity_events", "The edge's capacity in events.", edgeL...)
	dEdgeMaxBatch   = desc("edge_max_batch_events", "The largest batch the consumer took since this scraper's previous scrape (rounded down to a power of two; a whole-capacity batch exactly).", edgeL...)
	dEdgeBytes      = desc("edge_allocated_bytes", "Bytes the edge's ring slots take now.", edgeL...)
	dWorkerActors   = desc("worker_actors", "Actors placed on the worker.", workerL...)
	dWorkerPasses   = desc("worker_passes_total", "Scheduling passes of the worker.", workerL...)
	dWorkerIdle     = desc("worker_idle_passes_total", "Passes that found no work.", workerL...)
	dWorkerParks    = desc("worker_parks_total", "Times the worker parked.", workerL...)
	dWorkerWakes    = desc("worker_wakes_total", "Parks ended by a wake rather than a timeout.", workerL...)
	dWorkerSpins    = desc("worker_spins_total", "Idle spin passes.", workerL...)
	dWorkerYields   = desc("worker_yields_total", "Idle passes that yielded the processor.", workerL...)
	dProcCtx        = desc("process_context_switches_total", "Context switches of every thread of the process.", "kind")
	dProcRunDelay   = desc("process_run_delay_seconds_total", "Time the process's threads were runnable but waited for a CPU.")
	dProcThreads    = desc("process_threads", "OS threads of the process.")
	dProcCPUs       = desc("process_cpus", "CPUs the process may run on.")
	dScrapeDuration = desc("scrape_duration_seconds", "How long building this scrape's figures took.")
	allDescs        = []*prometheus.Desc{dTenantInfo, dTenantIn, dTenantOut, dTenantDropped, dTenantRejected, dTenantDead, dTenantState, dTenantKeys, dTenantRings, dTenantLimit, dTenantEvicted, dTenantExpired, dActorIn, dActorOut, dActorBusy, dActorBP, dActorIdle, dActorInFlight, dSinkLatency, dSinkLag, dEdgePublished, dEdgeConsumed, dEdgeDropped, dEdgeGaps, dEdgeBlocked, dEdgeFill, dEdgeCapacity, dEdgeMaxBatch, dEdgeBytes, dWorkerActors, dWorkerPasses, dWorkerIdle, dWorkerParks, dWorkerWakes, dWorkerSpins, dWorkerYields, dProcCtx, dProcRunDelay, dProcThreads, dProcCPUs, dScrapeDuration}
)

// Collector is the Prometheus collector of one snapshot: Describe lists
// every family (the components' own, greenwave_component_*, as the
// snapshot has them), Collect emits the snapshot's figures.
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
	for _, d := range allDescs {
		ch <- d
	}
	c.components().describe(ch)
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.Snap
	counter := func(d *prometheus.Desc, v float64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, l...)
	}
	gauge := func(d *prometheus.Desc, v float64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, l...)
	}
	for i := range s.Tenants {
		t := &s.Tenants[i]
		id := t.ID
		gauge(dTenantInfo, 1, id, strconv.Itoa(t.Version), t.State)
		counter(dTenantIn, float64(t.In), id)
		counter(dTenantOut, float64(t.Out), id)
		counter(dTenantDropped, float64(t.Dropped), id)
		counter(dTenantRejected, float64(t.Rejected), id)
		counter(dTenantDead, float64(t.DeadLettered), id)
		gauge(dTenantState, float64(t.Memory.StateBytes), id)
		gauge(dTenantKeys, float64(t.Memory.StateKeys), id)
		gauge(dTenantRings, float64(t.Memory.RingBytes), id)
		gauge(dTenantLimit, float64(t.Memory.Limit), id)
		counter(dTenantEvicted, float64(t.Memory.Evicted), id)
		counter(dTenantExpired, float64(t.Memory.Expired), id)
		for j := range t.Actors {
			a := &t.Actors[j]
			counter(dActorIn, float64(a.In), id, a.Name)
			counter(dActorOut, float64(a.Out), id, a.Name)
			counter(dActorBusy, a.BusySeconds, id, a.Name)
			counter(dActorBP, a.BackPressuredSeconds, id, a.Name)
			counter(dActorIdle, a.IdleSeconds, id, a.Name)
			if a.Kind == "sink" {
				gauge(dActorInFlight, float64(a.InFlight), id, a.Name)
			}
			if a.Latency != nil {
				ch <- histogram(dSinkLatency, a.Latency, id, a.Name)
			}
			if a.Lag != nil {
				ch <- histogram(dSinkLag, a.Lag, id, a.Name)
			}
		}
		for j := range t.Edges {
			e := &t.Edges[j]
			from, _, _ := strings.Cut(e.Label, " -> ")
			part := strconv.Itoa(e.Partition)
			counter(dEdgePublished, float64(e.Published), id, from, e.To, part)
			counter(dEdgeConsumed, float64(e.Consumed), id, from, e.To, part)
			counter(dEdgeDropped, float64(e.Dropped), id, from, e.To, part)
			counter(dEdgeGaps, float64(e.Gaps), id, from, e.To, part)
			counter(dEdgeBlocked, e.BlockedSeconds, id, from, e.To, part)
			gauge(dEdgeFill, e.Fill, id, from, e.To, part)
			gauge(dEdgeCapacity, float64(e.Capacity), id, from, e.To, part)
			gauge(dEdgeMaxBatch, float64(e.MaxBatch), id, from, e.To, part)
			gauge(dEdgeBytes, float64(e.Bytes), id, from, e.To, part)
		}
	}
	for _, w := range s.Workers {
		id := strconv.Itoa(w.ID)
		gauge(dWorkerActors, float64(w.Actors), id)
		counter(dWorkerPasses, float64(w.Passes), id)
		counter(dWorkerIdle, float64(w.Idle), id)
		counter(dWorkerParks, float64(w.Parks), id)
		counter(dWorkerWakes, float64(w.Wakes), id)
		counter(dWorkerSpins, float64(w.Spins), id)
		counter(dWorkerYields, float64(w.Yields), id)
	}
	c.components().collect(ch)
	p := s.Process
	counter(dProcCtx, float64(p.VoluntaryCtxSwitches), "voluntary")
	counter(dProcCtx, float64(p.InvoluntaryCtxSwitches), "involuntary")
	counter(dProcRunDelay, p.RunDelaySeconds)
	gauge(dProcThreads, float64(p.Threads))
	gauge(dProcCPUs, float64(p.CPUs))
	gauge(dScrapeDuration, c.Took.Seconds())
}

// histogram turns a coarse latency histogram into a Prometheus one
// (cumulative buckets by metrics.BucketBounds).
func histogram(d *prometheus.Desc, l *metrics.Latency, labels ...string) prometheus.Metric {
	buckets := make(map[float64]uint64, len(metrics.BucketBounds))
	var acc, total uint64
	for i, c := range l.Buckets {
		total += c
		if i < len(metrics.BucketBounds) {
			acc += c
			buckets[metrics.BucketBounds[i]] = acc
		}
	}
	return prometheus.MustNewConstHistogram(d, total, l.Sum, buckets, labels...)
}

// scrapers gives each scraper its own metrics.Reader, so that interval
// figures (the largest batch per edge) are since that scraper's previous
// scrape. A scraper is named by the `reader` query parameter, or else by
// its address; at most maxScrapers are remembered, the least recently
// seen forgotten first.
type scrapers struct {
	src metrics.Source
	mu  sync.Mutex
	by  map[string]*scraper
}

type scraper struct {
	r    *metrics.Reader
	seen time.Time
}

const maxScrapers = 8

func (s *scrapers) reader(req *http.Request) *metrics.Reader {
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
		s.by[name] = sc
	}
	sc.seen = time.Now()
	return sc.r
}

// metricsHandler serves /metrics: the greenwave families, built at scrape
// time, plus the Go runtime's and the process's standard ones.
func (s *scrapers) handler() http.Handler {
	std := prometheus.NewRegistry()
	std.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		start := time.Now()
		snap := s.reader(req).Read()
		reg := prometheus.NewRegistry()
		reg.MustRegister(&Collector{Snap: &snap, Took: time.Since(start)})
		promhttp.HandlerFor(prometheus.Gatherers{std, reg}, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}).ServeHTTP(w, req)
	})
}
