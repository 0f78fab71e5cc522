package cli

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/greenwave/greenwave/internal/natsembed"
)

// natsCmd groups the NATS subcommands.
type natsCmd struct {
	Serve natsServeCmd `cmd:"" help:"Run a NATS server with JetStream (sync_interval always), or a local cluster of them, for runs that name it with --nats or url."`
}

type natsServeCmd struct {
	StoreDir    string        `name:"store-dir" required:"" placeholder:"DIR" help:"Keep the streams here (a cluster's node i in DIR/n<i>)."`
	Port        int           `default:"4222" help:"Client port on 127.0.0.1 (a cluster's node i listens on port+i-1); 0 picks a free one."`
	Cluster     int           `default:"1" help:"Nodes: 1 is a standalone server; 3 a cluster in this process that survives the loss of one node (streams with replicas: 3)."`
	ClusterPort int           `name:"cluster-port" default:"6222" help:"Route port of the first node of a cluster (node i: cluster-port+i-1); 0 picks free ones."`
	For         time.Duration `name:"for" help:"Stop after this long (0: until a signal)."`
}

func (c *natsServeCmd) Run(g *Globals) error {
	switch {
	case c.Cluster < 1 || c.Cluster > 9:
		return &exitError{code: 2, err: fmt.Errorf("--cluster must be 1 to 9 nodes, got %d", c.Cluster)}
	case c.Port < 0 || c.Port > 65535:
		return &exitError{code: 2, err: fmt.Errorf("--port must be 0 to 65535, got %d", c.Port)}
	case c.ClusterPort < 0 || c.ClusterPort > 65535:
		return &exitError{code: 2, err: fmt.Errorf("--cluster-port must be 0 to 65535, got %d", c.ClusterPort)}
	case c.For < 0:
		return &exitError{code: 2, err: fmt.Errorf("--for must not be negative, got %q", c.For)}
	}
	if err := os.MkdirAll(c.StoreDir, 0o755); err != nil {
		return fmt.Errorf("cannot create --store-dir %q: %w", c.StoreDir, err)
	}
	var urls string
	var shutdown func()
	if c.Cluster == 1 {
		s, err := natsembed.Start(natsembed.Config{StoreDir: c.StoreDir, Port: c.Port, Log: g.Stderr})
		if err != nil {
			return err
		}
		urls, shutdown = s.URL(), s.Shutdown
	} else {
		cl, err := natsembed.StartCluster(c.StoreDir, c.Cluster, c.Port, c.ClusterPort, g.Stderr)
		if err != nil {
			return err
		}
		urls, shutdown = cl.URLs(), cl.Shutdown
	}
	defer shutdown()
	fmt.Fprintf(g.Stdout, "%s\n", urls)
	fmt.Fprintf(g.Stderr, "greenwave: NATS with JetStream (%d node(s)) at %s, files in %s; stop with Ctrl-C\n", c.Cluster, urls, c.StoreDir)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var timeout <-chan time.Time
	if c.For > 0 {
		timeout = time.After(c.For)
	}
	select {
	case s := <-sigs:
		fmt.Fprintf(g.Stderr, "greenwave: %v received: stopping the NATS server\n", s)
	case <-timeout:
	}
	return nil
}
