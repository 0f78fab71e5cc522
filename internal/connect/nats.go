package connect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/greenwave/greenwave/internal/natsembed"
)

// NATSConfig configures a run's NATS side.
type NATSConfig struct {
	// URL is the server (comma-separated URLs of a cluster) of the
	// jetstream components whose `url` is empty; empty: an embedded server.
	URL string
	// StoreDir keeps the embedded server's streams; empty: a temporary
	// directory, removed by Close.
	StoreDir string
	// Log receives the embedded server's warnings and errors and the
	// connections' asynchronous errors (nil: discarded).
	Log io.Writer
	// Dialer, when set, opens every connection the components dial, and
	// their reconnections (nil: the client's own). Tests use it to cut an
	// instance off the network at one moment, as a crash does.
	Dialer nats.CustomDialer
}

// NATS is what the jetstream sources and sinks of one run share: the
// server they use when their pipeline file names none, which for the
// single-machine default is a NATS server embedded in the process, started
// when the first component needs it. Every component instance dials a
// connection of its own (its reads and writes then run on goroutines of
// their own). A run makes one NATS, builds its catalog with it
// (builtin.CatalogFor) and closes it after its tenants. Safe for
// concurrent use.
type NATS struct {
	cfg NATSConfig

	mu     sync.Mutex
	srv    *natsembed.Server
	tmp    string
	closed bool
}

// NewNATS returns a run's NATS side; nothing starts until a component
// asks for a server.
func NewNATS(cfg NATSConfig) *NATS { return &NATS{cfg: cfg} }

// ServerURL resolves a component's url option: itself when set, else the
// run's URL, else the embedded server's, which it starts on first use.
func (n *NATS) ServerURL(url string) (string, error) {
	if url != "" {
		return url, nil
	}
	if n.cfg.URL != "" {
		return n.cfg.URL, nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return "", errors.New("the run's NATS side is closed")
	}
	if n.srv != nil {
		return n.srv.URL(), nil
	}
	dir := n.cfg.StoreDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "greenwave-nats-")
		if err != nil {
			return "", fmt.Errorf("cannot create a directory for the embedded NATS server: %w", err)
		}
		n.tmp, dir = tmp, tmp
	}
	srv, err := natsembed.Start(natsembed.Config{StoreDir: dir, Log: n.cfg.Log})
	if err != nil {
		return "", err
	}
	n.srv = srv
	return srv.URL(), nil
}

// Embedded returns the embedded server's URL, or "" when none runs.
func (n *NATS) Embedded() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.srv == nil {
		return ""
	}
	return n.srv.URL()
}

// Close stops the embedded server, if one runs, and removes its temporary
// directory. Call it after every tenant of the run has ended.
func (n *NATS) Close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closed = true
	if n.srv != nil {
		n.srv.Shutdown()
		n.srv = nil
	}
	if n.tmp != "" {
		os.RemoveAll(n.tmp)
		n.tmp = ""
	}
}

// errNoNATS is Open's error for a jetstream component of a catalog built
// without a NATS side.
var errNoNATS = errors.New("BUG: the catalog was built without a NATS side (builtin.CatalogFor)")

// dial connects to url (resolved by ServerURL) for one component instance.
// The connection reconnects for ever; a first connection that fails within
// ctx is an error.
func (n *NATS) dial(ctx context.Context, url, name string) (*nats.Conn, error) {
	url, err := n.ServerURL(url)
	if err != nil {
		return nil, err
	}
	timeout := 5 * time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(d), 100*time.Millisecond)
	}
	opts := []nats.Option{
		nats.Name(name),
		nats.Timeout(timeout),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(100 * time.Millisecond),
		nats.ReconnectBufSize(64 << 20),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { n.logf("%s: %v", name, err) }),
	}
	if n.cfg.Dialer != nil {
		opts = append(opts, nats.SetCustomDialer(n.cfg.Dialer))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to NATS at %s: %w", url, err)
	}
	return nc, nil
}

func (n *NATS) logf(format string, args ...any) {
	if n.cfg.Log != nil {
		fmt.Fprintf(n.cfg.Log, "greenwave: "+format+"\n", args...)
	}
}

// jsOpen dials and returns a JetStream context on the connection.
func (n *NATS) jsOpen(ctx context.Context, url, name string, opts ...jetstream.JetStreamOpt) (*nats.Conn, jetstream.JetStream, error) {
	if n == nil {
		return nil, nil, errNoNATS
	}
	nc, err := n.dial(ctx, url, name)
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc, opts...)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, js, nil
}
