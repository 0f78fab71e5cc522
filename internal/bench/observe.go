package bench

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/greenwave/greenwave/internal/admin"
	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/engine"
)

func init() {
	register(&Scenario{
		Name: "observe",
		Doc: "what watching and changing a running engine costs it: the pipeline benchmark's tenant flat out with and " +
			"without a Prometheus scraper reading /metrics every second over loopback (case scrape; scrape-10k-edges adds " +
			"2,000 idle tenants of five edges each, or --count), and tenant B (a keyed count at 50k events/s, latency at its sink) " +
			"beside tenant C replaced through the admin fleet every 500 ms under load or left running (case replace; C's " +
			"events that entered a version and did not reach its sink are counted as lost). Each variant runs 5x --duration",
		Run: runObserve,
	})
}

// scrapeEvery is how often the scraper reads /metrics, as a Prometheus
// server with a one-second scrape interval would.
const scrapeEvery = time.Second

// replaceEvery is how often the replace case puts a new version of C.
const replaceEvery = 500 * time.Millisecond

func runObserve(cfg Config) ([]Result, error) {
	d := cfg.Duration
	if d <= 0 {
		d = time.Second
	}
	// A scrape a second: the run must hold several of them.
	d *= 5
	workers := cfg.Cores
	if workers <= 0 {
		workers = 2
	}
	idle := cfg.Count
	if idle <= 0 {
		idle = 2000
	}
	var out []Result
	for _, c := range []struct {
		name string
		idle int
	}{{"scrape", 0}, {"scrape-10k-edges", idle}} {
		var none Result
		for _, v := range []string{"none", "scraped"} {
			if !cfg.Want(c.name, v) {
				continue
			}
			r, err := observeScrape(c.name, v, c.idle, d, workers)
			if err != nil {
				return nil, fmt.Errorf("%s/%s: %w", c.name, v, err)
			}
			if v == "none" {
				none = r
			} else if none.EventsPerSec > 0 {
				r.Extra["vs_none"] = r.EventsPerSec / none.EventsPerSec
			}
			out = append(out, r)
		}
	}
	var steady Result
	for _, v := range []string{"steady", "replacing"} {
		if !cfg.Want("replace", v) {
			continue
		}
		r, err := observeReplace(v, d, workers)
		if err != nil {
			return nil, fmt.Errorf("replace/%s: %w", v, err)
		}
		if v == "steady" {
			steady = r
		} else if steady.P99Ns > 0 {
			r.Extra["p99_vs_steady"] = float64(r.P99Ns) / float64(steady.P99Ns)
			r.Extra["throughput_vs_steady"] = r.EventsPerSec / steady.EventsPerSec
		}
		out = append(out, r)
	}
	return out, nil
}

// IdleTenant is the pipeline of an idle tenant with five edges and four
// actors, whose figures the scrape timings multiply: a source at one event
// a second read by two keyed counts and by the sink, each count followed
// by another, fused behind it, and the sink reading the last counts too.
// (Four counts in a row would fuse into the source's actor and leave no
// edge: the source's several consumers keep the edges.)
func IdleTenant(id string) string {
	return fmt.Sprintf(`tenant: %s
sources:
  gen: {type: generate, profile: sequence, rate: 1, keys: 10}
transforms:
  a: {type: count, inputs: [gen], key: [key], emit: update}
  b: {type: count, inputs: [a], key: [key], emit: update}
  c: {type: count, inputs: [gen], key: [key], emit: update}
  d: {type: count, inputs: [c], key: [key], emit: update}
sinks:
  out: {type: blackhole, inputs: [gen, b, d]}
`, id)
}

// observeFleet starts an engine with an admin fleet of idle tenants (five
// edges each, as the scrape timing tests use).
func observeFleet(workers, idle int) (*engine.Engine, *admin.Fleet, func(), error) {
	e, err := engine.New(engine.Config{Workers: workers})
	if err != nil {
		return nil, nil, nil, err
	}
	dir, err := os.MkdirTemp("", "greenwave-observe")
	if err != nil {
		e.Close()
		return nil, nil, nil, err
	}
	stop := func() { e.Stop(30 * time.Second); e.Close(); os.RemoveAll(dir) }
	f := admin.NewFleet(e, builtin.Catalog(), dir)
	for i := range idle {
		id := fmt.Sprintf("idle%d", i)
		if _, err := f.Apply(id, []byte(IdleTenant(id))); err != nil {
			stop()
			return nil, nil, nil, err
		}
	}
	return e, f, stop, nil
}

