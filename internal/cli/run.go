package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"golang.org/x/term"

	"github.com/greenwave/greenwave/internal/admin"
	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/connect"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/serve"
	"github.com/greenwave/greenwave/internal/spec"
	"github.com/greenwave/greenwave/internal/units"
)

type runCmd struct {
	Paths       []string      `arg:"" name:"path" help:"Pipeline files or folders of them; each file runs as its own tenant."`
	Workers     int           `help:"Worker goroutines (0: one per core)."`
	Wait        string        `default:"adaptive" enum:"adaptive,park,spin_then_park,yield,busy_spin" help:"What an idle worker does: ${enum}. adaptive spins only while work arrives faster than a park/wake round trip on this machine, and never towards its own timers."`
	Spin        time.Duration `default:"200us" help:"How long a spin_then_park worker spins after running out of work before it parks: longer keeps latency low at moderate rates and costs CPU."`
	Pin         bool          `help:"Pin each worker to a CPU (set GOMAXPROCS explicitly when pinning)."`
	Budget      int           `default:"512" help:"Most events an actor handles per turn."`
	For         time.Duration `name:"for" help:"Stop gracefully after this long (0: run until every tenant finishes or a signal)."`
	Status      string        `default:"auto" enum:"auto,line,log,off" help:"Progress display: a live line on a terminal, a log line every --every otherwise (auto), or off."`
	Every       time.Duration `default:"5s" help:"Interval of log-style progress lines."`
	StopTimeout time.Duration `default:"30s" help:"How long a graceful stop may take before the process gives up."`
	Edges       bool          `help:"Also print every edge's figures (fill, max batch, drops, gaps, blocked time) with each log line and at exit, and each sink's latency."`
	StateDir    string        `name:"state-dir" placeholder:"DIR" help:"Checkpoint every tenant's state here and resume from it at start: operators' state, sources' positions and sinks' committed output survive a crash."`
	Checkpoint  time.Duration `name:"checkpoint-interval" default:"10s" help:"Time between checkpoints when a pipeline file sets none (with --state-dir or --instance)."`
	Aligned     time.Duration `name:"checkpoint-aligned-timeout" default:"1s" help:"How long a checkpoint waits for its barriers to come through the data queued ahead of them before they pass it (the queued events are saved with the checkpoint), when a pipeline file sets none; 0 keeps checkpoints aligned."`
	HTTP        string        `name:"http" placeholder:"ADDR" help:"Serve the admin server (console, JSON API, /metrics, pprof) on this address; a bare port listens on 127.0.0.1. With --http the run goes on when every tenant has finished, until a signal or --for, since tenants can be added."`
	TokenFile   string        `name:"http-token-file" placeholder:"FILE" help:"Require this file's bearer token on every admin request but /healthz and /readyz."`
	Watch       bool          `help:"Watch the folders given: a file that is added or changed adds or replaces its tenant (validated first, the old version drained), a file removed removes it. The run goes on until a signal or --for."`
	NATS        string        `name:"nats" placeholder:"URL" help:"NATS server (comma-separated URLs of a cluster's nodes) of the jetstream components whose file names no url. Without it the run embeds a NATS server with JetStream, its files under --state-dir (a temporary directory without one)."`
	Instance    string        `name:"instance" placeholder:"NAME" help:"Run as the instance NAME of several that share the pipelines' partitions through --nats (leases in its KV bucket, checkpoints in its object store); a survivor takes a dead instance's partitions over."`
	LeaseTTL    time.Duration `name:"lease-ttl" default:"4s" help:"With --instance: how long a lease lives without renewal before another instance takes its partitions over."`
	CPUProfile  string        `name:"cpuprofile" type:"path" help:"Write a CPU profile of this process over the whole run to this file (go tool pprof reads it)."`
}

