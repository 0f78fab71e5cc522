package bench

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/connect"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/spec"
)

// The adaptive case: an HTTP consumer with 40 workers of 20 ms each (2000
// requests/s, less on a busy machine, where sleeps overrun) offered
// 1000/s, halved to 20 workers after 6 s, watched for 10 s more.
const (
	adaptiveWorkers = 40
	adaptiveService = 20 * time.Millisecond
	adaptiveOffered = 1000
	adaptiveQueue   = 40 // requests waiting beyond it get 429
	adaptiveBefore  = 6 * time.Second
	adaptiveAfter   = 10 * time.Second
	adaptiveSample  = 100 * time.Millisecond
)

// capacityServer answers with a bounded pool of workers, each request
// taking a fixed service time; it answers 429 when more than adaptiveQueue
// wait. It records each request's time at the server (waiting included)
// by phase, and counts 429s.
type capacityServer struct {
	mu       sync.Mutex
	cond     *sync.Cond
	workers  int
	busy     int
	waiting  int
	phase    int // 0 before the halving, 1 after, 2 settled
	lat      [3]*hdrhistogram.Histogram
	served   atomic.Int64
	refused  [3]atomic.Int64
	svcSum   atomic.Int64 // ns of service, for the measured capacity
	svcCount atomic.Int64
}

func newCapacityServer(workers int) *capacityServer {
	s := &capacityServer{workers: workers}
	s.cond = sync.NewCond(&s.mu)
	for i := range s.lat {
		s.lat[i] = hdrhistogram.New(1, int64(time.Minute), 3)
	}
	return s
}

