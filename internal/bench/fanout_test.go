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
	r, err := serveLoad(load{subs: 10, rate: 1000, variant: "writers=1", writers: 1, stalled: true, d: 500 * time.Millisecond, workers: 2})
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

// The serve scenario's floor case, small: with one message per delta,
// both layouts deliver every change to every subscriber (they keep up),
// every replica converges, and the figures that compare them agree with
// each other: messages per second match the rate times the subscribers,
// and a socket write carries at least one message — with the writer's
// passes paced (20 ms at 500 changes/s), several, where a goroutine per
// subscriber woken by every commit writes about one.
func TestServeFloorCaseRuns(t *testing.T) {
	perWrite := map[string]float64{}
	for _, v := range []floorVariant{{"writers=1", 1, "frame_interval: 20ms"}, {"writers=0", 0, ""}} {
		r, err := serveLoad(load{subs: 10, rate: 500, variant: v.name, writers: v.writers, delivery: "deltas", opts: v.opts, d: 500 * time.Millisecond, workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := r.Extra["first_client_error"]; ok {
			t.Errorf("%s: a client failed: %v", v.name, e)
		}
		for k, want := range map[string]float64{"not_converged": 0, "fast_with_gaps": 0, "client_errors": 0, "stalled": 0, "resyncs": 0} {
			if got := r.Extra[k].(float64); got != want {
				t.Errorf("%s: %s = %v, want %v", v.name, k, got, want)
			}
		}
		msgs, pw := r.Extra["msgs_per_sec"].(float64), r.Extra["msgs_per_write"].(float64)
		if msgs < 0.7*10*r.EventsPerSec || msgs > 1.3*10*r.EventsPerSec+10*5 {
			t.Errorf("%s: %.0f messages/s to 10 subscribers at %.0f changes/s; want one per change each", v.name, msgs, r.EventsPerSec)
		}
		if pw < 1 || r.Extra["writes_per_sec"].(float64)*pw < 0.99*msgs {
			t.Errorf("%s: %.2f messages per write, %.0f writes/s, %.0f messages/s", v.name, pw, r.Extra["writes_per_sec"], msgs)
		}
		if r.Extra["msgs_per_cpu_s"].(float64) <= 0 {
			t.Errorf("%s: %v messages per CPU-second", v.name, r.Extra["msgs_per_cpu_s"])
		}
		t.Logf("%s: %.2f messages per write, %.0f messages per CPU-second", v.name, pw, r.Extra["msgs_per_cpu_s"])
		perWrite[v.name] = pw
	}
	if w1, w0 := perWrite["writers=1"], perWrite["writers=0"]; w1 < 3 || w1 < 2*w0 {
		t.Errorf("messages per socket write: %.2f with the writer paced at 20 ms, %.2f with a goroutine per subscriber; want the paced writer's several and at least twice", w1, w0)
	}
}
