// Package bench runs greenwave's benchmark scenarios. Every scenario measures
// greenwave's design beside the naive design in the same run, because
// absolute figures drift on shared machines while ratios within one run hold.
package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is one measured (case, variant). Field names are the JSON interface
// scripts rely on.
type Result struct {
	Bench          string  `json:"bench"`
	Case           string  `json:"case,omitempty"`
	Variant        string  `json:"variant"`
	EventsPerSec   float64 `json:"events_per_sec"`
	NsPerEvent     float64 `json:"ns_per_event"`
	AllocsPerEvent float64 `json:"allocs_per_event"`
	P50Ns          int64   `json:"p50_ns,omitempty"`
	P99Ns          int64   `json:"p99_ns,omitempty"`
	MaxNs          int64   `json:"max_ns,omitempty"`
	// Extra holds scenario-specific figures (for example CPU use while
	// idle); they are added to the JSON object as top-level fields.
	Extra map[string]any `json:"-"`
}

// MarshalJSON flattens Extra into the object.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	b, err := json.Marshal(plain(r))
	if err != nil || len(r.Extra) == 0 {
		return b, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range r.Extra {
		m[k] = v
	}
	return json.Marshal(m)
}

// Config is what every scenario gets.
type Config struct {
	Duration time.Duration // measured time per case and variant
	Runs     int           // repetitions; the harness reports medians
	Case     string        // substring filter on case names
	Variant  string        // substring filter on variant names
	Query    string        // nexmark query
	Cores    int           // engine workers (0: GOMAXPROCS)
	Events   int64         // event count where a scenario counts events
	Count    int           // how many of something a scenario starts (tenants)
	Kills    int           // SIGKILLs the recovery scenario deals
	Spin     time.Duration // spin_then_park's spin before parking (0: the engine's default)
	Progress io.Writer     // where to report progress (may be nil)
	// Exe is the greenwave executable, for scenarios that run part of the
	// work in a child process: latency's load generator (empty: this
	// process's executable) and serve's subscribers (empty: in this
	// process).
	Exe string
	// Peer is the peer's binary (latency's benthos variant); its rows are
	// left out when it does not exist.
	Peer string
}

// Want reports whether the (case, variant) pair passes the filters.
func (c Config) Want(caseName, variant string) bool {
	return strings.Contains(caseName, c.Case) && strings.Contains(variant, c.Variant)
}

// Scenario is one benchmark scenario. Run performs one run of every case and
// variant that passes the filters and returns one Result each.
type Scenario struct {
	Name string
	Doc  string
	Run  func(cfg Config) ([]Result, error)
	// Direct, when set, runs the scenario instead of Run and writes its own
	// rows (a scenario whose rows are not medians of figures).
	Direct func(cfg Config, w io.Writer, asJSON bool) error
	// Cleanup, when set, frees what the runs shared (a generated input);
	// Run calls it once after the last run.
	Cleanup func()
}

var scenarios = map[string]*Scenario{}

func register(s *Scenario) { scenarios[s.Name] = s }

