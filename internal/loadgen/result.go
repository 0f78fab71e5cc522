package loadgen

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is what one run measured. JSON field names are the interface
// scripts rely on; latencies are in nanoseconds.
type Result struct {
	// Rate is the target rate; AchievedRate the requests answered with
	// success (2xx, or "ok" on TCP) per second of the measured duration.
	Rate         float64 `json:"rate"`
	AchievedRate float64 `json:"achieved_rate"`
	// Requests counts the measured requests that completed (answered,
	// failed or timed out); Errors those that did not succeed.
	Requests int64 `json:"requests"`
	Errors   int64 `json:"errors"`
	// Latency from the intended send time (coordinated-omission
	// corrected).
	P50 int64 `json:"p50_ns"`
	P99 int64 `json:"p99_ns"`
	// P999 is the 99.9th percentile.
	P999 int64 `json:"p999_ns"`
	Max  int64 `json:"max_ns"`
	// Latency from the actual send time (what a closed-loop tool reports).
	UncorrectedP50 int64 `json:"uncorrected_p50_ns"`
	UncorrectedP99 int64 `json:"uncorrected_p99_ns"`
	UncorrectedMax int64 `json:"uncorrected_max_ns"`
	// Events per request, and events per second achieved.
	EventsPerRequest int     `json:"events_per_request"`
	EventsPerSec     float64 `json:"events_per_sec"`
	// ByStatus counts measured requests by HTTP status, "ok"/"error" for
	// TCP, or a transport failure (timeout, refused, reset, error).
	ByStatus map[string]int64 `json:"by_status"`
	// Scheduled is the requests the schedule held in the measured period;
	// LateSends those sent more than 1 ms after their intended time;
	// MaxSendLag the largest delay.
	Scheduled  int64 `json:"scheduled"`
	LateSends  int64 `json:"late_sends"`
	MaxSendLag int64 `json:"max_send_lag_ns"`
	// Warning says why the figures may not be trusted (the generator
	// could not keep its schedule), or is empty.
	Warning string `json:"warning,omitempty"`
	// DurationNs is the measured duration.
	DurationNs int64 `json:"duration_ns"`
}

func (r *run) result(scheduled int64, d time.Duration) *Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := &Result{
		Rate: r.cfg.Rate, Requests: r.done, Errors: r.done - r.ok,
		AchievedRate: float64(r.ok) / d.Seconds(),
		P50:          r.corrected.ValueAtQuantile(50), P99: r.corrected.ValueAtQuantile(99),
		P999: r.corrected.ValueAtQuantile(99.9), Max: r.corrected.Max(),
		UncorrectedP50: r.uncorrected.ValueAtQuantile(50), UncorrectedP99: r.uncorrected.ValueAtQuantile(99),
		UncorrectedMax:   r.uncorrected.Max(),
		EventsPerRequest: r.cfg.Events,
		ByStatus:         map[string]int64{},
		Scheduled:        scheduled, LateSends: r.late, MaxSendLag: int64(r.maxLag),
		DurationNs: int64(d),
	}
	res.EventsPerSec = res.AchievedRate * float64(r.cfg.Events)
	for k, v := range r.status {
		res.ByStatus[k] = v
	}
	var why []string
	if scheduled > 0 && float64(r.late) > 0.01*float64(scheduled) {
		why = append(why, fmt.Sprintf("%.1f%% of requests were sent more than %v late (at most %v): the generator could not keep its schedule; raise --connections or lower the rate",
			100*float64(r.late)/float64(scheduled), lateAfter, r.maxLag.Round(time.Microsecond)))
	}
	if res.AchievedRate < 0.99*res.Rate {
		why = append(why, fmt.Sprintf("achieved %.0f requests/s of %.0f", res.AchievedRate, res.Rate))
	}
	res.Warning = strings.Join(why, "; ")
	return res
}

// WriteTable prints results for a person, one row per rate.
func WriteTable(w io.Writer, rs []*Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "rate\tachieved\trequests\terrors\tp50\tp99\tp99.9\tmax\tuncorr p50\tuncorr p99\tstatus\t")
	for _, r := range rs {
		fmt.Fprintf(tw, "%.0f\t%.0f\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Rate, r.AchievedRate, r.Requests, r.Errors,
			dur(r.P50), dur(r.P99), dur(r.P999), dur(r.Max), dur(r.UncorrectedP50), dur(r.UncorrectedP99), statuses(r.ByStatus))
	}
	return tw.Flush()
}

func dur(ns int64) string {
	d := time.Duration(ns)
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	case d >= time.Microsecond:
		return d.Round(100 * time.Nanosecond).String()
	}
	return d.String()
}

func statuses(m map[string]int64) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	var parts []string
	for _, k := range ks {
		parts = append(parts, fmt.Sprintf("%s:%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}
