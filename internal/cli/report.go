package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/greenwave/greenwave/internal/connect"
	"github.com/greenwave/greenwave/internal/dispatch"
	"github.com/greenwave/greenwave/internal/engine"
)

// writeReport prints an operator's own figures (component.Reporter) for
// `run --edges`, for the report types it knows.
func writeReport(w io.Writer, r engine.Report) {
	switch v := r.Value.(type) {
	case connect.HTTPSinkStats:
		fmt.Fprintf(w, "  http %-44s batches %d (%d events)  delivered %d  attempts %d  retries %d  gave up %d  dead-lettered %d  oversize %d"+
			"  answers: 2xx %d 429 %d 503 %d 5xx %d other %d  timeouts %d  closed %d  errors %d\n",
			r.Name, v.Batches, v.Events, v.Delivered, v.Attempts, v.Retries, v.GaveUp, v.DeadLettered, v.Oversize,
			v.OK, v.Status429, v.Status503, v.Status5xx, v.Status4xx, v.Timeouts, v.Closed, v.Other)
		writeDispatch(w, r.Name, v.Dispatch)
	case dispatch.Stats:
		writeDispatch(w, r.Name, v)
	}
}

// writeDispatch prints a dispatcher's figures on one line.
func writeDispatch(w io.Writer, name string, d dispatch.Stats) {
	var mode string
	switch d.Mode {
	case dispatch.Paced:
		rate := fmt.Sprintf("%s/s", humanRate(d.Rate))
		if d.RateMeasured {
			rate += " measured"
		}
		comp := "compensated"
		if !d.Compensate {
			comp = "uncompensated"
		}
		mode = fmt.Sprintf("paced every %v, factor %g, rate %s, %s; level %d", d.Period, d.Factor, rate, comp, d.Limit)
	case dispatch.Adaptive:
		mode = fmt.Sprintf("adaptive; limit %d (+%d −%d)", d.Limit, d.Increases, d.Decreases)
	default:
		mode = fmt.Sprintf("direct; limit %d", d.Limit)
	}
	fmt.Fprintf(w, "  dispatch %-40s %s of %d  in flight %d  queued %d  dispatched %d  completed %d  flow %.2f  effective %s/s  input %s/s  rtt mean %v min %v",
		name, mode, d.MaxInFlight, d.InFlight, d.Queued, d.Dispatched, d.Completed, d.FlowRatio,
		humanRate(d.EffectiveRate), humanRate(d.InputRate), d.RTTMean.Round(time.Microsecond), d.RTTMin.Round(time.Microsecond))
	if d.Mode == dispatch.Paced {
		fmt.Fprintf(w, "  wake-ups %d: period mean %v p99 %v, lateness mean %v p99 %v", d.Wakes,
			d.GapMean.Round(time.Microsecond), d.GapP99.Round(time.Microsecond),
			d.LatenessMean.Round(time.Microsecond), d.LatenessP99.Round(time.Microsecond))
		if v := d.Verdict; v.Checked {
			verdict := "bounded"
			if !v.Bounded {
				verdict = fmt.Sprintf("NOT bounded (queue +%s/s)", humanRate(v.Growth))
			}
			fmt.Fprintf(w, "  sim: %s at %s/s, capacity %s/s", verdict, humanRate(v.InputRate), humanRate(v.Capacity))
		}
	}
	fmt.Fprintln(w)
}

// sinkLosses names, for a tenant's summary line, what its sinks did not
// deliver: the events an http sink gave up on (dead-lettered or not).
// Empty when every sink delivered everything.
func sinkLosses(reports []engine.Report) string {
	var parts []string
	for _, r := range reports {
		v, ok := r.Value.(connect.HTTPSinkStats)
		if !ok || v.GaveUp == 0 && v.DeadLettered == 0 {
			continue
		}
		p := fmt.Sprintf("%s gave up on %d batches", r.Name, v.GaveUp)
		if v.DeadLettered > 0 {
			p += fmt.Sprintf(" (%d events dead-lettered)", v.DeadLettered)
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return ""
	}
	return "; sinks: " + strings.Join(parts, ", ")
}
