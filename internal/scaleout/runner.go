package scaleout

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/spec"
)

// The buckets instances share.
const (
	LeaseBucket      = "greenwave_leases"
	CheckpointBucket = "greenwave_checkpoints"
)

// Config configures one instance.
type Config struct {
	// Instance is the instance's name, unique among the instances of a
	// run: letters, digits, _ and -. An instance restarted under its name
	// takes its leases back at once.
	Instance string
	// TTL is how long a lease (and a membership) lives without renewal
	// before another instance may take it over (0: 4 s).
	TTL time.Duration
	// Heartbeat is the time between renewals and between looks for work
	// (0: TTL/8).
	Heartbeat time.Duration
	// Replicas of the buckets when this instance creates them (0: 3 when
	// the server is part of a cluster, else 1).
	Replicas int
	// HandoverTimeout bounds the checkpoint an instance takes of a unit it
	// gives up (0: 5 s).
	HandoverTimeout time.Duration
	// Log receives what the instance takes, gives up and loses.
	Log io.Writer
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

var instanceRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func (c *Config) defaults() error {
	if !instanceRE.MatchString(c.Instance) {
		return fmt.Errorf("instance name %q: use letters, digits, _ and -", c.Instance)
	}
	if c.TTL <= 0 {
		c.TTL = 4 * time.Second
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = c.TTL / 8
	}
	if c.HandoverTimeout <= 0 {
		c.HandoverTimeout = 5 * time.Second
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Runner is one instance: it runs the units whose leases it holds on an
// engine, and shares the others with the instances of the same run. Its
// methods are safe for concurrent use.
type Runner struct {
	cfg         Config
	e           *engine.Engine
	nc          *nats.Conn
	js          jetstream.JetStream
	kv          jetstream.KeyValue
	obs         jetstream.ObjectStore
	incarnation string
	life        context.Context // cancelled when nc closes

	mu      sync.Mutex
	groups  []*group
	stores  map[string]*Store // by unit name, while it runs
	started bool
	stopped bool
	done    chan struct{}
	logMu   sync.Mutex
}

// New connects an instance to the buckets (creating them when needed). e
// runs the units; its Config.CheckpointStore must ask StoreFor. While the
// cluster cannot serve the buckets (a node down, leaders being elected) it
// tries again with back-off until ctx ends, and then returns the last
// error.
func New(ctx context.Context, e *engine.Engine, nc *nats.Conn, cfg Config) (*Runner, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	replicas := cfg.Replicas
	if replicas <= 0 {
		replicas = 1
		if nc.ConnectedClusterName() != "" {
			replicas = 3
		}
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(cfg.Log, "greenwave: instance %s: "+format+"\n", append([]any{cfg.Instance}, args...)...)
	}
	// A cluster that lost a node cannot place or elect the buckets'
	// replicas until it is back or has new leaders: wait that out (ctx
	// bounds the wait) rather than fail the instance.
	var kv jetstream.KeyValue
	err = retry(ctx, logf, fmt.Sprintf("cannot open the lease bucket %q", LeaseBucket), func(ctx context.Context) (err error) {
		kv, err = openKV(ctx, js, replicas)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cannot open the lease bucket %q: %w", LeaseBucket, err)
	}
	var obs jetstream.ObjectStore
	err = retry(ctx, logf, fmt.Sprintf("cannot open the checkpoint store %q", CheckpointBucket), func(ctx context.Context) (err error) {
		obs, err = openObjectStore(ctx, js, replicas)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cannot open the checkpoint store %q: %w", CheckpointBucket, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	// Requests still waiting when the connection closes (a checkpoint
	// being stored) end then, instead of at their timeout.
	life, closed := context.WithCancel(context.Background())
	prev := nc.ClosedHandler()
	nc.SetClosedHandler(func(c *nats.Conn) {
		closed()
		if prev != nil {
			prev(c)
		}
	})
	if nc.IsClosed() {
		closed()
	}
	return &Runner{cfg: cfg, e: e, nc: nc, js: js, kv: kv, obs: obs, incarnation: hex.EncodeToString(b[:]),
		life: life, stores: map[string]*Store{}, done: make(chan struct{})}, nil
}

// openKV opens the lease bucket, creating it when it does not exist.
func openKV(ctx context.Context, js jetstream.JetStream, replicas int) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, LeaseBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: LeaseBucket, History: 1, Storage: jetstream.FileStorage, Replicas: replicas,
			Description: "greenwave: which instance runs which unit"})
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, LeaseBucket)
		}
	}
	return kv, err
}

