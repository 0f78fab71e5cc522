package bench

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/nexmark/queries"
	"github.com/greenwave/greenwave/internal/spec"
)

func init() {
	register(&Scenario{
		Name: "nexmark",
		Doc: "the Nexmark queries of examples/nexmark (--query qN, default all) run by the engine on --cores workers, " +
			"the generator in the process, --events events (default 10M) as fast as possible into a blackhole; " +
			"events/s, events/s per core and peak RSS; variant generator runs the same source alone, the streams " +
			"the query reads into blackholes, so that each query's cost beyond generating shows",
		Run: runNexmark,
	})
}

// nexmarkDefaultEvents is the event count of a nexmark run without
// --events: long enough that start-up and the last windows' firing are
// noise.
const nexmarkDefaultEvents = 10_000_000

func runNexmark(cfg Config) ([]Result, error) {
	qs := queries.All()
	if cfg.Query != "" {
		q, err := queries.Lookup(cfg.Query)
		if err != nil {
			return nil, err
		}
		qs = []*queries.Query{q}
	}
	cores := cfg.Cores
	if cores <= 0 {
		cores = runtime.GOMAXPROCS(0)
	}
	n := cfg.Events
	if n <= 0 {
		n = nexmarkDefaultEvents
	}
	var out []Result
	for _, q := range qs {
		for _, variant := range []string{"greenwave", "generator"} {
			if !cfg.Want(q.Name, variant) {
				continue
			}
			if cfg.Progress != nil {
				fmt.Fprintf(cfg.Progress, "bench nexmark: %s (%s), %d events on %d cores\n", q.Name, variant, n, cores)
			}
			r, err := runNexmarkQuery(q, variant, cores, n)
			if err != nil {
				return nil, fmt.Errorf("query %s (%s): %w", q.Name, variant, err)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// runNexmarkQuery runs q (variant greenwave) or its generator alone
// (variant generator) once for n events on cores workers, with one
// instance per worker for every keyed operator, and measures it from the
// engine's start to the tenant's end (parsing and compiling are left out).
func runNexmarkQuery(q *queries.Query, variant string, cores int, n int64) (Result, error) {
	opts := queries.Options{Count: n, Parallelism: cores, Sink: queries.SinkBlackhole}
	text, err := q.Render(opts)
	if variant == "generator" {
		text, err = q.RenderGenerator(opts)
	}
	if err != nil {
		return Result{}, err
	}
	p, err := spec.Parse(q.Name+".yaml", []byte(text), builtin.Catalog())
	if err != nil {
		return Result{}, err
	}
	e, err := engine.New(engine.Config{Workers: cores})
	if err != nil {
		return Result{}, err
	}
	defer e.Close()
	pl, err := e.Compile(p)
	if err != nil {
		return Result{}, err
	}
	t, err := e.Run(pl)
	if err != nil {
		return Result{}, err
	}

	// Start from a small heap, so the sampled peak is this run's.
	debug.FreeOSMemory()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	sampler := startRSSSampler(20 * time.Millisecond)
	start := time.Now()
	e.Start()
	err = t.Wait()
	el := time.Since(start)
	runPeak := sampler.stop()
	runtime.ReadMemStats(&after)
	if err != nil {
		return Result{}, err
	}
	st := t.Stats()
	if st.In != uint64(n) || st.Dropped != 0 {
		return Result{}, fmt.Errorf("BUG: %d of %d events generated, %d dropped on a blocking pipeline", st.In, n, st.Dropped)
	}
	var late uint64
	for side, k := range st.SideOutputs {
		if strings.HasSuffix(side, ".late") {
			late += k
		}
	}
	eps := float64(n) / el.Seconds()
	// Per core: per worker that can run at once.
	usable := min(cores, runtime.GOMAXPROCS(0))
	extra := map[string]any{
		"query":                   q.Name,
		"complete":                q.Complete,
		"cores":                   cores,
		"events":                  n,
		"events_per_sec_per_core": eps / float64(usable),
		"rows_out":                float64(st.Out),
		"late_events":             float64(late),
		"peak_rss_bytes":          float64(maxRSS()),
	}
	if runPeak > 0 {
		extra["run_peak_rss_bytes"] = float64(runPeak)
	}
	return Result{Bench: "nexmark", Case: q.Name, Variant: variant,
		EventsPerSec: eps, NsPerEvent: float64(el.Nanoseconds()) / float64(n),
		AllocsPerEvent: float64(after.Mallocs-before.Mallocs) / float64(n), Extra: extra}, nil
}

// maxRSS returns the process's peak resident set size in bytes
// (getrusage's ru_maxrss): a high-water mark over the process's life, so
// in a run of several queries it covers the earlier ones too.
func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Maxrss) * 1024 // kilobytes on Linux
}

// rssSampler samples the resident set size from /proc/self/statm while a
// query runs, so that each query of a run gets its own peak. Where /proc
// is missing it reports 0.
type rssSampler struct {
	done chan struct{}
	wg   sync.WaitGroup
	peak int64 // written by the sampling goroutine, read after wg.Wait
}

func startRSSSampler(every time.Duration) *rssSampler {
	s := &rssSampler{done: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			s.peak = max(s.peak, currentRSS())
			select {
			case <-s.done:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// stop ends the sampling and returns the peak seen.
func (s *rssSampler) stop() int64 {
	close(s.done)
	s.wg.Wait()
	return s.peak
}

// currentRSS returns the resident set size in bytes, or 0 when
// /proc/self/statm cannot be read.
func currentRSS() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, resident int64
	if _, err := fmt.Sscan(string(b), &size, &resident); err != nil {
		return 0
	}
	return resident * int64(os.Getpagesize())
}
