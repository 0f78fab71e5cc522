package sweep

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"text/tabwriter"

	"github.com/greenwave/greenwave/internal/sim"
)

// WriteSummary writes the effective-rate table: for each period and factor
// the simulated effective rate beside the throughput with the producer at
// the consumer's rate and the closed-form estimate, and how far the
// simulation is from the closed form.
func WriteSummary(w io.Writer, r Results) error {
	if len(r.Effective) == 0 {
		return nil
	}
	g := r.Grid
	if _, err := fmt.Fprintf(w, "effective dispatch rate: %s dispatcher, uniform producer and consumer at %s/s, %s consumer\n",
		g.Jitter, rate(g.ConsumerRate), g.ConsumerModel); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "period (s)\tfactor\tlimit\tsimulated (/s)\tsaturated (/s)\tclosed form (/s)\tsim vs closed\t")
	for _, p := range r.Effective {
		e := p.Effective
		closed, diff := "n/a", "n/a"
		if d, ok := e.Diff(); ok {
			closed, diff = rate(e.ClosedForm), fmt.Sprintf("%+.2f%%", d)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t\n",
			num(p.Period.Seconds()), num(p.Factor), p.Limit, rate(e.Rate), rate(e.Saturated), closed, diff)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "(bounded: the dispatcher queue's mean over the last quarter of a run exceeds the second quarter's by at most limit + %g%% of the requests produced in between)\n",
		sim.GrowthTolerance*100)
	return err
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// rate rounds a rate to whole requests per second.
func rate(v float64) string { return strconv.FormatFloat(math.Round(v), 'f', 0, 64) }
