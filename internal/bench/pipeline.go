package bench

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/spec"
	"github.com/greenwave/greenwave/internal/wait"
)

func init() {
	register(&Scenario{
		Name: "pipeline",
		Doc: "generate -> filter -> key_by -> keyed count -> blackhole, run by the engine at parallelism 1 (greenwave: the chain " +
			"fused into one actor) and at parallelism 2 over two workers (greenwave/parallel), as goroutine-per-operator " +
			"with channels running the same components (goroutines) or with each stage's work written inline (goroutines-inline), " +
			"and as one hand-written loop (handloop); latency at fixed rates per wait strategy; idle CPU per strategy",
		Run: runPipeline,
	})
}

// The work every variant does per event: keep events whose value is not a
// multiple of 4, key them by `key` (1000 keys), count per key and emit the
// updated count to a sink that counts what it gets.
const (
	pipelineKeys   = 1000
	pipelineFilter = 4
)

func pipelineYAML(count int64, rate float64, parallelism int) string {
	return fmt.Sprintf(`tenant: bench
sources:
  gen:
    type: generate
    profile: sequence
    keys: %d
    count: %d
    rate: %s
    seed: 7
    parallelism: %d
transforms:
  keep:
    type: filter
    inputs: [gen]
    condition: 'value %% %d != 0'
  keyed:
    type: key_by
    inputs: [keep]
    key: [key]
  counts:
    type: count
    inputs: [keyed]
    key: [key]
    parallelism: %d
    emit: update
sinks:
  sink:
    type: blackhole
    inputs: [counts]
`, pipelineKeys, count, strconv.FormatFloat(rate, 'f', -1, 64), parallelism, pipelineFilter, parallelism)
}

func runPipeline(cfg Config) ([]Result, error) {
	var out []Result
	workers := cfg.Cores
	if workers <= 0 {
		workers = 2
	}
	// Throughput: the same number of events for every variant, sized from
	// a short calibration of the engine so each variant runs about
	// cfg.Duration.
	n := cfg.Events
	if n <= 0 {
		// Enough events that setting up the engine (compiling, allocating
		// rings) is a small part of its run.
		n = 20_000_000
		if cfg.Duration > 0 {
			n = int64(cfg.Duration.Seconds() * 20_000_000)
			if n < 200_000 {
				n = 200_000
			}
		}
	}
	runs := map[string]func(n int64) (int64, error){
		"greenwave":          func(n int64) (int64, error) { return runEngineThroughput(n, workers, 1, cfg.Spin) },
		"greenwave/parallel": func(n int64) (int64, error) { return runEngineThroughput(n, workers, workers, cfg.Spin) },
		"goroutines":         runGoroutineOperators,
		"goroutines-inline":  func(n int64) (int64, error) { return runGoroutinePipeline(n), nil },
		"handloop":           func(n int64) (int64, error) { return runHandLoop(n), nil },
	}
	// The hand loop runs just before and just after the engine, and counts
	// as the mean of the two, so that the engine's share of it is taken
	// from the same few seconds of a shared machine whose speed drifts.
	measured := map[string]Result{}
	for _, name := range []string{"handloop", "greenwave", "greenwave/parallel", "handloop", "goroutines-inline", "goroutines"} {
		if !cfg.Want("throughput", name) {
			continue
		}
		var sunk int64
		var err error
		eps, ns, allocs := Measure(n, func() { sunk, err = runs[name](n) })
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		// About 3 in 4 values pass the filter in every variant.
		if sunk < n*7/10 || sunk > n*8/10 {
			return nil, fmt.Errorf("%s: sink got %d of %d events, want about 3/4", name, sunk, n)
		}
		r := Result{Bench: "pipeline", Case: "throughput", Variant: name, EventsPerSec: eps, NsPerEvent: ns, AllocsPerEvent: allocs}
		if prev, ok := measured[name]; ok {
			// The same events twice: the rate over both runs.
			r.NsPerEvent = (prev.NsPerEvent + ns) / 2
			r.EventsPerSec = 1e9 / r.NsPerEvent
			r.AllocsPerEvent = (prev.AllocsPerEvent + allocs) / 2
		}
		measured[name] = r
	}
	for _, v := range []string{"greenwave", "greenwave/parallel"} {
		gw, ok := measured[v]
		if !ok {
			continue
		}
		// Ratios within this run; the harness reports their medians.
		gw.Extra = map[string]any{}
		if h, ok := measured["handloop"]; ok {
			gw.Extra["share_of_handloop"] = gw.EventsPerSec / h.EventsPerSec
		}
		for _, b := range []string{"goroutines", "goroutines-inline"} {
			if r, ok := measured[b]; ok {
				gw.Extra["speedup_vs_"+strings.ReplaceAll(b, "-", "_")] = gw.EventsPerSec / r.EventsPerSec
			}
		}
		measured[v] = gw
	}
	for _, name := range []string{"greenwave", "greenwave/parallel", "goroutines", "goroutines-inline", "handloop"} {
		if r, ok := measured[name]; ok {
			out = append(out, r)
		}
	}

	// Latency from event creation to the sink at fixed rates, per wait
	// strategy.
	var strategies []string
	for _, s := range wait.Strategies() {
		strategies = append(strategies, s.String())
	}
	for _, rate := range []float64{10_000, 100_000, 1_000_000} {
		caseName := fmt.Sprintf("rate=%d", int64(rate))
		for _, s := range strategies {
			if !cfg.Want(caseName, "greenwave/"+s) {
				continue
			}
			d := cfg.Duration
			if d <= 0 {
				d = time.Second
			}
			count := int64(rate * d.Seconds())
			r, err := runEngineLatency(count, rate, workers, s, cfg.Spin)
			if err != nil {
				return nil, fmt.Errorf("latency %s %s: %w", caseName, s, err)
			}
			r.Case, r.Variant = caseName, "greenwave/"+s
			out = append(out, r)
		}
	}

	// CPU used by an engine whose only tenant has nothing to do.
	for _, s := range strategies {
		if !cfg.Want("idle", "greenwave/"+s) {
			continue
		}
		d := cfg.Duration
		if d <= 0 {
			d = time.Second
		}
		pct, err := idleCPU(workers, s, cfg.Spin, d)
		if err != nil {
			return nil, err
		}
		out = append(out, Result{Bench: "pipeline", Case: "idle", Variant: "greenwave/" + s,
			Extra: map[string]any{"cpu_percent_of_one_core": pct}})
	}
	return out, nil
}

