package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/greenwave/greenwave/internal/sim"
	"github.com/greenwave/greenwave/internal/sim/sweep"
)

// simCmd is "greenwave sim": the article's positional form runs one
// simulation (simOnceCmd, the default), "greenwave sim sweep" runs a grid.
type simCmd struct {
	Once  simOnceCmd  `cmd:"" name:"run" default:"withargs" help:"Run one simulation (the default: 'greenwave sim 600 uniform 200000 uniform uniform 200000')."`
	Sweep simSweepCmd `cmd:"" help:"Run a grid of simulations in parallel; write CSV files and SVG/PNG plots."`
}

// Run runs whichever form was chosen. The subcommands have no Run method of
// their own, so kong calls this one.
func (c *simCmd) Run(g *Globals) error {
	if c.Sweep.chosen {
		return c.Sweep.run(g)
	}
	return c.Once.run(g)
}

type simOnceCmd struct {
	Duration         string `arg:"" help:"Virtual run time in seconds (or a Go duration such as 10m)."`
	ProducerDelays   string `arg:"" help:"Producer delays: uniform, poisson, expdelay or capdelay."`
	ProducerRate     string `arg:"" help:"Producer rate, requests per second."`
	DispatcherDelays string `arg:"" help:"Dispatcher delays around the latency goal: uniform, poisson, expdelay or capdelay."`
	ConsumerDelays   string `arg:"" help:"Consumer delays: uniform, poisson, expdelay or capdelay."`
	ConsumerRate     string `arg:"" help:"Consumer rate, requests per second."`
	LatencyGoal      string `arg:"" optional:"" name:"latency-goal-us" help:"Dispatcher wake-up period in µs (default 500, that is 2 kHz)."`
	GoalFactor       string `arg:"" optional:"" name:"goal-factor" help:"Over-dispatch multiplier (default 1.5); the consumer may hold goal × factor × consumer rate requests."`

	Goal          float64 `help:"Latency goal in µs, instead of the positional argument." placeholder:"µs"`
	Factor        float64 `help:"Goal factor, instead of the positional argument." placeholder:"X"`
	Seed          uint64  `default:"1" help:"Seed of every random draw; a seed reproduces its output exactly."`
	ConsumerModel string  `default:"linear" help:"linear, or queue-depth:K[:P]: each service takes gap × (1 + ((n−1)/K)^P), n the requests inside the consumer when it starts (P defaults to 2)."`
	MaxQueue      int     `default:"${sim_queue_cap}" help:"The most requests the simulator holds, queued or inside the consumer (default ${sim_queue_cap}: its timestamps within 1 GiB). A run that must pass it is refused; one that reaches it stops there and exits non-zero." placeholder:"N"`
	JSON          bool    `help:"Print one JSON object instead of the tables."`
}

// simBoundedHelp states the rule of sim.Result.Bounded.
func simBoundedHelp() string {
	return fmt.Sprintf("The dispatcher queue counts as bounded when its mean length over the last quarter of the run exceeds its mean over the second quarter by at most one dispatch limit plus %g%% of the requests produced in between.", sim.GrowthTolerance*100)
}

// Help is the detailed help of the run form.
func (c *simOnceCmd) Help() string {
	return `Delay processes, each around its period (1/rate; the latency goal for the dispatcher): uniform is exactly the period, poisson draws exponential gaps with that mean, expdelay is period × (1 + Exp(1)), capdelay is period × U(1, 3).

The dispatcher moves requests into the consumer, oldest first, while it holds fewer than limit = goal × factor × consumer rate requests. The consumer serves one request at a time.

Prints the rates, the longest dispatcher queue and consumer contents, and mean, p95, p99 and max of total latency (completion − arrival) and in-consumer latency (completion − dispatch) in seconds. ` + simBoundedHelp()
}

// simUsage marks a user error: the command line was wrong, not the run.
func simUsage(format string, a ...any) error {
	return &exitError{code: 2, err: fmt.Errorf("sim: "+format, a...)}
}

