package loadgen

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Schedules of intended send times.
const (
	Constant = "constant"
	Poisson  = "poisson"
)

// Config describes one run at one rate.
type Config struct {
	// Target is http://host:port/path (POSTed to) or tcp://host:port
	// (JSON lines written to a connection).
	Target string
	// Rate is requests per second (> 0).
	Rate float64
	// Duration is how long requests are scheduled for (> 0).
	Duration time.Duration
	// Schedule is Constant (even gaps) or Poisson (exponential gaps).
	Schedule string
	// Seed seeds Poisson gaps and built-in profiles.
	Seed int64
	// Connections bounds the connections (and so the requests in flight).
	Connections int
	// Events is events per request (at least 1).
	Events int
	// Body: a template (Template), a JSON-lines file (BodyFile), or a
	// built-in profile (Profile; the default, "sequence"). See body.go.
	Template string
	BodyFile string
	Profile  string
	// ContentType of HTTP bodies (default application/x-ndjson).
	ContentType string
	// Headers are extra HTTP headers, "Name: value".
	Headers []string
	// Timeout bounds each request; requests unanswered this long after the
	// schedule ends are counted as timeouts (default 5 s).
	Timeout time.Duration
	// TCPAck reads one answer line per event on TCP targets (a tcp source
	// with ack: line) and measures latency to the last one; without it a
	// TCP request completes when written.
	TCPAck bool
	// Warmup sends at the rate for this long before measuring (0: none).
	Warmup time.Duration
}

func (c *Config) defaults() {
	if c.Schedule == "" {
		c.Schedule = Constant
	}
	if c.Connections <= 0 {
		c.Connections = 128
	}
	if c.Events <= 0 {
		c.Events = 1
	}
	if c.ContentType == "" {
		c.ContentType = "application/x-ndjson"
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	if c.Template == "" && c.BodyFile == "" && c.Profile == "" {
		c.Profile = "sequence"
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
}

// Check reports what is wrong with a configuration (after its defaults),
// without running it.
func (c Config) Check() error {
	c.defaults()
	return c.check()
}

// check reports what is wrong with a configuration.
func (c *Config) check() error {
	u, err := url.Parse(c.Target)
	switch {
	case err != nil:
		return fmt.Errorf("target %q: %w", c.Target, err)
	case u.Scheme != "http" && u.Scheme != "tcp":
		return fmt.Errorf("target %q: want http://host:port/path or tcp://host:port", c.Target)
	case u.Host == "":
		return fmt.Errorf("target %q has no host:port", c.Target)
	case c.Rate <= 0:
		return fmt.Errorf("rate must be positive, got %g", c.Rate)
	case c.Duration <= 0:
		return fmt.Errorf("duration must be positive, got %v", c.Duration)
	case c.Schedule != Constant && c.Schedule != Poisson:
		return fmt.Errorf("schedule %q: want constant or poisson", c.Schedule)
	case c.Warmup < 0:
		return errors.New("warmup must not be negative")
	}
	n := 0
	for _, s := range []string{c.Template, c.BodyFile, c.Profile} {
		if s != "" {
			n++
		}
	}
	if n > 1 {
		return errors.New("give one of a template, a body file or a profile")
	}
	return nil
}
