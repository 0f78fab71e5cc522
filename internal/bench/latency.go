package bench

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"time"

	"github.com/greenwave/greenwave/internal/wait"
)

func init() {
	register(&Scenario{
		Name: "latency",
		Doc: "request/reply over HTTP (http source -> filter -> map -> reply, one event per request) at fixed rates, " +
			"per wait strategy (greenwave/<strategy>), beside a plain net/http server doing the same decoding and work " +
			"in its handler (nethttp) and, when its binary is built, Benthos's http_server with sync_response (benthos); " +
			"open-loop load from `greenwave loadgen` in a child process, latency corrected for coordinated omission; " +
			"case batch=1000: POSTs of 1000 events at 1100 requests/s, ingest mode, events per CPU-second",
		Run: runLatency,
	})
}

// latencyRates are the request rates of the latency cases.
var latencyRates = []float64{1000, 2000, 5000, 10000, 20000}

// The batch case: requests of batchEvents events at batchRate requests/s
// (1.1M events/s offered).
const (
	batchEvents = 1000
	batchRate   = 1100
)

func latencyYAML(addr, mode string) string {
	sink := "{type: reply, inputs: [shaped]}"
	if mode == "ingest" {
		sink = "{type: blackhole, inputs: [shaped]}"
	}
	return fmt.Sprintf(`tenant: latency
sources:
  in: {type: http, address: %q, path: /events, mode: %s, reply_timeout: 5s, schema: {user: string, n: int, ts: time}}
transforms:
  keep: {type: filter, inputs: [in], condition: 'n >= 0'}
  shaped: {type: map, inputs: [keep], fields: {double: 'n * 2', user: 'upper(user)'}}
sinks:
  out: %s
`, addr, mode, sink)
}

// server is one variant's server, running for a case.
type server struct {
	addr  string
	cpu   func() (time.Duration, error)
	stop  func()
	inner bool // runs in this process (allocations are measurable)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func selfCPU() (time.Duration, error) { return cpuTime(), nil }

func startGreenwave(strategy, mode string, cfg Config) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	e, t, err := startBench(latencyYAML(addr, mode), cfg.Cores, strategy, cfg.Spin)
	if err != nil {
		return nil, err
	}
	return &server{addr: addr, cpu: selfCPU, inner: true, stop: func() {
		t.Stop()
		_ = e.Stop(10 * time.Second)
		e.Close()
	}}, nil
}

func startBaseline() (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s, err := startNetHTTP(addr)
	if err != nil {
		return nil, err
	}
	return &server{addr: addr, cpu: selfCPU, inner: true, stop: s.close}, nil
}

func startBenthos(bin, mode string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	if mode == "request_reply" {
		mode = "reply"
	}
	p, err := startPeer(bin, addr, mode)
	if err != nil {
		return nil, err
	}
	return &server{addr: addr, cpu: p.cpu, stop: p.stop}, nil
}

// latencyVariant is one server design of the scenario.
type latencyVariant struct {
	name  string
	start func(mode string) (*server, error)
}

func latencyVariants(cfg Config) []latencyVariant {
	var vs []latencyVariant
	for _, s := range wait.Strategies() {
		name := s.String()
		vs = append(vs, latencyVariant{"greenwave/" + name, func(mode string) (*server, error) { return startGreenwave(name, mode, cfg) }})
	}
	vs = append(vs, latencyVariant{"nethttp", func(string) (*server, error) { return startBaseline() }})
	if cfg.Peer != "" {
		if _, err := os.Stat(cfg.Peer); err == nil {
			bin := cfg.Peer
			vs = append(vs, latencyVariant{"benthos", func(mode string) (*server, error) { return startBenthos(bin, mode) }})
		}
	}
	return vs
}