// check validates the flags' values (kong checks their syntax).
func (c *runCmd) check() error {
	switch {
	case c.Workers < 0:
		return fmt.Errorf("--workers must be 0 (one per core) or more, got %d", c.Workers)
	case c.Workers > maxWorkers:
		return fmt.Errorf("--workers must be at most %d, got %d", maxWorkers, c.Workers)
	case c.Budget < 1:
		return fmt.Errorf("--budget must be at least 1, got %d", c.Budget)
	case c.Spin <= 0:
		return fmt.Errorf("--spin must be a positive duration, got %q", c.Spin)
	case c.For < 0:
		return fmt.Errorf("--for must not be negative, got %q (0 runs until every tenant finishes)", c.For)
	case c.Every <= 0:
		return fmt.Errorf("--every must be a positive duration, got %q", c.Every)
	case c.StopTimeout <= 0:
		return fmt.Errorf("--stop-timeout must be a positive duration, got %q", c.StopTimeout)
	case c.Checkpoint < 10*time.Millisecond:
		return fmt.Errorf("--checkpoint-interval must be at least 10ms, got %q", c.Checkpoint)
	case c.Aligned < 0:
		return fmt.Errorf("--checkpoint-aligned-timeout must not be negative, got %q (0 keeps checkpoints aligned)", c.Aligned)
	case c.TokenFile != "" && c.HTTP == "":
		return fmt.Errorf("--http-token-file %q needs --http", c.TokenFile)
	case c.Instance != "" && c.NATS == "":
		return errors.New("--instance needs --nats URL: the instances share partitions through a NATS server they all reach")
	case c.Instance != "" && c.StateDir != "":
		return errors.New("--instance keeps checkpoints in the NATS object store; leave --state-dir out")
	case c.LeaseTTL < 100*time.Millisecond:
		return fmt.Errorf("--lease-ttl must be at least 100ms, got %q", c.LeaseTTL)
	}
	return nil
}

// maxWorkers bounds --workers: more workers than this only add contention.
const maxWorkers = 1024