// observeScrape runs the pipeline benchmark's tenant flat out for d, with
// a scraper (variant scraped) or without (none), and reports its rate.
func observeScrape(name, variant string, idle int, d time.Duration, workers int) (Result, error) {
	_, f, stop, err := observeFleet(workers, idle)
	if err != nil {
		return Result{}, err
	}
	defer stop()
	if _, err := f.Apply("bench", []byte(pipelineYAML(0, 0, workers))); err != nil {
		return Result{}, err
	}
	t := mustTenant(f, "bench")
	srv, err := admin.New(admin.Config{Addr: "127.0.0.1:0"}, f)
	if err != nil {
		return Result{}, err
	}
	if err := srv.Start(); err != nil {
		return Result{}, err
	}
	defer srv.Close()
	// Let the tenant reach its pace, and the idle ones settle.
	time.Sleep(500 * time.Millisecond)
	var scrapes []time.Duration
	var bytes int64
	out0, cpu0, t0 := t.Stats().Out, cpuTime(), time.Now()
	if variant == "scraped" {
		client := &http.Client{Timeout: 10 * time.Second}
		url := "http://" + srv.Addr() + "/metrics"
		for next := t0; ; {
			next = next.Add(scrapeEvery)
			if time.Until(next) > 0 {
				time.Sleep(time.Until(next))
			}
			if time.Since(t0) >= d {
				break
			}
			s := time.Now()
			n, err := scrape(client, url)
			if err != nil {
				return Result{}, err
			}
			scrapes = append(scrapes, time.Since(s))
			bytes = n
		}
	} else {
		time.Sleep(d)
	}
	el := time.Since(t0)
	cpu := cpuTime() - cpu0
	n := t.Stats().Out - out0
	r := Result{Bench: "observe", Case: name, Variant: variant,
		EventsPerSec: float64(n) / el.Seconds(), NsPerEvent: float64(cpu.Nanoseconds()) / float64(max(n, 1)),
		Extra: map[string]any{"tenants": float64(idle + 1), "edges": float64(5*idle + 4)}}
	if len(scrapes) > 0 {
		slices.Sort(scrapes)
		r.Extra["scrapes"] = float64(len(scrapes))
		r.Extra["scrape_ms_p50"] = float64(scrapes[len(scrapes)/2].Microseconds()) / 1000
		r.Extra["scrape_ms_max"] = float64(scrapes[len(scrapes)-1].Microseconds()) / 1000
		r.Extra["scrape_bytes"] = float64(bytes)
	}
	return r, nil
}

// scrape reads url to the end and returns the body's size.
func scrape(c *http.Client, url string) (int64, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, fmt.Errorf("scrape: %w", err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return n, fmt.Errorf("scrape: reading the body: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return n, fmt.Errorf("scrape: status %d", resp.StatusCode)
	}
	return n, nil
}

func mustTenant(f *admin.Fleet, id string) *engine.Tenant {
	e, ok := f.Get(id)
	if !ok {
		panic("BUG: bench: tenant " + id + " not in the fleet after Apply")
	}
	return e.Tenant
}

// replaceC is tenant C's pipeline, version v: a keyed count that emits
// every update, so each event in is one event out.
func replaceC(v int) string {
	return fmt.Sprintf(`tenant: c
sources:
  gen: {type: generate, profile: sequence, rate: %d, keys: 1000, seed: %d}
transforms:
  per_key: {type: count, inputs: [gen], key: [key], emit: update}
sinks:
  out: {type: blackhole, inputs: [per_key]}
`, isolationRate, v+1)
}

// observeReplace runs tenant B beside tenant C for d; with variant
// replacing, C is replaced every replaceEvery. It reports B's rate and
// latency, and C's versions, lost events and slowest replace.
func observeReplace(variant string, d time.Duration, workers int) (Result, error) {
	_, f, stop, err := observeFleet(workers, 0)
	if err != nil {
		return Result{}, err
	}
	defer stop()
	if _, err := f.Apply("c", []byte(replaceC(0))); err != nil {
		return Result{}, err
	}
	if _, err := f.Apply("b", []byte(isolationB())); err != nil {
		return Result{}, err
	}
	b := mustTenant(f, "b")
	// B's first events pay for its start; measure after them.
	time.Sleep(300 * time.Millisecond)
	versions := []*engine.Tenant{mustTenant(f, "c")}
	var slowest time.Duration
	out0, cpu0, t0 := b.Stats().Out, cpuTime(), time.Now()
	h0 := b.Latency()
	if variant == "replacing" {
		for v := 1; time.Since(t0) < d; v++ {
			time.Sleep(replaceEvery)
			s := time.Now()
			if _, err := f.Apply("c", []byte(replaceC(v))); err != nil {
				return Result{}, fmt.Errorf("replacing c with version %d: %w", v, err)
			}
			slowest = max(slowest, time.Since(s))
			versions = append(versions, mustTenant(f, "c"))
		}
	} else {
		time.Sleep(d)
	}
	el := time.Since(t0)
	cpu := cpuTime() - cpu0
	h := since(b.Latency(), h0)
	n := b.Stats().Out - out0
	if _, err := f.Remove("c"); err != nil {
		return Result{}, err
	}
	// Every version of C has drained: what entered it and did not reach
	// its sink was lost.
	var in, reached uint64
	for _, t := range versions {
		s := t.Stats()
		if s.Err != nil {
			return Result{}, fmt.Errorf("tenant c version %d: %w", t.Version(), s.Err)
		}
		in += s.In
		reached += s.Out
	}
	if err := b.Err(); err != nil {
		return Result{}, err
	}
	return Result{Bench: "observe", Case: "replace", Variant: variant,
		EventsPerSec: float64(n) / el.Seconds(), NsPerEvent: float64(cpu.Nanoseconds()) / float64(max(n, 1)),
		P50Ns: h.ValueAtQuantile(50), P99Ns: h.ValueAtQuantile(99), MaxNs: h.Max(),
		Extra: map[string]any{"target_rate": float64(isolationRate), "c_versions": float64(len(versions)),
			"c_events": float64(in), "c_lost": float64(in - reached), "replace_ms_max": float64(slowest.Microseconds()) / 1000}}, nil
}