func runLatency(cfg Config) ([]Result, error) {
	self := cfg.Exe
	if self == "" {
		var err error
		if self, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("cannot find the greenwave binary for the load generator: %w", err)
		}
	}
	d := cfg.Duration
	if d <= 0 {
		d = 5 * time.Second
	}
	variants := latencyVariants(cfg)
	if cfg.Peer != "" && len(variants) == len(wait.Strategies())+1 && cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, "bench latency: no peer binary at %s: no benthos rows (see BENCHMARKS.md)\n", cfg.Peer)
	}
	var out []Result
	for _, rate := range latencyRates {
		caseName := fmt.Sprintf("rate=%d", int64(rate))
		for _, v := range variants {
			if !cfg.Want(caseName, v.name) {
				continue
			}
			r, err := measureLatency(cfg, self, v, "request_reply", rate, 1, d)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", caseName, v.name, err)
			}
			r.Case = caseName
			out = append(out, r)
		}
	}
	// Throughput: the engine's default strategy (whatever it is), the
	// baseline and the peer.
	caseName := fmt.Sprintf("batch=%d", batchEvents)
	batch := []latencyVariant{{"greenwave/default", func(mode string) (*server, error) { return startGreenwave("", mode, cfg) }}}
	for _, v := range variants {
		if v.name == "nethttp" || v.name == "benthos" {
			batch = append(batch, v)
		}
	}
	for _, v := range batch {
		if !cfg.Want(caseName, v.name) {
			continue
		}
		r, err := measureLatency(cfg, self, v, "ingest", batchRate, batchEvents, d)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", caseName, v.name, err)
		}
		r.Case = caseName
		out = append(out, r)
	}
	return out, nil
}

// measureLatency starts the variant's server, warms it up, and measures
// one open-loop run: latency, achieved rate, and the server's CPU time.
func measureLatency(cfg Config, self string, v latencyVariant, mode string, rate float64, events int, d time.Duration) (Result, error) {
	srv, err := v.start(mode)
	if err != nil {
		return Result{}, err
	}
	defer srv.stop()
	target := "http://" + srv.addr + "/events"
	ctype := "application/json"
	if events > 1 {
		ctype = "application/x-ndjson"
	}
	ctx := context.Background()
	if _, err := loadRunner(ctx, self, target, rate, 300*time.Millisecond, events, ctype); err != nil {
		return Result{}, fmt.Errorf("warm-up: %w", err)
	}
	runtime.GC()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0, err := srv.cpu()
	if err != nil {
		return Result{}, err
	}
	lr, err := loadRunner(ctx, self, target, rate, d, events, ctype)
	if err != nil {
		return Result{}, err
	}
	cpu1, err := srv.cpu()
	if err != nil {
		return Result{}, err
	}
	runtime.ReadMemStats(&ms1)
	if cfg.Progress != nil && lr.Warning != "" {
		fmt.Fprintf(cfg.Progress, "bench latency: %s at %g/s: %s\n", v.name, rate, lr.Warning)
	}
	// The load generator's connections open before its schedule starts:
	// count the whole child's life against the requests it completed.
	reqs := float64(max(lr.Requests, 1))
	cpu := (cpu1 - cpu0).Nanoseconds()
	r := Result{Bench: "latency", Variant: v.name,
		EventsPerSec: lr.EventsPerSec, NsPerEvent: float64(cpu) / (reqs * float64(events)),
		P50Ns: lr.P50, P99Ns: lr.P99, MaxNs: lr.Max,
		Extra: map[string]any{
			"achieved_rate":      lr.AchievedRate,
			"p999_ns":            float64(lr.P999),
			"cpu_per_request_ns": float64(cpu) / reqs,
			"uncorrected_p50_ns": float64(lr.UncorrectedP50),
			"uncorrected_p99_ns": float64(lr.UncorrectedP99),
			"errors":             float64(lr.Errors),
			"load_average":       loadAverage(),
		}}
	if events > 1 {
		r.Extra["events_per_cpu_sec"] = lr.EventsPerSec * d.Seconds() / max(time.Duration(cpu).Seconds(), 1e-9)
	}
	if srv.inner {
		r.AllocsPerEvent = float64(ms1.Mallocs-ms0.Mallocs) / (reqs * float64(events))
	}
	return r, nil
}