// openObjectStore opens the checkpoint store, creating it when it does not
// exist.
func openObjectStore(ctx context.Context, js jetstream.JetStream, replicas int) (jetstream.ObjectStore, error) {
	obs, err := js.ObjectStore(ctx, CheckpointBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		obs, err = js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: CheckpointBucket, Storage: jetstream.FileStorage, Replicas: replicas,
			Description: "greenwave: checkpoints of units"})
		if errors.Is(err, jetstream.ErrBucketExists) {
			obs, err = js.ObjectStore(ctx, CheckpointBucket)
		}
	}
	return obs, err
}

// Add splits a pipeline into units (see Split) that the instances of the
// run share. A jetstream source's partition count is its `partitions`
// option when given, else that of its stream when it exists, else 1.
func (r *Runner) Add(ctx context.Context, p *spec.Pipeline) error {
	units, err := Split(p, func(c *spec.Component) (int, error) { return r.partitions(ctx, c) })
	if err != nil {
		return err
	}
	g := newGroup(r, p.Tenant, units)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return errors.New("BUG: scaleout: Add after Start")
	}
	r.groups = append(r.groups, g)
	return nil
}

var partitionRE = regexp.MustCompile(`\{\{\s*partition\(\s*(\d+)\s*,\s*1\s*\)\s*\}\}`)

func (r *Runner) partitions(ctx context.Context, c *spec.Component) (int, error) {
	o := c.Options
	if o.Given("partitions") || o.String("url") != "" {
		return int(o.Int("partitions")), nil
	}
	var st jetstream.Stream
	notFound := false
	err := retry(ctx, r.logf, fmt.Sprintf("cannot look up stream %q", o.String("stream")), func(ctx context.Context) (err error) {
		st, err = r.js.Stream(ctx, o.String("stream"))
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			notFound = true
			return nil
		}
		return err
	})
	if notFound {
		return int(o.Int("partitions")), nil
	}
	if err != nil {
		return 0, fmt.Errorf("cannot look up stream %q: %w", o.String("stream"), err)
	}
	if tr := st.CachedInfo().Config.SubjectTransform; tr != nil {
		if m := partitionRE.FindStringSubmatch(tr.Destination); m != nil {
			return strconv.Atoi(m[1])
		}
	}
	return int(o.Int("partitions")), nil
}

// Start starts sharing: the engine, and a goroutine per pipeline that
// renews leases and takes and gives up units.
func (r *Runner) Start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return
	}
	r.started = true
	r.e.Start()
	for _, g := range r.groups {
		g.start()
	}
	go func() {
		for _, g := range r.groups {
			<-g.finished
		}
		close(r.done)
	}()
}

// Done is closed when every unit of every pipeline has finished (its
// sources ended), whichever instance ran it.
func (r *Runner) Done() <-chan struct{} { return r.done }

// Stop gives up every unit the instance holds: each is checkpointed,
// aborted and its lease released, so that another instance takes it over
// with nothing to redo; then the instance leaves the run.
func (r *Runner) Stop() {
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		return
	}
	r.stopped = true
	groups := r.groups
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, g := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.stop()
		}()
	}
	wg.Wait()
}

// StoreFor returns the checkpoint store of a unit the instance runs, or
// nil for any other tenant (engine.Config.CheckpointStore).
func (r *Runner) StoreFor(tenant string) engine.CheckpointStore {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.stores[tenant]; ok {
		return s
	}
	return nil
}

// Status lists, per pipeline, the units and who holds them as this
// instance sees them.
func (r *Runner) Status() []GroupStatus {
	r.mu.Lock()
	groups := r.groups
	r.mu.Unlock()
	var out []GroupStatus
	for _, g := range groups {
		out = append(out, g.status())
	}
	return out
}

// Tenants returns the engine tenants of the units the instance runs now.
func (r *Runner) Tenants() []*engine.Tenant {
	r.mu.Lock()
	groups := r.groups
	r.mu.Unlock()
	var out []*engine.Tenant
	for _, g := range groups {
		out = append(out, g.tenants()...)
	}
	return out
}

func (r *Runner) logf(format string, args ...any) {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	fmt.Fprintf(r.cfg.Log, "greenwave: instance %s: "+format+"\n", append([]any{r.cfg.Instance}, args...)...)
}