func (s *capacityServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	s.mu.Lock()
	phase := s.phase
	if s.busy >= s.workers && s.waiting >= adaptiveQueue {
		s.mu.Unlock()
		s.refused[phase].Add(1)
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	s.waiting++
	for s.busy >= s.workers {
		s.cond.Wait()
	}
	s.waiting--
	s.busy++
	s.mu.Unlock()
	t0 := time.Now()
	time.Sleep(adaptiveService)
	s.svcSum.Add(int64(time.Since(t0)))
	s.svcCount.Add(1)
	s.mu.Lock()
	s.busy--
	s.cond.Signal()
	_ = s.lat[phase].RecordValue(int64(time.Since(arrived)))
	s.mu.Unlock()
	s.served.Add(1)
	w.WriteHeader(http.StatusOK)
}

func (s *capacityServer) set(workers, phase int) {
	s.mu.Lock()
	s.workers, s.phase = workers, phase
	s.cond.Broadcast()
	s.mu.Unlock()
}

// runAdaptiveHalving runs the http sink in adaptive mode through the engine
// against the capacity server and reports how it settles after the
// capacity halves: how long until the delivered rate holds at ≥ 90% of the
// new capacity, the p99 time at the server before and after, and the 429s.
func runAdaptiveHalving(cfg Config) (Result, error) {
	srv := newCapacityServer(adaptiveWorkers)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Result{}, err
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	defer hs.Close()
	yaml := fmt.Sprintf(`tenant: adaptive
sources:
  events: {type: generate, profile: sequence, rate: %d}
sinks:
  out:
    type: http
    inputs: [events]
    url: http://%s/
    batch: {max_events: 1}
    max_pending: 1024
    retry: {max_retries: 100, initial_backoff: 20ms, max_backoff: 200ms}
    dispatch: {mode: adaptive, max_in_flight: 64}
`, adaptiveOffered, ln.Addr())
	p, err := spec.Parse("adaptive.yaml", []byte(yaml), builtin.Catalog())
	if err != nil {
		return Result{}, err
	}
	e, err := engine.New(engine.Config{Workers: cfg.Cores})
	if err != nil {
		return Result{}, err
	}
	defer e.Close()
	pl, err := e.Compile(p)
	if err != nil {
		return Result{}, err
	}
	tn, err := e.Run(pl)
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	e.Start()
	acked := func() uint64 {
		for _, a := range tn.Stats().Actors {
			if a.Name == "out" {
				return a.Acked
			}
		}
		return 0
	}
	sinkStats := func() (connect.HTTPSinkStats, bool) {
		for _, r := range tn.Stats().Reports {
			if st, ok := r.Value.(connect.HTTPSinkStats); ok {
				return st, true
			}
		}
		return connect.HTTPSinkStats{}, false
	}
	var limits []int     // the adaptive limit every adaptiveSample
	var samples []uint64 // acknowledged events every adaptiveSample
	tick := time.NewTicker(adaptiveSample)
	halved, settledPhase := false, false
	for range tick.C {
		samples = append(samples, acked())
		if st, ok := sinkStats(); ok {
			limits = append(limits, st.Dispatch.Limit)
		}
		el := time.Since(start)
		if !halved && el >= adaptiveBefore {
			srv.set(adaptiveWorkers/2, 1)
			halved = true
		}
		if !settledPhase && el >= adaptiveBefore+5*time.Second {
			srv.set(adaptiveWorkers/2, 2)
			settledPhase = true
		}
		if el >= adaptiveBefore+adaptiveAfter {
			break
		}
	}
	tick.Stop()
	final, _ := sinkStats()
	if cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, "bench dispatch: adaptive limit every %v: %v\n", adaptiveSample, limits)
	}
	tn.Stop()
	select {
	case <-tn.Done():
	case <-time.After(10 * time.Second):
	}
	// The capacity after the halving, from the measured service times.
	svc := time.Duration(srv.svcSum.Load() / max(srv.svcCount.Load(), 1))
	newCap := float64(adaptiveWorkers/2) / svc.Seconds()
	perSec := func(i int) float64 { // delivered rate over the second ending at sample i
		w := int(time.Second / adaptiveSample)
		return float64(samples[i]-samples[i-w]) / time.Second.Seconds()
	}
	halfAt := int(adaptiveBefore / adaptiveSample)
	w := int(time.Second / adaptiveSample)
	after := len(samples) - 1
	meanFrom := func(i int) float64 { // delivered rate from sample i to the end
		return float64(samples[after]-samples[i]) / (float64(after-i) * adaptiveSample.Seconds())
	}
	// Settled: the first time after the halving at which the last second
	// delivered at least 90% of the new capacity, and so did the rest of
	// the run on average.
	settle := -1.0
	for i := halfAt + w; i < after; i++ {
		if perSec(i) >= 0.9*newCap && meanFrom(i) >= 0.9*newCap {
			settle = float64(i-halfAt) * adaptiveSample.Seconds()
			break
		}
	}
	last := meanFrom(halfAt + int(5*time.Second/adaptiveSample))
	base := srv.lat[0].ValueAtQuantile(99)
	late := srv.lat[2].ValueAtQuantile(99)
	r := Result{Bench: "dispatch", Case: "consumer=http,capacity=halved", Variant: "adaptive", EventsPerSec: last,
		P99Ns: late,
		Extra: map[string]any{
			"new_capacity":        newCap,
			"rate_after_5s":       last,
			"share_after_5s":      last / newCap,
			"settle_s":            settle,
			"p99_before_ms":       float64(base) / 1e6,
			"p99_after_5s_ms":     float64(late) / 1e6,
			"p99_ratio":           float64(late) / float64(max(base, 1)),
			"429_after_halving":   float64(srv.refused[1].Load() + srv.refused[2].Load()),
			"rate_before_halving": perSec(halfAt),
			"requests":            float64(srv.served.Load()),
			"limit_final":         float64(final.Dispatch.Limit),
			"decreases":           float64(final.Dispatch.Decreases),
			"retries":             float64(final.Retries),
		}}
	if r.EventsPerSec > 0 {
		r.NsPerEvent = 1e9 / r.EventsPerSec
	}
	return r, nil
}
