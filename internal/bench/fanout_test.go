package bench

import (
	"testing"
	"time"
)

// Every layout moves events through the gateway's threads, its batches stay
// within their rings, and it reports its figures. (Whether the threads keep
// up is what the scenario measures, not a test: a busy machine decides it.)
func TestFanoutScenarioRuns(t *testing.T) {
	rs, err := runFanout(Config{Duration: 400 * time.Millisecond, Case: "streams=14"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("%d results, want one per layout", len(rs))
	}
	for _, r := range rs {
		snap := r.Extra["snapshot_per_sec"].(float64)
		if r.EventsPerSec <= 0 || snap <= 0 {
			t.Errorf("%s: fanned %.0f/s, snapshot %.0f/s; want both moving", r.Variant, r.EventsPerSec, snap)
		}
		for _, k := range []string{"max_batch_source", "max_batch_snapshot"} {
			if b := r.Extra[k].(float64); b < 1 || b > fanoutFeedCap {
				t.Errorf("%s: %s = %v, want within the ring", r.Variant, k, b)
			}
		}
		if r.P99Ns <= 0 || r.Extra["delivered"].(float64) <= 0 {
			t.Errorf("%s: p99 %d, delivered %v", r.Variant, r.P99Ns, r.Extra["delivered"])
		}
	}
}

// The serve scenario's load case, small: every replica converges, the
// stalled subscriber resyncs, and the fast ones see no gap.
func TestServeScenarioRuns(t *testing.T) {
	r, err := serveLoad(10, 1000, "writers=1", 500*time.Millisecond, 2, "")
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := r.Extra["first_client_error"]; ok {
		t.Errorf("a client failed: %v", e)
	}
	for k, want := range map[string]float64{"not_converged": 0, "fast_with_gaps": 0, "fast_gaps_before": 0, "client_errors": 0,
		"subscribers": 10, "stalled": 1} {
		if got := r.Extra[k].(float64); got != want {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	// Nine fast subscribers get every change (frames conflate only a
	// key changed twice within one, rare over 1000 keys at 1000/s).
	if r.EventsPerSec < 500 || r.Extra["deltas_per_sec"].(float64) < 5*r.EventsPerSec || r.Extra["frames_sent"].(float64) == 0 {
		t.Errorf("%.0f events/s, %.0f deltas/s delivered, %v frames", r.EventsPerSec, r.Extra["deltas_per_sec"], r.Extra["frames_sent"])
	}
}