func (c *runCmd) Run(g *Globals) error {
	if err := c.check(); err != nil {
		return &exitError{code: 2, err: err}
	}
	files, err := pipelineFiles(c.Paths)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if c.CPUProfile != "" {
		stop, err := startCPUProfile(c.CPUProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if _, all := checkFiles(files, catalog(), 1, g.Stderr); !all {
		return &exitError{code: 1, err: errors.New("invalid pipeline files; nothing was started")}
	}
	// The jetstream components' NATS side: --nats, or a server embedded
	// in the process, started when the first of them opens.
	natsCfg := connect.NATSConfig{URL: c.NATS, Log: g.Stderr}
	if c.StateDir != "" {
		natsCfg.StoreDir = filepath.Join(c.StateDir, "nats")
	}
	n := connect.NewNATS(natsCfg)
	defer n.Close()
	if c.Instance != "" {
		return c.runInstance(g, files, n)
	}
	e, err := engine.New(engine.Config{Workers: c.Workers, Wait: c.Wait, SpinFor: c.Spin, Pin: c.Pin, Budget: c.Budget, Log: g.Stderr,
		StateDir: c.StateDir, CheckpointInterval: c.Checkpoint, CheckpointAlignedTimeout: c.alignedTimeout()})
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	// A tenant that cannot start (a component's Open failed: a file that
	// cannot be created, a port in use) is reported and left out; the
	// others start.
	cat := builtin.CatalogFor(n)
	fleet := admin.NewFleet(e, cat, firstDir(c.Paths))
	fleet.DrainTimeout = c.StopTimeout
	notStarted := 0
	for _, f := range files {
		t, text, err := c.start(e, f, cat)
		if err != nil {
			notStarted++
			printErrors(g.Stderr, err)
			continue
		}
		fleet.Add(f, text, t)
	}
	serving := c.HTTP != "" || c.Watch
	if len(fleet.Entries()) == 0 && !serving {
		e.Close()
		return &exitError{code: 1, err: errors.New("no tenant could start")}
	}
	e.Start()
	if u := n.Embedded(); u != "" {
		fmt.Fprintf(g.Stderr, "greenwave: embedded NATS server (JetStream) at %s\n", u)
	}
	srv, err := c.startAdmin(fleet, g.Stderr)
	if err != nil {
		e.Stop(c.StopTimeout)
		e.Close()
		return &exitError{code: 1, err: err}
	}
	if srv != nil {
		defer srv.Close()
	}
	stopWatch := make(chan struct{})
	defer close(stopWatch)
	if c.Watch {
		go watchFolders(c.Paths, fleet, g.Stderr, stopWatch)
	}

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var timeout <-chan time.Time
	if c.For > 0 {
		timeout = time.After(c.For)
	}
	// allDone is closed once every tenant the fleet has is done. A run
	// that serves (--http, --watch) goes on until a signal or --for, since
	// tenants can be added; it follows them once it is stopping.
	var allDone <-chan struct{}
	if !serving {
		allDone = waitAll(fleet)
	}

	mode := c.Status
	if mode == "auto" {
		mode = "log"
		if f, ok := g.Stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			mode = "line"
		}
	}
	interval := c.Every
	if mode == "line" {
		interval = time.Second
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	prog := newProgress(fleet, g.Stderr, mode)
	prog.edges = c.Edges

	stopping := false
	stop := func(why string) {
		if stopping {
			return
		}
		stopping = true
		prog.clear()
		fmt.Fprintf(g.Stderr, "greenwave: %s: stopping sources and draining every edge\n", why)
		for _, t := range fleet.Tenants() {
			t.Stop()
		}
		allDone = waitAll(fleet)
	}
	var giveUp <-chan time.Time
loop:
	for {
		select {
		case <-allDone:
			break loop
		case s := <-sigs:
			if stopping {
				// A second signal: leave now, without draining, but say
				// where every tenant stood. 128 + the signal's number, as
				// a shell reports a process killed by it.
				prog.clear()
				fmt.Fprintf(g.Stderr, "greenwave: second %v: exiting without draining\n", s)
				c.summarize(g.Stderr, fleet.Tenants())
				code := 130
				if s == syscall.SIGTERM {
					code = 143
				}
				return &exitError{code: code, err: nil}
			}
			stop(fmt.Sprintf("%v received", s))
			giveUp = time.After(c.StopTimeout)
		case <-timeout:
			stop(fmt.Sprintf("--for %v elapsed", c.For))
			giveUp = time.After(c.StopTimeout)
		case <-giveUp:
			prog.clear()
			fmt.Fprintf(g.Stderr, "greenwave: graceful stop took longer than --stop-timeout %v; exiting\n", c.StopTimeout)
			c.summarize(g.Stderr, fleet.Tenants())
			return &exitError{code: 1, err: errors.New("some tenants did not finish draining")}
		case <-ticker.C:
			if !stopping {
				prog.show()
			}
		}
	}
	prog.clear()
	if srv != nil {
		_ = srv.Close()
	}
	e.Close()
	// Served tables close their subscriptions after the tenant drains:
	// give the subscribers their final messages before exiting.
	serve.Drain(c.StopTimeout)
	tenants := fleet.Tenants()
	failed := c.summarize(g.Stderr, tenants)
	switch {
	case failed > 0 || notStarted > 0:
		return &exitError{code: 1, err: fmt.Errorf("%d of %d tenants failed", failed+notStarted, len(tenants)+notStarted)}
	}
	return nil
}

// start loads, compiles and starts one pipeline file as a tenant; it
// returns the file's text too.
func (c *runCmd) start(e *engine.Engine, file string, cat *component.Catalog) (*engine.Tenant, []byte, error) {
	text, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read %q: %w", file, errors.Unwrap(err))
	}
	p, err := spec.Parse(file, text, cat)
	if err != nil {
		return nil, nil, err
	}
	pl, err := e.Compile(p)
	if err != nil {
		return nil, nil, err
	}
	t, err := e.Run(pl)
	return t, text, err
}

// summarize prints one line per tenant (and its edges with --edges) and
// returns how many failed. A tenant still running is marked as not
// finished, with the components that had not finished.
func (c *runCmd) summarize(w io.Writer, tenants []*engine.Tenant) (failed int) {
	for _, t := range tenants {
		s := t.Stats()
		state := "finished"
		switch {
		case s.Failed:
			state = "FAILED"
			failed++
		case !s.Finished:
			state = "DID NOT FINISH"
		}
		dl := ""
		if s.DeadLettered > 0 {
			dl = fmt.Sprintf(", dead-lettered %d", s.DeadLettered)
		}
		var sides []string
		for name, k := range s.SideOutputs {
			if k > 0 {
				sides = append(sides, fmt.Sprintf("%s %d", name, k))
			}
		}
		sort.Strings(sides)
		if len(sides) > 0 {
			dl += " (side outputs: " + strings.Join(sides, ", ") + ")"
		}
		if m := s.Memory; m.StateKeys > 0 || m.Evicted > 0 || m.Expired > 0 {
			dl += fmt.Sprintf(", state %d keys %s", m.StateKeys, units.Bytes(m.StateBytes))
			if m.Evicted > 0 {
				dl += fmt.Sprintf(" (%d evicted)", m.Evicted)
			}
			if m.Expired > 0 {
				dl += fmt.Sprintf(" (%d expired)", m.Expired)
			}
		}
		dl += sinkLosses(s.Reports)
		fmt.Fprintf(w, "tenant %-16s %s in %s: in %d, out %d, dropped %d, rejected %d%s\n",
			fmt.Sprintf("%q", s.Tenant), state, s.Elapsed.Round(time.Millisecond), s.In, s.Out, s.Dropped, s.Rejected, dl)
		if s.Err != nil {
			fmt.Fprintf(w, "  %v\n", s.Err)
		}
		if !s.Finished && !s.Failed {
			var running []string
			for _, a := range s.Actors {
				if !a.Done {
					running = append(running, a.Name)
				}
			}
			fmt.Fprintf(w, "  still running: %s\n", strings.Join(running, ", "))
		}
		if c.Edges {
			writeEdges(w, s, engine.Stats{})
		}
	}
	return failed
}

// progress prints periodic figures per tenant, for the tenants the fleet
// has at each moment.
type progress struct {
	fleet  *admin.Fleet
	w      io.Writer
	mode   string
	last   map[*engine.Tenant]engine.Stats
	lastAt time.Time
	drawn  bool
	edges  bool
}

func newProgress(f *admin.Fleet, w io.Writer, mode string) *progress {
	p := &progress{fleet: f, w: w, mode: mode, lastAt: time.Now(), last: map[*engine.Tenant]engine.Stats{}}
	for _, t := range f.Tenants() {
		p.last[t] = t.Stats()
	}
	return p
}

func (p *progress) show() {
	if p.mode == "off" {
		return
	}
	now := time.Now()
	dt := now.Sub(p.lastAt).Seconds()
	p.lastAt = now
	var parts []string
	tenants := p.fleet.Tenants()
	prevs := make([]engine.Stats, len(tenants))
	cur := make([]engine.Stats, len(tenants))
	next := map[*engine.Tenant]engine.Stats{}
	for i, t := range tenants {
		s := t.Stats()
		prev := p.last[t]
		prevs[i], cur[i] = prev, s
		next[t] = s
		rate := float64(s.In-min(prev.In, s.In)) / dt
		part := fmt.Sprintf("%s %s ev/s in, %s out", s.Tenant, humanRate(rate), humanCount(s.Out))
		if s.Dropped > 0 {
			part += fmt.Sprintf(", %s dropped", humanCount(s.Dropped))
		}
		if s.Rejected > 0 {
			part += fmt.Sprintf(", %s rejected", humanCount(s.Rejected))
		}
		switch {
		case s.Failed:
			part += " (FAILED)"
		case s.Finished:
			part += " (finished)"
		}
		parts = append(parts, part)
	}
	p.last = next
	if p.mode == "line" {
		line := strings.Join(parts, " | ")
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.drawn = true
		return
	}
	for i, part := range parts {
		fmt.Fprintf(p.w, "%s greenwave: %s\n", now.Format("15:04:05"), part)
		if p.edges {
			writeEdges(p.w, cur[i], prevs[i])
		}
	}
}

// writeEdges prints one line per edge and one per sink with latency. The
// max batch is the largest since prev (an earlier snapshot of the same
// tenant, or the zero Stats for the whole run).
func writeEdges(w io.Writer, s, prev engine.Stats) {
	for i, l := range s.Links {
		var pl engine.LinkStats
		if i < len(prev.Links) {
			pl = prev.Links[i]
		}
		fmt.Fprintf(w, "  edge %-44s fill %5.1f%% (%d/%d %s, %d slots allocated)  max batch %4d  published %d  dropped %d  gaps %d  blocked %v\n",
			l.Label, 100*l.Fill, l.Depth, l.Capacity, l.Policy, l.Allocated, l.MaxBatchSince(pl), l.Published, l.Dropped, l.Gaps,
			time.Duration(l.BlockedNanos).Round(time.Microsecond))
	}
	for _, a := range s.Actors {
		if a.Latency == nil {
			continue
		}
		h := hdrhistogram.Import(a.Latency)
		if h.TotalCount() == 0 {
			continue
		}
		fmt.Fprintf(w, "  sink %-44s latency p50 %v  p99 %v  max %v  (event creation to sink, %d events)\n", a.Name,
			time.Duration(h.ValueAtQuantile(50)), time.Duration(h.ValueAtQuantile(99)), time.Duration(h.Max()), h.TotalCount())
	}
	for _, o := range s.Operators {
		fmt.Fprintf(w, "  state %-43s keys %d of %d  bytes %s of %s  evicted %d  expired %d\n", o.Name,
			o.Keys, o.MaxKeys, units.Bytes(o.Bytes), units.Bytes(o.MaxBytes), o.Evicted, o.Expired)
	}
	if s.Memory.Limit > 0 {
		fmt.Fprintf(w, "  memory %s of the tenant's limit %s (state %s, rings %s)\n", units.Bytes(s.Memory.Total()),
			units.Bytes(s.Memory.Limit), units.Bytes(s.Memory.StateBytes), units.Bytes(s.Memory.RingBytes))
	}
	for _, r := range s.Reports {
		writeReport(w, r)
	}
}

func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}

func humanRate(f float64) string {
	switch {
	case f >= 1e6:
		return fmt.Sprintf("%.2fM", f/1e6)
	case f >= 1e3:
		return fmt.Sprintf("%.1fK", f/1e3)
	}
	return fmt.Sprintf("%.0f", f)
}

func humanCount(n uint64) string { return humanRate(float64(n)) }

// alignedTimeout is --checkpoint-aligned-timeout as engine.Config takes it.
func (c *runCmd) alignedTimeout() time.Duration {
	if c.Aligned == 0 {
		return -1 // stay aligned
	}
	return c.Aligned
}