func (c *simOnceCmd) config() (sim.Config, error) {
	var cfg sim.Config
	var err error
	if cfg.Duration, err = parseSimDuration(c.Duration); err != nil {
		return cfg, err
	}
	delays := []struct {
		name string
		arg  string
		dst  *sim.Delays
	}{
		{"producer delays", c.ProducerDelays, &cfg.ProducerDelays},
		{"dispatcher delays", c.DispatcherDelays, &cfg.DispatcherDelays},
		{"consumer delays", c.ConsumerDelays, &cfg.ConsumerDelays},
	}
	for _, d := range delays {
		if *d.dst, err = sim.ParseDelays(d.arg); err != nil {
			return cfg, simUsage("%s: %w", d.name, err)
		}
	}
	if cfg.ProducerRate, err = parsePositive("producer rate", c.ProducerRate); err != nil {
		return cfg, err
	}
	if cfg.ConsumerRate, err = parsePositive("consumer rate", c.ConsumerRate); err != nil {
		return cfg, err
	}
	goalUs := float64(sim.DefaultGoal) / float64(time.Microsecond)
	if goalUs, err = positionalOrFlag("latency goal", c.LatencyGoal, c.Goal, goalUs); err != nil {
		return cfg, err
	}
	cfg.Goal = time.Duration(goalUs * float64(time.Microsecond))
	if cfg.Factor, err = positionalOrFlag("goal factor", c.GoalFactor, c.Factor, sim.DefaultFactor); err != nil {
		return cfg, err
	}
	if cfg.ConsumerModel, err = sim.ParseConsumerModel(c.ConsumerModel); err != nil {
		return cfg, simUsage("%w", err)
	}
	cfg.Seed = c.Seed
	if c.MaxQueue < 1 {
		return cfg, simUsage("--max-queue %d: must be at least 1", c.MaxQueue)
	}
	cfg.QueueCap = c.MaxQueue
	if err := cfg.Validate(); err != nil {
		return cfg, simUsage("%w", err)
	}
	return cfg, nil
}

func (c *simOnceCmd) run(g *Globals) error {
	cfg, err := c.config()
	if err != nil {
		return err
	}
	if err := cfg.CheckQueue(); err != nil {
		return fmt.Errorf("sim: refused: %w (raise --max-queue or shorten the run)", err)
	}
	res, err := sim.Run(cfg)
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	if c.JSON {
		err = sim.WriteJSON(g.Stdout, res)
	} else {
		err = sim.WriteText(g.Stdout, res)
	}
	if err != nil {
		return err
	}
	if res.Capped {
		return fmt.Errorf("sim: capped: the run stopped at %.4g s of %.4g s, when it held %d requests (--max-queue)",
			res.Ran.Seconds(), cfg.Duration.Seconds(), cfg.QueueCap)
	}
	return nil
}

// parseSimDuration reads seconds ("600", "0.5") or a Go duration ("10m").
func parseSimDuration(s string) (time.Duration, error) {
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		if !(v > 0) || v > sim.MaxDuration.Seconds() {
			return 0, simUsage("duration %q: must be above 0 and at most %g seconds", s, sim.MaxDuration.Seconds())
		}
		return time.Duration(v * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, simUsage("duration %q: want seconds, such as 600, or a duration, such as 10m", s)
	}
	if d <= 0 || d > sim.MaxDuration {
		return 0, simUsage("duration %q: must be above 0 and at most %v", s, sim.MaxDuration)
	}
	return d, nil
}

// parsePositive reads a positive finite number.
func parsePositive(name, s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(v > 0) || v > 1e300 {
		return 0, simUsage("%s %q: must be a positive number", name, s)
	}
	return v, nil
}

// positionalOrFlag returns the value given either as a positional argument
// (pos, "" when absent) or as a flag (flag, 0 when absent), else def.
func positionalOrFlag(name, pos string, flag, def float64) (float64, error) {
	switch {
	case pos != "" && flag != 0:
		return 0, simUsage("%s given twice, as %q and as a flag", name, pos)
	case pos != "":
		return parsePositive(name, pos)
	case flag != 0:
		return parsePositive(name, strconv.FormatFloat(flag, 'g', -1, 64))
	}
	return def, nil
}

