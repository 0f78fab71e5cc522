package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/spec"
)

func init() {
	register(&Scenario{
		Name: "isolation",
		Doc: "tenant B (a keyed count at 50k events/s, latency measured at its sink) alone, beside tenant A whose " +
			"file sink writes into a pipe nobody reads (stalled-sink), and beside tenant A running flat out (noisy)",
		Run: runIsolation,
	})
}

// isolationRate is tenant B's fixed rate.
const isolationRate = 50_000

func isolationB() string {
	return fmt.Sprintf(`tenant: b
sources:
  gen: {type: generate, profile: sequence, rate: %d, keys: 1000, seed: 3}
transforms:
  per_key: {type: count, inputs: [gen], key: [key], emit: update}
sinks:
  out: {type: blackhole, inputs: [per_key]}
`, isolationRate)
}

// isolationStalled writes as fast as it can into path, a FIFO whose reader
// never reads: its sink blocks in write(2) once the pipe is full.
func isolationStalled(path string) string {
	return fmt.Sprintf(`tenant: a
sources:
  flood: {type: generate, profile: sequence, rate: 0}
sinks:
  out: {type: file, inputs: [flood], path: %q, flush_every: 0s}
`, path)
}

const isolationNoisy = `tenant: a
sources:
  flood: {type: generate, profile: sequence, rate: 0, keys: 1000}
transforms:
  keep: {type: filter, inputs: [flood], condition: 'value % 4 != 0'}
  per_key: {type: count, inputs: [keep], key: [key], emit: update}
sinks:
  out: {type: blackhole, inputs: [per_key]}
`

func runIsolation(cfg Config) ([]Result, error) {
	d := cfg.Duration
	if d <= 0 {
		d = time.Second
	}
	// Each case runs three times the duration: B's latency tail needs
	// samples, and a shorter run is dominated by start-up.
	d *= 3
	var out []Result
	var alone Result
	for _, c := range []string{"alone", "stalled-sink", "noisy"} {
		if !cfg.Want(c, "greenwave") {
			continue
		}
		r, err := isolationCase(c, d, cfg.Cores, cfg.Spin)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c, err)
		}
		if c == "alone" {
			alone = r
		} else if alone.EventsPerSec > 0 {
			r.Extra["throughput_vs_alone"] = r.EventsPerSec / alone.EventsPerSec
			if alone.P99Ns > 0 {
				r.Extra["p99_vs_alone"] = float64(r.P99Ns) / float64(alone.P99Ns)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func isolationCase(name string, d time.Duration, workers int, spin time.Duration) (Result, error) {
	e, err := engine.New(engine.Config{Workers: workers, SpinFor: spin})
	if err != nil {
		return Result{}, err
	}
	defer e.Close()
	var a *engine.Tenant
	var reader *os.File
	switch name {
	case "stalled-sink":
		dir, err := os.MkdirTemp("", "greenwave-isolation")
		if err != nil {
			return Result{}, err
		}
		defer os.RemoveAll(dir)
		fifo := filepath.Join(dir, "stalled")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			return Result{}, fmt.Errorf("cannot make a pipe: %w", err)
		}
		// A reader that never reads: the sink's writes block once the
		// pipe holds 64 KiB.
		if reader, err = os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err != nil {
			return Result{}, err
		}
		defer reader.Close()
		if a, err = startTenant(e, isolationStalled(fifo)); err != nil {
			return Result{}, err
		}
	case "noisy":
		if a, err = startTenant(e, isolationNoisy); err != nil {
			return Result{}, err
		}
	}
	e.Start()
	if a != nil {
		// Let A reach its steady state: flat out, or stalled with its
		// edge full.
		time.Sleep(200 * time.Millisecond)
	}
	b, err := startTenant(e, isolationB())
	if err != nil {
		return Result{}, err
	}
	// B's first events pay for its start; measure after them.
	time.Sleep(200 * time.Millisecond)
	in0, cpu0, t0 := b.Stats().Out, cpuTime(), time.Now()
	h0 := b.Latency()
	time.Sleep(d)
	el := time.Since(t0)
	cpu := cpuTime() - cpu0
	h := since(b.Latency(), h0)
	out := b.Stats().Out - in0
	aIn := uint64(0)
	if a != nil {
		aIn = a.Stats().In
	}
	b.Stop()
	if a != nil {
		a.Stop()
	}
	if reader != nil {
		reader.Close() // the stalled writer fails and ends
	}
	e.Stop(5 * time.Second)
	if err := b.Err(); err != nil {
		return Result{}, err
	}
	return Result{Bench: "isolation", Case: name, Variant: "greenwave",
		EventsPerSec: float64(out) / el.Seconds(), NsPerEvent: float64(cpu.Nanoseconds()) / float64(max(out, 1)),
		P50Ns: h.ValueAtQuantile(50), P99Ns: h.ValueAtQuantile(99), MaxNs: h.Max(),
		Extra: map[string]any{"target_rate": isolationRate, "tenant_a_events": aIn}}, nil
}

// startTenant parses, compiles and runs one pipeline on e.
func startTenant(e *engine.Engine, yaml string) (*engine.Tenant, error) {
	p, err := spec.Parse("bench.yaml", []byte(yaml), builtin.Catalog())
	if err != nil {
		return nil, err
	}
	pl, err := e.Compile(p)
	if err != nil {
		return nil, err
	}
	return e.Run(pl)
}

// since returns the values recorded in h after the snapshot h0 of the
// same histogram was taken.
func since(h, h0 *hdrhistogram.Histogram) *hdrhistogram.Histogram {
	s, s0 := h.Export(), h0.Export()
	for i := range s.Counts {
		if i < len(s0.Counts) {
			s.Counts[i] -= s0.Counts[i]
		}
	}
	return hdrhistogram.Import(s)
}
