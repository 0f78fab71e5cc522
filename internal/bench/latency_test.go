package bench

import (
	"context"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/loadgen"
	"github.com/greenwave/greenwave/internal/wait"
)

// TestLatencyScenarioSmoke runs the latency scenario's case at 1000
// requests/s briefly, with the load generated in this process: one row
// per wait strategy and the baseline, each with the documented fields, an
// achieved rate no higher than the offered one, and percentiles in order.
func TestLatencyScenarioSmoke(t *testing.T) {
	loadRunner = func(ctx context.Context, _ string, target string, rate float64, d time.Duration, events int, ctype string) (*loadgen.Result, error) {
		return loadgen.Run(ctx, loadgen.Config{Target: target, Rate: rate, Duration: d, Events: events, ContentType: ctype,
			Connections: 16, Template: `{"user":"{user}","n":{i},"ts":1767225600000}`})
	}
	rates := latencyRates
	latencyRates = []float64{1000}
	defer func() { loadRunner, latencyRates = runLoad, rates }()
	rs, err := runLatency(Config{Duration: 500 * time.Millisecond, Case: "rate=", Cores: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"nethttp": false}
	for _, s := range wait.Strategies() {
		want["greenwave/"+s.String()] = false
	}
	for _, r := range rs {
		if r.Case != "rate=1000" {
			t.Fatalf("unexpected case %q", r.Case)
		}
		if _, ok := want[r.Variant]; !ok {
			t.Fatalf("unexpected variant %q", r.Variant)
		}
		want[r.Variant] = true
		ach := r.Extra["achieved_rate"].(float64)
		if r.Bench != "latency" || ach <= 0 || ach > 1010 || r.P50Ns <= 0 || r.P50Ns > r.P99Ns || r.P99Ns > r.MaxNs ||
			r.Extra["p999_ns"].(float64) < float64(r.P99Ns) || r.Extra["cpu_per_request_ns"].(float64) <= 0 ||
			r.Extra["errors"].(float64) != 0 {
			t.Errorf("%s: %+v", r.Variant, r)
		}
	}
	for v, seen := range want {
		if !seen {
			t.Errorf("no row for %s", v)
		}
	}
}
