package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/greenwave/greenwave/internal/doctor"
)

type doctorCmd struct {
	Addr      string        `default:"127.0.0.1:9090" help:"The admin server of the greenwave to examine (run --http)."`
	For       time.Duration `name:"for" default:"30s" help:"How long to read the live metrics."`
	JSON      bool          `help:"One JSON object per trap: trap, component, evidence, fix."`
	TokenFile string        `name:"token-file" placeholder:"FILE" help:"The admin server's bearer token file."`
}

func (c *doctorCmd) Run(g *Globals) error {
	if c.For < 3*time.Second || c.For > time.Hour {
		return &exitError{code: 2, err: fmt.Errorf("--for must be between 3s and 1h, got %q", c.For)}
	}
	tok, err := readToken(c.TokenFile)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	src := doctor.NewRemote(c.Addr, tok)
	// Fail fast when nothing answers.
	if _, err := src.Snapshot(context.Background()); err != nil {
		return &exitError{code: 1, err: err}
	}
	fs, err := doctor.Watch(context.Background(), src, doctor.Options{For: c.For})
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	return doctor.Write(g.Stdout, fs, c.JSON)
}

// readToken reads a bearer token file ("" gives "").
func readToken(file string) (string, error) {
	if file == "" {
		return "", nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("cannot read token file %q: %w", file, err)
	}
	return strings.TrimSpace(string(b)), nil
}