func startBench(yaml string, workers int, strategy string, spin time.Duration) (*engine.Engine, *engine.Tenant, error) {
	cat := builtin.Catalog()
	p, err := spec.Parse("bench.yaml", []byte(yaml), cat)
	if err != nil {
		return nil, nil, err
	}
	e, err := engine.New(engine.Config{Workers: workers, Wait: strategy, SpinFor: spin})
	if err != nil {
		return nil, nil, err
	}
	pl, err := e.Compile(p)
	if err != nil {
		return nil, nil, err
	}
	t, err := e.Run(pl)
	if err != nil {
		return nil, nil, err
	}
	e.Start()
	return e, t, nil
}

// runEngineThroughput runs n events through the pipeline file at the
// given parallelism on an engine of workers workers. At parallelism 1 the
// planner fuses the whole chain into one actor (one worker, no ring); at
// parallelism 2 the source and the count run two instances each, joined
// by partitioned rings across the workers.
func runEngineThroughput(n int64, workers, parallelism int, spin time.Duration) (int64, error) {
	e, t, err := startBench(pipelineYAML(n, 0, parallelism), workers, "spin_then_park", spin)
	if err != nil {
		return 0, err
	}
	defer e.Close()
	if err := t.Wait(); err != nil {
		return 0, err
	}
	return int64(t.Stats().Out), nil
}

func runEngineLatency(count int64, rate float64, workers int, strategy string, spin time.Duration) (Result, error) {
	e, t, err := startBench(pipelineYAML(count, rate, workers), workers, strategy, spin)
	if err != nil {
		return Result{}, err
	}
	defer e.Close()
	start := time.Now()
	if err := t.Wait(); err != nil {
		return Result{}, err
	}
	el := time.Since(start)
	h := t.Latency()
	return Result{Bench: "pipeline",
		EventsPerSec: float64(count) / el.Seconds(), NsPerEvent: float64(el.Nanoseconds()) / float64(count),
		P50Ns: h.ValueAtQuantile(50), P99Ns: h.ValueAtQuantile(99), MaxNs: h.Max()}, nil
}

func idleCPU(workers int, strategy string, spin time.Duration, d time.Duration) (float64, error) {
	// A tenant whose source emits one event per 10 s: the engine is
	// running, with a live source, and has nothing to do.
	e, t, err := startBench(pipelineYAML(0, 0.1, workers), workers, strategy, spin)
	if err != nil {
		return 0, err
	}
	defer e.Close()
	time.Sleep(100 * time.Millisecond)
	before := cpuTime()
	start := time.Now()
	time.Sleep(d)
	used := cpuTime() - before
	wall := time.Since(start)
	t.Stop()
	if err := t.Wait(); err != nil {
		return 0, err
	}
	return 100 * used.Seconds() / wall.Seconds(), nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