// Names lists the scenarios, sorted.
func Names() []string {
	var n []string
	for k := range scenarios {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Run runs a scenario cfg.Runs times and writes the median of each (case,
// variant) to w, as JSON lines or as a table. Every row carries the load
// average at the end of its run and the steal time during it (load_avg_1m,
// steal_percent; medians over the runs). With cfg.Progress set it first
// watches the idle machine for a moment and warns there when others keep
// it busy, and warns after each run that ended on a busy machine.
func Run(name string, cfg Config, w io.Writer, asJSON bool) error {
	s, ok := scenarios[name]
	if !ok {
		return fmt.Errorf("unknown scenario %q (have %s)", name, strings.Join(Names(), ", "))
	}
	if s.Direct != nil {
		return s.Direct(cfg, w, asJSON)
	}
	if cfg.Runs < 1 {
		cfg.Runs = 1
	}
	if s.Cleanup != nil {
		defer s.Cleanup()
	}
	if cfg.Progress != nil {
		if w := checkIdleHost(preflight); w != "" {
			fmt.Fprintf(cfg.Progress, "bench %s: %s\n", name, w)
		}
	}
	var runs [][]Result
	for i := 0; i < cfg.Runs; i++ {
		if cfg.Progress != nil && cfg.Runs > 1 {
			fmt.Fprintf(cfg.Progress, "bench %s: run %d/%d\n", name, i+1, cfg.Runs)
		}
		watch := watchHost()
		rs, err := s.Run(cfg)
		if err != nil {
			return fmt.Errorf("bench %s: %w", name, err)
		}
		host := watch.stop()
		for j := range rs {
			if rs[j].Extra == nil {
				rs[j].Extra = map[string]any{}
			}
			for k, v := range host {
				rs[j].Extra[k] = v
			}
		}
		if cfg.Progress != nil && host != nil {
			if w := runWarning(host["load_avg_1m"].(float64), host["steal_percent"].(float64), runtime.NumCPU()); w != "" {
				fmt.Fprintf(cfg.Progress, "bench %s: run %d: %s\n", name, i+1, w)
			}
		}
		runs = append(runs, rs)
	}
	med := Median(runs)
	if asJSON {
		enc := json.NewEncoder(w)
		for _, r := range med {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	return WriteTable(w, med)
}

// Median combines several runs' results by (case, variant), taking the
// median of each numeric figure. Order follows the first run.
func Median(runs [][]Result) []Result {
	if len(runs) == 0 {
		return nil
	}
	var out []Result
	for _, first := range runs[0] {
		var same []Result
		for _, run := range runs {
			for _, r := range run {
				if r.Case == first.Case && r.Variant == first.Variant {
					same = append(same, r)
				}
			}
		}
		m := first
		m.EventsPerSec = medianF(same, func(r Result) float64 { return r.EventsPerSec })
		m.NsPerEvent = medianF(same, func(r Result) float64 { return r.NsPerEvent })
		m.AllocsPerEvent = medianF(same, func(r Result) float64 { return r.AllocsPerEvent })
		m.P50Ns = int64(medianF(same, func(r Result) float64 { return float64(r.P50Ns) }))
		m.P99Ns = int64(medianF(same, func(r Result) float64 { return float64(r.P99Ns) }))
		m.MaxNs = int64(medianF(same, func(r Result) float64 { return float64(r.MaxNs) }))
		if len(first.Extra) > 0 {
			m.Extra = map[string]any{}
			for k, v := range first.Extra {
				if _, ok := v.(float64); ok {
					m.Extra[k] = medianF(same, func(r Result) float64 { f, _ := r.Extra[k].(float64); return f })
				} else {
					m.Extra[k] = v
				}
			}
		}
		out = append(out, m)
	}
	return out
}

func medianF(rs []Result, f func(Result) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	sort.Float64s(v)
	n := len(v)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// WriteTable prints results for a person.
func WriteTable(w io.Writer, rs []Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "bench\tcase\tvariant\tevents/s\tns/event\tallocs/event\tp50\tp99\tmax\tother\t")
	for _, r := range rs {
		var extra []string
		for k, v := range r.Extra {
			extra = append(extra, fmt.Sprintf("%s=%v", k, fmtExtra(v)))
		}
		sort.Strings(extra)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.2f\t%.3f\t%s\t%s\t%s\t%s\t\n", r.Bench, r.Case, r.Variant,
			human(r.EventsPerSec), r.NsPerEvent, r.AllocsPerEvent, dur(r.P50Ns), dur(r.P99Ns), dur(r.MaxNs), strings.Join(extra, " "))
	}
	return tw.Flush()
}

func fmtExtra(v any) string {
	if f, ok := v.(float64); ok {
		return fmt.Sprintf("%.3g", f)
	}
	return fmt.Sprint(v)
}

func human(f float64) string {
	switch {
	case f >= 1e9:
		return fmt.Sprintf("%.2fG", f/1e9)
	case f >= 1e6:
		return fmt.Sprintf("%.2fM", f/1e6)
	case f >= 1e3:
		return fmt.Sprintf("%.1fK", f/1e3)
	}
	return fmt.Sprintf("%.0f", f)
}

func dur(ns int64) string {
	if ns == 0 {
		return "-"
	}
	return time.Duration(ns).String()
}

// Measure runs fn, which must process n events, and returns its throughput
// and allocations per event. It runs a GC first so earlier garbage does not
// land in the measurement.
func Measure(n int64, fn func()) (eventsPerSec, nsPerEvent, allocsPerEvent float64) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	fn()
	el := time.Since(start)
	runtime.ReadMemStats(&after)
	if n <= 0 {
		return 0, 0, 0
	}
	eventsPerSec = float64(n) / el.Seconds()
	nsPerEvent = float64(el.Nanoseconds()) / float64(n)
	allocsPerEvent = float64(after.Mallocs-before.Mallocs) / float64(n)
	return
}
