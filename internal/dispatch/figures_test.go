package dispatch

import (
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// Every mode's figures are valid, say what Stats says, and only a paced
// dispatcher reports wake-ups (and a verdict once checked).
func TestFigures(t *testing.T) {
	base := Stats{Limit: 7, MaxInFlight: 8, InFlight: 3, Queued: 5, Retrying: 1, Enqueued: 100, Dispatched: 90,
		Completed: 80, Failed: 4, Retried: 2, Refused: 6, FlowRatio: 1.25, RTTMean: 2 * time.Millisecond}
	for _, tc := range []struct {
		mode    Mode
		verdict bool
		want    map[string]float64
		absent  []string
	}{
		{Direct, false, map[string]float64{"dispatch_in_flight_requests": 3, "dispatch_queued_requests": 5,
			"dispatch_refused_requests_total": 6, "dispatch_flow_ratio": 1.25, "dispatch_round_trip_mean_seconds": 0.002},
			[]string{"dispatch_paced_wakes_total", "dispatch_adaptive_increases_total"}},
		{Paced, true, map[string]float64{"dispatch_paced_wakes_total": 300, "dispatch_paced_wake_lateness_p99_seconds": 0.001,
			"dispatch_sim_bounded": 0, "dispatch_sim_queue_growth_requests_per_second": 12},
			[]string{"dispatch_adaptive_increases_total"}},
		{Paced, false, map[string]float64{"dispatch_paced_period_seconds": 0.01}, []string{"dispatch_sim_bounded"}},
		{Adaptive, false, map[string]float64{"dispatch_adaptive_decreases_total": 9}, []string{"dispatch_paced_wakes_total"}},
	} {
		s := base
		s.Mode, s.Period, s.Wakes, s.LatenessP99, s.Decreases = tc.mode, 10*time.Millisecond, 300, time.Millisecond, 9
		s.Verdict = Verdict{Checked: tc.verdict, Growth: 12}
		got := map[string]float64{}
		for _, f := range s.AppendFigures(nil) {
			if err := component.CheckFigure(f); err != nil {
				t.Error(err)
			}
			if f.Name == "dispatch_info" && f.Labels[0].Value != tc.mode.String() {
				t.Errorf("%s: dispatch_info mode %s", tc.mode, f.Labels[0].Value)
			}
			got[f.Name] = f.Value
		}
		for k, v := range tc.want {
			if g, ok := got[k]; !ok || g != v {
				t.Errorf("%s: %s = %v (present %v), want %v", tc.mode, k, g, ok, v)
			}
		}
		for _, k := range tc.absent {
			if _, ok := got[k]; ok {
				t.Errorf("%s: %s present", tc.mode, k)
			}
		}
	}
}
