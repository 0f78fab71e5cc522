package sweep

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// LatencyHeader is the header of latency.csv. Times are in seconds, rates in
// requests per second.
var LatencyHeader = []string{
	"jittered", "jitter_delays", "period_s", "factor", "limit",
	"producer_rate", "rate_fraction", "produced_per_s", "completed_per_s",
	"max_queue", "final_queue", "max_in_consumer", "bounded", "queue_growth_per_s", "capped",
	"mean_s", "p95_s", "p99_s", "max_s",
	"consumer_mean_s", "consumer_p95_s", "consumer_p99_s", "consumer_max_s",
}

// EffectiveHeader is the header of effective.csv. closed_form_rate and
// diff_pct are empty where no closed form exists; diff_pct is
// (effective_rate / closed_form_rate − 1) × 100.
var EffectiveHeader = []string{
	"dispatcher_delays", "period_s", "factor", "limit", "consumer_rate",
	"effective_rate", "effective_fraction", "saturated_rate",
	"closed_form_rate", "diff_pct", "runs",
}

// WriteLatencyCSV writes one row per latency point.
func WriteLatencyCSV(w io.Writer, r Results) error {
	cw := csv.NewWriter(w)
	rows := [][]string{LatencyHeader}
	for _, p := range r.Latency {
		rep := p.Result.Report()
		rows = append(rows, []string{
			string(p.Jittered), r.Grid.Jitter.String(), f(p.Period.Seconds()), f(p.Factor), strconv.Itoa(rep.Limit),
			f(rep.ProducerRate), f(p.Fraction), f(rep.ProducedPerS), f(rep.CompletedPerS),
			strconv.Itoa(rep.MaxQueue), strconv.Itoa(rep.FinalQueue), strconv.Itoa(rep.MaxInConsumer),
			strconv.FormatBool(rep.Bounded), f(rep.QueueGrowthPerS), strconv.FormatBool(rep.Capped),
			f(rep.Latency.Mean), f(rep.Latency.P95), f(rep.Latency.P99), f(rep.Latency.Max),
			f(rep.ConsumerLatency.Mean), f(rep.ConsumerLatency.P95), f(rep.ConsumerLatency.P99), f(rep.ConsumerLatency.Max),
		})
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("cannot write the latency CSV: %w", err)
	}
	return nil
}

// WriteEffectiveCSV writes one row per effective-rate search.
func WriteEffectiveCSV(w io.Writer, r Results) error {
	cw := csv.NewWriter(w)
	rows := [][]string{EffectiveHeader}
	for _, p := range r.Effective {
		e := p.Effective
		closed, diff := "", ""
		if d, ok := e.Diff(); ok {
			closed, diff = f(e.ClosedForm), strconv.FormatFloat(d, 'f', 2, 64)
		}
		rows = append(rows, []string{
			r.Grid.Jitter.String(), f(p.Period.Seconds()), f(p.Factor), strconv.Itoa(p.Limit), f(r.Grid.ConsumerRate),
			f(e.Rate), f(e.Rate / r.Grid.ConsumerRate), f(e.Saturated),
			closed, diff, strconv.Itoa(e.Runs),
		})
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("cannot write the effective-rate CSV: %w", err)
	}
	return nil
}

func f(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
