package cli

import (
	"fmt"
	"os"
	"time"

	"github.com/greenwave/greenwave/internal/bench"
)

type benchCmd struct {
	Scenario string        `arg:"" help:"Scenario: ${scenarios}." enum:"${scenarios}"`
	JSON     bool          `help:"One JSON object per line."`
	Duration time.Duration `default:"1s" help:"Measured time per case and variant."`
	Runs     int           `default:"3" help:"Runs per case; the median is reported."`
	Case     string        `help:"Only run cases whose name contains this."`
	Variant  string        `help:"Only run variants whose name contains this."`
	Query    string        `help:"Nexmark query (qN) for the nexmark scenario."`
	Cores    int           `help:"Workers for scenarios that run the engine (0: one per core)."`
	Events   int64         `help:"Events per run where a scenario counts events instead of time."`
}

func (c *benchCmd) Run(g *Globals) error {
	cfg := bench.Config{
		Duration: c.Duration, Runs: c.Runs, Case: c.Case, Variant: c.Variant,
		Query: c.Query, Cores: c.Cores, Events: c.Events, Progress: os.Stderr,
	}
	if c.Runs < 1 {
		return fmt.Errorf("--runs %d: must be at least 1", c.Runs)
	}
	return bench.Run(c.Scenario, cfg, g.Stdout, c.JSON)
}
