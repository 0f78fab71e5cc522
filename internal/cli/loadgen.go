package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/greenwave/greenwave/internal/loadgen"
)

type loadgenCmd struct {
	Target      string        `arg:"" help:"http://host:port/path (POSTs) or tcp://host:port (JSON lines)."`
	Rate        float64       `default:"1000" help:"Requests per second."`
	Duration    time.Duration `default:"10s" help:"How long to send (per rate with --sweep)."`
	Sweep       string        `help:"Run these rates in turn, e.g. 1k,2k,5k,10k,20k,50k, and print one row (or JSON object) per rate."`
	Out         string        `help:"With --sweep: write latency.csv and latency.svg/.png (p50, p99, p99.9, max vs rate, log scale) into this folder."`
	Schedule    string        `default:"constant" enum:"constant,poisson" help:"Send times: evenly spaced, or Poisson arrivals."`
	Connections int           `default:"128" help:"Connections, opened before the run; a request waits for a free one (the wait counts as latency)."`
	Events      int           `default:"1" help:"Events per request."`
	Template    string        `help:"Event template, with {i} (event number), {user} (one of 1000) and {rand} filled in."`
	BodyFile    string        `name:"body-file" help:"JSON-lines file whose lines are the events, used in turn."`
	Profile     string        `help:"Built-in event generator: ${loadgen_profiles} (default sequence)."`
	ContentType string        `default:"application/x-ndjson" help:"HTTP Content-Type; application/json sends a JSON array (one object for one event)."`
	Header      []string      `help:"Extra HTTP header, 'Name: value' (repeatable), e.g. 'Authorization: Bearer ...'."`
	Timeout     time.Duration `default:"5s" help:"Longest wait for a response; later ones count as timeouts."`
	TCPAck      bool          `name:"tcp-ack" help:"TCP targets: read one ack line per event (a tcp source with ack: line) and measure to the last."`
	Warmup      time.Duration `default:"1s" help:"Send at the rate this long before measuring."`
	Seed        int64         `default:"1" help:"Seed of Poisson gaps and generated events."`
	JSON        bool          `help:"One JSON object per rate."`
}

// Help is the detailed help of loadgen.
func (c *loadgenCmd) Help() string {
	return `Open loop: requests go out on a schedule fixed before the run and never wait for earlier responses. Latency is measured from each request's intended send time (corrected for coordinated omission: a stalled server shows in every request that was due during the stall) and from its actual send time (what a closed-loop tool reports). A warning says when the generator could not keep its schedule.

JSON fields: rate, achieved_rate (successful responses per second), requests, errors, p50_ns, p99_ns, p999_ns, max_ns (corrected), uncorrected_p50_ns, uncorrected_p99_ns, uncorrected_max_ns, by_status, events_per_request, events_per_sec, scheduled, late_sends, max_send_lag_ns, warning.`
}

func (c *loadgenCmd) Run(g *Globals) error {
	cfg := loadgen.Config{
		Target: c.Target, Rate: c.Rate, Duration: c.Duration, Schedule: c.Schedule, Seed: c.Seed,
		Connections: c.Connections, Events: c.Events, Template: c.Template, BodyFile: c.BodyFile, Profile: c.Profile,
		ContentType: c.ContentType, Headers: c.Header, Timeout: c.Timeout, TCPAck: c.TCPAck, Warmup: c.Warmup,
	}
	rates := []float64{c.Rate}
	switch {
	case c.Connections < 1:
		return &exitError{code: 2, err: fmt.Errorf("--connections must be at least 1, got %d", c.Connections)}
	case c.Events < 1:
		return &exitError{code: 2, err: fmt.Errorf("--events must be at least 1, got %d", c.Events)}
	case c.Out != "" && c.Sweep == "":
		return &exitError{code: 2, err: fmt.Errorf("--out needs --sweep")}
	case c.Rate <= 0:
		return &exitError{code: 2, err: fmt.Errorf("--rate must be positive, got %g", c.Rate)}
	case c.Duration <= 0:
		return &exitError{code: 2, err: fmt.Errorf("--duration must be positive, got %q", c.Duration)}
	}
	if err := cfg.Check(); err != nil {
		return &exitError{code: 2, err: fmt.Errorf("loadgen: %w", err)}
	}
	if c.Sweep != "" {
		var err error
		if rates, err = loadgen.ParseRates(c.Sweep); err != nil {
			return &exitError{code: 2, err: fmt.Errorf("--sweep: %w", err)}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	enc := json.NewEncoder(g.Stdout)
	var results []*loadgen.Result
	for _, rate := range rates {
		cfg.Rate = rate
		fmt.Fprintf(g.Stderr, "loadgen: %s at %g requests/s for %v\n", c.Target, rate, c.Duration)
		r, err := loadgen.Run(ctx, cfg)
		if err != nil {
			return fmt.Errorf("loadgen: %w", err)
		}
		if r.Warning != "" {
			fmt.Fprintf(g.Stderr, "loadgen: warning at %g requests/s: %s\n", rate, r.Warning)
		}
		results = append(results, r)
		if c.JSON {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		if ctx.Err() != nil {
			break
		}
	}
	if !c.JSON {
		if err := loadgen.WriteTable(g.Stdout, results); err != nil {
			return err
		}
	}
	if c.Out != "" {
		files, err := loadgen.WriteFiles(c.Out, results)
		if err != nil {
			return err
		}
		fmt.Fprintf(g.Stderr, "loadgen: wrote %s\n", strings.Join(files, ", "))
	}
	return nil
}
