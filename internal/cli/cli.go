// Package cli is greenwave's command line. Flags are parsed here and only
// here; every subsystem takes its configuration as a struct.
package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/alecthomas/kong"
)

// Version is set at build time with -ldflags "-X ...cli.Version=...".
var Version = "dev"

// Globals are available to every command.
type Globals struct {
	Stdout io.Writer `kong:"-"`
	Stderr io.Writer `kong:"-"`
}

// root lists the commands. Each command lives in its own file.
type root struct {
	VersionFlag kong.VersionFlag `name:"version" help:"Print the version and exit."`

	Run      runCmd      `cmd:"" help:"Run every pipeline file in a folder (or one file), each as its own tenant."`
	Validate validateCmd `cmd:"" help:"Check pipeline files; report every error as file:line:col."`
	Plan     planCmd     `cmd:"" help:"Print the physical plan (actors, workers, edges, buffers) of a pipeline file."`
	Bench    benchCmd    `cmd:"" help:"Run a benchmark scenario: greenwave's design beside the naive one."`
	Loadgen  loadgenCmd  `cmd:"" help:"Send open-loop HTTP or TCP load and measure latency, corrected for coordinated omission."`
	Sim      simCmd      `cmd:"" help:"Simulate producer -> dispatcher -> consumer (positional form as in the phantom-jams article)."`
	Docs     docsCmd     `cmd:"" help:"Print the reference of every component type (or one), its options, defaults and bounds."`
	Top      topCmd      `cmd:"" help:"Live table of every component of a running greenwave (run --http): events/s, busy and back-pressured time, fill, max batch, drops, p99."`
	Tap      tapCmd      `cmd:"" help:"Print sampled live events of one component's output from a running greenwave (run --http)."`
	Doctor   doctorCmd   `cmd:"" help:"Read a running greenwave's metrics for a while and name each trap it falls into, with the figures and the fix."`
	Receive  receiveCmd  `cmd:"" help:"A small HTTP endpoint that counts what the http sink sends it (to try examples/webhook.yaml)."`
	NATS     natsCmd     `cmd:"" name:"nats" help:"NATS JetStream for jetstream sources and sinks: run a server or a local cluster."`
	Tail     tailCmd     `cmd:"" help:"Follow a served table (snapshot, then deltas), check it, and show it live."`

	BenchClients benchClientsCmd `cmd:"" name:"bench-clients" hidden:"" help:"The subscribers of bench serve, run as a child process."`
	Version      versionCmd      `cmd:"" help:"Print the version."`
}

type versionCmd struct{}

func (versionCmd) Run(g *Globals) error {
	fmt.Fprintln(g.Stdout, "greenwave", Version)
	return nil
}

// exitError carries a specific exit status out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// Main runs the command line and returns the process exit status: 0 on
// success, 1 for a failed run, 2 for a usage error. Errors are one line on
// stderr.
func Main(args []string, stdout, stderr io.Writer) (code int) {
	var r root
	g := &Globals{Stdout: stdout, Stderr: stderr}
	exited := false
	parser, err := kong.New(&r,
		kong.Name("greenwave"),
		kong.Description("A stream-processing engine for real-time, multi-tenant analytics that does not jam."),
		kong.UsageOnError(),
		kong.Writers(stdout, stderr),
		kong.Exit(func(c int) { code = c; exited = true; panic(kongExit{}) }),
		kong.Bind(g),
		vars(),
		kong.Vars{"version": "greenwave " + Version},
	)
	if err != nil {
		fmt.Fprintf(stderr, "greenwave: BUG: %v\n", err)
		return 2
	}
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(kongExit); ok && exited {
				return
			}
			panic(p)
		}
	}()
	ctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "greenwave: %v\n", err)
		return 2
	}
	if err := ctx.Run(g); err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			if ee.err != nil {
				fmt.Fprintf(stderr, "greenwave: %v\n", ee.err)
			}
			return ee.code
		}
		fmt.Fprintf(stderr, "greenwave: %v\n", err)
		return 1
	}
	return 0
}

type kongExit struct{}
