package bench

import "testing"

// BenchmarkEnginePipeline runs the engine variant of the pipeline scenario;
// use it with -cpuprofile to see where an event's time goes.
func BenchmarkEnginePipeline(b *testing.B) {
	b.ReportAllocs()
	n := int64(b.N)
	if n < 100_000 {
		n = 100_000
	}
	got, err := runEngineThroughput(n, 2, 2, 0)
	if err != nil {
		b.Fatal(err)
	}
	if got == 0 {
		b.Fatal("no events reached the sink")
	}
}

// TestPipelineScenarioRuns runs every variant of the pipeline scenario once,
// briefly, and checks that each produced figures.
func TestPipelineScenarioRuns(t *testing.T) {
	rs, err := runPipeline(Config{Events: 200_000, Duration: 50e6, Variant: "", Case: ""})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range rs {
		seen[r.Case+"/"+r.Variant] = true
		if r.Case == "throughput" && (r.Variant == "greenwave" || r.Variant == "greenwave/parallel") {
			for _, k := range []string{"share_of_handloop", "speedup_vs_goroutines", "speedup_vs_goroutines_inline"} {
				if f, ok := r.Extra[k].(float64); !ok || f <= 0 {
					t.Errorf("%s throughput: %s = %v", r.Variant, k, r.Extra[k])
				}
			}
		}
		if r.Case != "idle" && r.EventsPerSec <= 0 {
			t.Errorf("%s/%s: no throughput", r.Case, r.Variant)
		}
	}
	for _, want := range []string{"throughput/greenwave", "throughput/greenwave/parallel", "throughput/goroutines", "throughput/goroutines-inline", "throughput/handloop",
		"rate=10000/greenwave/park", "rate=1000000/greenwave/busy_spin", "idle/greenwave/park"} {
		if !seen[want] {
			t.Errorf("missing result %s", want)
		}
	}
}

// TestGoroutineOperatorsMatchEngine checks that the goroutine-per-operator
// baseline runs the engine's own pipeline: the same generator and filter
// deliver exactly as many rows to the sink as the engine does.
func TestGoroutineOperatorsMatchEngine(t *testing.T) {
	const n = 100_000
	got, err := runGoroutineOperators(n)
	if err != nil {
		t.Fatal(err)
	}
	for _, par := range []int{1, 2} {
		want, err := runEngineThroughput(n, 2, par, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got != want || got == 0 {
			t.Fatalf("goroutine pipeline delivered %d rows, engine at parallelism %d %d", got, par, want)
		}
	}
}
