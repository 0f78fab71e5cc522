package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/connect"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/scaleout"
)

// runInstance runs the files as one instance of several sharing their
// partitions (run --instance): it returns when every unit of every file has
// finished, whichever instance ran it, or when it is stopped (a signal,
// --for), having handed its units over.
func (c *runCmd) runInstance(g *Globals, files []string, n *connect.NATS) error {
	var r *scaleout.Runner
	e, err := engine.New(engine.Config{Workers: c.Workers, Wait: c.Wait, SpinFor: c.Spin, Pin: c.Pin, Budget: c.Budget, Log: g.Stderr,
		CheckpointInterval: c.Checkpoint, CheckpointAlignedTimeout: c.alignedTimeout(),
		CheckpointStore: func(tenant string) engine.CheckpointStore {
			if r == nil {
				return nil
			}
			return r.StoreFor(tenant)
		}})
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	defer e.Close()
	nc, err := nats.Connect(c.NATS, nats.Name("greenwave instance "+c.Instance), nats.MaxReconnects(-1),
		nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("cannot connect to NATS at %s: %w", c.NATS, err)}
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err = scaleout.New(ctx, e, nc, scaleout.Config{Instance: c.Instance, TTL: c.LeaseTTL, Log: g.Stderr})
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	cat := builtin.CatalogFor(n)
	for _, f := range files {
		p, err := loadPipeline(f, cat)
		if err == nil {
			err = r.Add(ctx, p)
		}
		if err != nil {
			printErrors(g.Stderr, err)
			return &exitError{code: 1, err: errors.New("nothing was started")}
		}
	}
	r.Start()
	fmt.Fprintf(g.Stderr, "greenwave: instance %s: sharing %d pipeline files through %s\n", c.Instance, len(files), c.NATS)

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var timeout <-chan time.Time
	if c.For > 0 {
		timeout = time.After(c.For)
	}
	ticker := time.NewTicker(c.Every)
	defer ticker.Stop()
	stop := func(why string) error {
		fmt.Fprintf(g.Stderr, "greenwave: instance %s: %s: handing its partitions over\n", c.Instance, why)
		stopped := make(chan struct{})
		go func() {
			r.Stop()
			close(stopped)
		}()
		select {
		case <-stopped:
		case <-time.After(c.StopTimeout):
			return &exitError{code: 1, err: fmt.Errorf("handing over took longer than --stop-timeout %v", c.StopTimeout)}
		case s := <-sigs:
			return &exitError{code: 130, err: fmt.Errorf("second %v: exiting without handing over", s)}
		}
		writeOwners(g.Stderr, r.Status())
		return nil
	}
	for {
		select {
		case <-r.Done():
			r.Stop()
			writeOwners(g.Stderr, r.Status())
			return nil
		case s := <-sigs:
			return stop(fmt.Sprintf("%v received", s))
		case <-timeout:
			return stop(fmt.Sprintf("--for %v elapsed", c.For))
		case <-ticker.C:
			if c.Status != "off" {
				writeOwners(g.Stderr, r.Status())
			}
		}
	}
}

// writeOwners prints who holds each unit, one line per pipeline.
func writeOwners(w io.Writer, groups []scaleout.GroupStatus) {
	for _, gs := range groups {
		fmt.Fprintf(w, "tenant %q:", gs.Tenant)
		for _, u := range gs.Units {
			owner := u.Owner
			switch {
			case owner == "":
				owner = "nobody"
			case u.Finished:
				owner += ", finished"
			}
			fmt.Fprintf(w, " %s (%s)", u.Name, owner)
		}
		fmt.Fprintln(w)
	}
}