type simSweepCmd struct {
	Out              string    `default:"out/sim-sweep" help:"Directory for the CSV files and plots."`
	Quick            bool      `help:"Small grid and short runs, for a fast check."`
	Duration         float64   `help:"Virtual seconds per simulation (default 20, or 2 with --quick)." placeholder:"SECONDS"`
	ConsumerRate     float64   `help:"Consumer rate, requests per second (default 200000)." placeholder:"PER-S"`
	Jitter           string    `default:"poisson" help:"Delays of the jittered component: uniform, poisson, expdelay or capdelay."`
	Fractions        []float64 `help:"Producer rates as fractions of the consumer rate (latency grid)." placeholder:"X"`
	Periods          []float64 `help:"Dispatcher latency goals in µs." placeholder:"µs"`
	LatencyFactors   []float64 `help:"Goal factors of the latency grid." placeholder:"X"`
	EffectiveFactors []float64 `help:"Goal factors of the effective-rate grid." placeholder:"X"`
	ConsumerModel    string    `default:"linear" help:"linear, or queue-depth:K[:P]: each service takes gap × (1 + ((n−1)/K)^P), n the requests inside the consumer when it starts (P defaults to 2)."`
	Seed             uint64    `default:"1" help:"Seed of every simulation."`
	MaxQueue         int       `default:"${sim_queue_cap}" help:"The most requests each simulation holds (default ${sim_queue_cap}); a run that reaches it stops and counts as not bounded." placeholder:"N"`
	Workers          int       `help:"Simulations run at once (0: one per core)."`

	chosen bool
}

// Help is the detailed help of the sweep form.
func (c *simSweepCmd) Help() string {
	return `The latency grid jitters one component at a time (--jitter, the two others uniform) for every period, latency factor and producer rate (fractions of the consumer rate). The effective-rate grid searches, for every period and factor, the effective dispatch rate: the highest producer rate at which the dispatcher queue stays bounded, with a jittered dispatcher and a uniform producer and consumer. It is printed beside the closed form C × E[min(g, limit/C)] / E[g] (C × (1 − e^(−factor)) for poisson) where one exists. ` + simBoundedHelp() + `

Writes latency.csv, effective.csv, latency-p<period>us-f<factor>.svg/.png and effective-rate.svg/.png into --out. Shows a progress bar when stderr is a terminal.`
}

// AfterApply records that the sweep form was chosen (see simCmd.Run).
func (c *simSweepCmd) AfterApply() error {
	c.chosen = true
	return nil
}

func (c *simSweepCmd) grid() (sweep.Grid, error) {
	g := sweep.Default()
	if c.Quick {
		g = sweep.Quick()
	}
	if c.Duration != 0 {
		if !(c.Duration > 0) || c.Duration > sim.MaxDuration.Seconds() {
			return g, simUsage("--duration %g: must be above 0 and at most %g seconds", c.Duration, sim.MaxDuration.Seconds())
		}
		g.Duration = time.Duration(c.Duration * float64(time.Second))
	}
	if c.ConsumerRate != 0 {
		g.ConsumerRate = c.ConsumerRate
	}
	var err error
	if g.Jitter, err = sim.ParseDelays(c.Jitter); err != nil {
		return g, simUsage("--jitter: %w", err)
	}
	if c.Fractions != nil {
		g.Fractions = c.Fractions
	}
	if c.Periods != nil {
		g.Periods = g.Periods[:0:0]
		for _, us := range c.Periods {
			if !(us > 0) {
				return g, simUsage("--periods: period %g µs: must be positive", us)
			}
			g.Periods = append(g.Periods, time.Duration(us*float64(time.Microsecond)))
		}
	}
	if c.LatencyFactors != nil {
		g.LatencyFactors = c.LatencyFactors
	}
	if c.EffectiveFactors != nil {
		g.EffectiveFactors = c.EffectiveFactors
	}
	if g.ConsumerModel, err = sim.ParseConsumerModel(c.ConsumerModel); err != nil {
		return g, simUsage("%w", err)
	}
	g.Seed = c.Seed
	if c.Workers < 0 {
		return g, simUsage("--workers %d: must be 0 (one per core) or more", c.Workers)
	}
	if c.MaxQueue < 1 {
		return g, simUsage("--max-queue %d: must be at least 1", c.MaxQueue)
	}
	g.QueueCap = c.MaxQueue
	if err := g.Validate(); err != nil {
		return g, simUsage("%w", err)
	}
	return g, nil
}

func (c *simSweepCmd) run(g *Globals) error {
	grid, err := c.grid()
	if err != nil {
		return err
	}
	opts := sweep.Options{Workers: c.Workers}
	if f, ok := g.Stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		opts.Progress = f
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := sweep.Run(ctx, grid, opts)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("sim sweep: interrupted")
		}
		return fmt.Errorf("sim sweep: %w", err)
	}
	files, err := sweep.WriteFiles(c.Out, res)
	if err != nil {
		return fmt.Errorf("sim sweep: %w", err)
	}
	if err := sweep.WriteSummary(g.Stdout, res); err != nil {
		return err
	}
	for _, f := range files {
		fmt.Fprintln(g.Stdout, "wrote", f)
	}
	return nil
}
