package natsembed

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ClusterConfigs describes an n-node cluster on 127.0.0.1: node i (from 0)
// is named "n<i+1>", listens for clients on port+i and for routes on
// clusterPort+i, and keeps its files in dir/n<i+1>. Zero ports pick free
// ones. Each process of a cluster whose nodes run in separate processes
// starts its own entry of the same list.
func ClusterConfigs(dir string, n, port, clusterPort int) ([]Config, error) {
	if n < 1 {
		return nil, fmt.Errorf("a cluster needs at least one node, got %d", n)
	}
	cfgs := make([]Config, n)
	var routes []string
	for i := range cfgs {
		p, cp := port, clusterPort
		var err error
		if port == 0 {
			if p, err = FreePort(); err != nil {
				return nil, err
			}
		} else {
			p = port + i
		}
		if clusterPort == 0 {
			if cp, err = FreePort(); err != nil {
				return nil, err
			}
		} else {
			cp = clusterPort + i
		}
		name := "n" + strconv.Itoa(i+1)
		cfgs[i] = Config{StoreDir: nodeDir(dir, name), Port: p, Name: name, Cluster: "greenwave", ClusterPort: cp}
		routes = append(routes, "127.0.0.1:"+strconv.Itoa(cp))
	}
	for i := range cfgs {
		cfgs[i].Routes = routes
	}
	return cfgs, nil
}

// Cluster is a JetStream cluster whose nodes all run in this process, as
// nats-server's own tests run theirs. Its methods are safe for concurrent
// use.
type Cluster struct {
	mu    sync.Mutex
	cfgs  []Config
	nodes []*Server // nil while a node is stopped
}

// StartCluster starts an n-node cluster (see ClusterConfigs) and waits
// until its JetStream answers.
func StartCluster(dir string, n, port, clusterPort int, log io.Writer) (*Cluster, error) {
	cfgs, err := ClusterConfigs(dir, n, port, clusterPort)
	if err != nil {
		return nil, err
	}
	c := &Cluster{cfgs: cfgs, nodes: make([]*Server, n)}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range cfgs {
		cfgs[i].Log = log
		wg.Add(1)
		// Concurrently: a node waits for its routes before it is ready.
		go func() {
			defer wg.Done()
			c.nodes[i], errs[i] = Start(cfgs[i])
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			c.Shutdown()
			return nil, err
		}
	}
	if err := c.WaitReady(30 * time.Second); err != nil {
		c.Shutdown()
		return nil, err
	}
	return c, nil
}

// URLs lists every node's client URL, comma-separated, as nats.Connect
// takes them.
func (c *Cluster) URLs() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var urls []string
	for _, cfg := range c.cfgs {
		urls = append(urls, "nats://127.0.0.1:"+strconv.Itoa(cfg.Port))
	}
	return strings.Join(urls, ",")
}

// Size is the number of nodes.
func (c *Cluster) Size() int { return len(c.cfgs) }

// Stop shuts node i down (its files stay).
func (c *Cluster) Stop(i int) {
	c.mu.Lock()
	s := c.nodes[i]
	c.nodes[i] = nil
	c.mu.Unlock()
	if s != nil {
		s.Shutdown()
	}
}

// Start starts node i again, on its ports and files.
func (c *Cluster) Start(i int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nodes[i] != nil {
		return nil
	}
	s, err := Start(c.cfgs[i])
	if err != nil {
		return err
	}
	c.nodes[i] = s
	return nil
}

// Shutdown stops every node.
func (c *Cluster) Shutdown() {
	for i := range c.cfgs {
		c.Stop(i)
	}
}

// WaitReady waits until the cluster's JetStream answers requests (a meta
// leader is elected) and can place a stream with a replica on every
// running node, or the timeout passes. A leader answers before it has
// heard from every node, and until it has it refuses such a stream ("no
// suitable peers for placement, peer offline"); WaitReady places one
// (and deletes it) to know.
func (c *Cluster) WaitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	urls := c.URLs()
	if err := WaitJetStream(urls, timeout); err != nil {
		return err
	}
	c.mu.Lock()
	running := 0
	for _, n := range c.nodes {
		if n != nil {
			running++
		}
	}
	c.mu.Unlock()
	js, nc, err := dialJetStream(urls, nats.MaxReconnects(-1))
	if err != nil {
		return err
	}
	defer nc.Close()
	probe := jetstream.StreamConfig{Name: "greenwave-ready-probe", Subjects: []string{"_greenwave.ready.probe"},
		Storage: jetstream.MemoryStorage, Replicas: running}
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err = js.CreateOrUpdateStream(ctx, probe)
		if err == nil {
			err = js.DeleteStream(ctx, probe.Name)
		}
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("JetStream at %s cannot place a stream on all %d nodes within %v: %w", urls, running, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitJetStream waits until the JetStream at urls answers an account
// request, or the timeout passes.
func WaitJetStream(urls string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	js, nc, err := dialJetStream(urls, nats.Timeout(timeout), nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1))
	if err != nil {
		return err
	}
	defer nc.Close()
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, last = js.AccountInfo(ctx)
		cancel()
		if last == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("JetStream at %s not ready within %v: %w", urls, timeout, last)
}

// dialJetStream connects to urls with opts; the caller closes nc.
func dialJetStream(urls string, opts ...nats.Option) (jetstream.JetStream, *nats.Conn, error) {
	nc, err := nats.Connect(urls, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot connect to %s: %w", urls, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return js, nc, nil
}
