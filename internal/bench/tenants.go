package bench

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/spec"
)

func init() {
	register(&Scenario{
		Name: "tenants",
		Doc: "--count small tenants (generate at 10 events/s -> filter -> keyed count -> blackhole) in one process " +
			"on the default workers: time until all run, peak RSS, CPU for the events they make together, p99 from " +
			"event creation to sink",
		Run: runTenants,
	})
}

// tenantRate is each small tenant's rate.
const tenantRate = 10

func tenantYAML(i int) string {
	return fmt.Sprintf(`tenant: t%d
sources:
  gen: {type: generate, profile: sequence, rate: %d, keys: 100, seed: %d}
transforms:
  keep: {type: filter, inputs: [gen], condition: 'value %% 4 != 0'}
  per_key: {type: count, inputs: [keep], key: [key], emit: update}
sinks:
  out: {type: blackhole, inputs: [per_key]}
`, i, tenantRate, i+1)
}

func runTenants(cfg Config) ([]Result, error) {
	n := cfg.Count
	if n <= 0 {
		n = 10000
	}
	caseName := fmt.Sprintf("count=%d", n)
	if !cfg.Want(caseName, "greenwave") {
		return nil, nil
	}
	d := cfg.Duration
	if d <= 0 {
		d = time.Second
	}
	d *= 5 // a steady state long enough to average CPU over
	e, err := engine.New(engine.Config{Workers: cfg.Cores, SpinFor: cfg.Spin})
	if err != nil {
		return nil, err
	}
	defer e.Close()
	cat := builtin.Catalog()
	e.Start()
	begin := time.Now()
	tenants := make([]*engine.Tenant, 0, n)
	for i := range n {
		p, err := spec.Parse(fmt.Sprintf("t%d.yaml", i), []byte(tenantYAML(i)), cat)
		if err != nil {
			return nil, err
		}
		pl, err := e.Compile(p)
		if err != nil {
			return nil, err
		}
		t, err := e.Run(pl)
		if err != nil {
			return nil, err
		}
		tenants = append(tenants, t)
	}
	// Running means every tenant has produced an event.
	for _, t := range tenants {
		for t.In() == 0 {
			if time.Since(begin) > time.Minute {
				return nil, fmt.Errorf("tenant %s made no event within a minute", t.Name)
			}
			time.Sleep(time.Millisecond)
		}
	}
	startup := time.Since(begin)
	// Steady state: CPU and latency over d, once the sources that started
	// first have caught up with what they could not make while the others
	// were being started.
	time.Sleep(3 * time.Second)
	before := latencies(tenants)
	in0 := totalIn(tenants)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	cpu0, t0 := cpuTime(), time.Now()
	time.Sleep(d)
	cpu, el := cpuTime()-cpu0, time.Since(t0)
	runtime.ReadMemStats(&m1)
	events := totalIn(tenants) - in0
	h := since(latencies(tenants), before)
	e.Stop(10 * time.Second)
	rss := peakRSS()
	return []Result{{Bench: "tenants", Case: caseName, Variant: "greenwave",
		EventsPerSec: float64(events) / el.Seconds(), NsPerEvent: float64(cpu.Nanoseconds()) / float64(max(events, 1)),
		AllocsPerEvent: float64(m1.Mallocs-m0.Mallocs) / float64(max(events, 1)),
		P50Ns:          h.ValueAtQuantile(50), P99Ns: h.ValueAtQuantile(99), MaxNs: h.Max(),
		Extra: map[string]any{
			"startup_ms":     startup.Milliseconds(),
			"peak_rss_bytes": rss,
			"cpu_cores":      cpu.Seconds() / el.Seconds(),
			"tenants":        n,
			"workers":        e.Workers(),
			"gomaxprocs":     runtime.GOMAXPROCS(0),
			"gc_cycles":      m1.NumGC - m0.NumGC,
		}}}, nil
}

func totalIn(ts []*engine.Tenant) uint64 {
	var n uint64
	for _, t := range ts {
		n += t.In()
	}
	return n
}

func latencies(ts []*engine.Tenant) *hdrhistogram.Histogram {
	h := ts[0].Latency()
	for _, t := range ts[1:] {
		t.AddLatency(h)
	}
	return h
}

// peakRSS is the process's peak resident set (VmHWM), in bytes; 0 where
// /proc is not available.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
