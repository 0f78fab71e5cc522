package cli

import (
	"fmt"
	"os"
	"time"

	"github.com/greenwave/greenwave/internal/bench"
)

type benchCmd struct {
	Scenario   string        `arg:"" help:"Scenario: ${scenarios}." enum:"${scenarios}"`
	JSON       bool          `help:"One JSON object per line."`
	Duration   time.Duration `default:"1s" help:"Measured time per case and variant."`
	Runs       int           `default:"3" help:"Runs per case; the median is reported."`
	Case       string        `help:"Only run cases whose name contains this."`
	Variant    string        `help:"Only run variants whose name contains this."`
	Query      string        `help:"Nexmark query (qN) for the nexmark scenario."`
	Cores      int           `help:"Workers for scenarios that run the engine (0: one per core)."`
	Events     int64         `help:"Events per run where a scenario counts events instead of time."`
	Count      int           `help:"Tenants the tenants scenario starts (0: 10000)."`
	Kills      int           `help:"SIGKILLs the recovery scenario deals (0: 100)."`
	Spin       time.Duration `help:"How long spin_then_park workers spin before parking (0: the engine's default, 200us)."`
	Peer       string        `default:"peers/benthos-http/benthos-http" help:"The peer's binary for the latency scenario (built by peers/benthos-http/run.sh); its rows are left out when it is missing."`
	CPUProfile string        `name:"cpuprofile" type:"path" help:"Write a CPU profile of this process over the whole bench to this file (go tool pprof reads it); child processes are not in it."`
}

func (c *benchCmd) Run(g *Globals) error {
	cfg := bench.Config{
		Duration: c.Duration, Runs: c.Runs, Case: c.Case, Variant: c.Variant,
		Query: c.Query, Cores: c.Cores, Events: c.Events, Count: c.Count, Kills: c.Kills, Spin: c.Spin, Progress: os.Stderr, Peer: c.Peer,
	}
	if exe, err := os.Executable(); err == nil {
		cfg.Exe = exe
	}
	if err := c.check(); err != nil {
		return &exitError{code: 2, err: err}
	}
	if c.CPUProfile != "" {
		stop, err := startCPUProfile(c.CPUProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	return bench.Run(c.Scenario, cfg, g.Stdout, c.JSON)
}

// check validates the flags' values (kong checks their syntax).
func (c *benchCmd) check() error {
	switch {
	case c.Runs < 1:
		return fmt.Errorf("--runs must be at least 1, got %d", c.Runs)
	case c.Duration <= 0:
		return fmt.Errorf("--duration must be a positive duration, got %q", c.Duration)
	case c.Spin < 0:
		return fmt.Errorf("--spin must not be negative, got %q (0: the engine's default)", c.Spin)
	case c.Cores < 0 || c.Cores > maxWorkers:
		return fmt.Errorf("--cores must be between 0 (one per core) and %d, got %d", maxWorkers, c.Cores)
	case c.Kills < 0:
		return fmt.Errorf("--kills must not be negative, got %d (0: the scenario's default)", c.Kills)
	case c.Count < 0:
		return fmt.Errorf("--count must not be negative, got %d (0: the scenario's default)", c.Count)
	case c.Events < 0:
		return fmt.Errorf("--events must not be negative, got %d (0: the scenario's default)", c.Events)
	}
	return nil
}

// benchClientsCmd is the child process of `bench serve`: its subscribers,
// kept out of the process under test.
type benchClientsCmd struct {
	URL     string `required:"" help:"The table's stream."`
	Count   int    `required:"" help:"Subscribers."`
	Stalled int    `help:"How many of them read nothing until a line arrives on stdin."`
}

func (c *benchClientsCmd) Run(g *Globals) error {
	if c.Count < 1 || c.Stalled < 0 || c.Stalled > c.Count {
		return &exitError{code: 2, err: fmt.Errorf("--count must be at least 1 and --stalled between 0 and it, got %d and %d", c.Count, c.Stalled)}
	}
	return bench.RunClients(c.URL, c.Count, c.Stalled, os.Stdin, g.Stdout)
}
