package sweep

import (
	"context"
	"fmt"
	"io"
	"runtime"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/sync/errgroup"

	"github.com/greenwave/greenwave/internal/sim"
)

// Options control how a sweep runs; they do not change its results.
type Options struct {
	// Workers is how many simulations run at once; 0 means GOMAXPROCS.
	Workers int
	// Progress, when not nil, receives a progress bar. Pass a terminal only:
	// the bar redraws itself with carriage returns.
	Progress io.Writer
}

// Results holds every point of a grid, in the grid's order.
type Results struct {
	Grid      Grid
	Latency   []LatencyPoint
	Effective []EffectivePoint
}

// Run runs every simulation of g on Options.Workers goroutines. Each
// simulation is independent and seeded by g.Seed, so the results do not
// depend on the number of workers or on scheduling. Run stops early with
// ctx's error when ctx is cancelled.
func Run(ctx context.Context, g Grid, o Options) (Results, error) {
	if err := g.Validate(); err != nil {
		return Results{}, err
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	r := Results{Grid: g, Latency: g.latencyPoints(), Effective: g.effectivePoints()}
	jobs := len(r.Latency) + len(r.Effective)

	var bar *progressbar.ProgressBar
	if o.Progress != nil {
		bar = progressbar.NewOptions(jobs,
			progressbar.OptionSetWriter(o.Progress),
			progressbar.OptionSetDescription("sim sweep"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
		)
		defer bar.Close()
	}

	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(workers)
	// Effective-rate searches are the longest jobs: start them first so
	// that the short latency points fill the gaps at the end.
	for i := range r.Effective {
		eg.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			p := &r.Effective[i]
			c := p.config(g)
			e, err := sim.EffectiveRate(c, g.Resolution)
			if err != nil {
				return fmt.Errorf("sweep: effective rate at period %v, factor %g: %w", p.Period, p.Factor, err)
			}
			p.Effective = e
			p.Limit, _ = c.Limit()
			tick(bar)
			return nil
		})
	}
	for i := range r.Latency {
		eg.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			p := &r.Latency[i]
			res, err := sim.Run(p.config(g))
			if err != nil {
				return fmt.Errorf("sweep: %s jitter at %g of the consumer rate: %w", p.Jittered, p.Fraction, err)
			}
			p.Result = res
			tick(bar)
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return Results{}, err
	}
	return r, nil
}

// tick advances bar, which may be nil. ProgressBar is safe for concurrent
// use. A bar that cannot be drawn must not fail the sweep, so its error is
// dropped.
func tick(bar *progressbar.ProgressBar) {
	if bar != nil {
		_ = bar.Add(1)
	}
}
