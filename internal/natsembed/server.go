package natsembed

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Config describes one server, or one node of a local cluster.
type Config struct {
	// StoreDir holds the server's JetStream files (required).
	StoreDir string
	// Port is the client port on 127.0.0.1; 0 picks a free one.
	Port int
	// Name is the server's name (a cluster needs distinct names); empty:
	// "greenwave".
	Name string
	// Cluster joins the server to a cluster: its name, this node's route
	// port and the route addresses ("127.0.0.1:6222") of every node, this
	// one included. Empty Cluster: a standalone server.
	Cluster     string
	ClusterPort int
	Routes      []string
	// Log receives the server's warnings and errors (nil: discarded).
	Log io.Writer
	// ReadyTimeout bounds the wait for the server to accept clients (0:
	// 10 s).
	ReadyTimeout time.Duration
}

// Server is a running NATS server with JetStream.
type Server struct {
	cfg  Config
	srv  *server.Server
	once sync.Once
}

// Start starts a server and waits until it accepts clients. A cluster
// node's JetStream is usable once a majority of the nodes run (see
// Cluster.WaitReady).
func Start(cfg Config) (*Server, error) {
	if cfg.StoreDir == "" {
		return nil, errors.New("natsembed: no store directory")
	}
	if cfg.Name == "" {
		cfg.Name = "greenwave"
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = 10 * time.Second
	}
	port := cfg.Port
	if port == 0 {
		port = -1 // the server picks a free port
	}
	opts := &server.Options{
		ServerName:             cfg.Name,
		Host:                   "127.0.0.1",
		Port:                   port,
		JetStream:              true,
		StoreDir:               cfg.StoreDir,
		SyncAlways:             true,
		NoSigs:                 true,
		NoLog:                  cfg.Log == nil,
		DisableJetStreamBanner: true,
		// Messages of up to 8 MiB: a batch of events per message.
		MaxPayload: 8 << 20,
		MaxPending: 64 << 20,
	}
	if cfg.Cluster != "" {
		opts.Cluster = server.ClusterOpts{Name: cfg.Cluster, Host: "127.0.0.1", Port: cfg.ClusterPort}
		for _, r := range cfg.Routes {
			u, err := url.Parse("nats-route://" + r)
			if err != nil {
				return nil, fmt.Errorf("natsembed: route %q: %w", r, err)
			}
			opts.Routes = append(opts.Routes, u)
		}
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("cannot start the NATS server: %w", err)
	}
	if cfg.Log != nil {
		srv.SetLogger(&logger{w: cfg.Log, name: cfg.Name}, false, false)
	}
	go srv.Start()
	if !srv.ReadyForConnections(cfg.ReadyTimeout) {
		srv.Shutdown()
		return nil, fmt.Errorf("the NATS server %q did not accept clients within %v", cfg.Name, cfg.ReadyTimeout)
	}
	cfg.Port = srv.Addr().(*net.TCPAddr).Port
	return &Server{cfg: cfg, srv: srv}, nil
}

// URL is the server's client URL, nats://127.0.0.1:port.
func (s *Server) URL() string { return "nats://127.0.0.1:" + strconv.Itoa(s.cfg.Port) }

// Name is the server's name.
func (s *Server) Name() string { return s.cfg.Name }

// Config returns the configuration the server runs with (its port filled
// in), with which Start starts it again on the same port and files.
func (s *Server) Config() Config { return s.cfg }

// Shutdown stops the server, closing its clients' connections, and waits
// until it has stopped. It is idempotent.
func (s *Server) Shutdown() {
	s.once.Do(func() {
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
	})
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// nodeDir is the store directory of cluster node name under dir.
func nodeDir(dir, name string) string { return filepath.Join(dir, name) }

// logger passes the server's warnings and errors on, one line each.
type logger struct {
	mu   sync.Mutex
	w    io.Writer
	name string
}

func (l *logger) printf(level, format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "nats %s: %s: %s\n", l.name, level, fmt.Sprintf(format, v...))
}

func (l *logger) Noticef(string, ...any) {}
func (l *logger) Warnf(format string, v ...any) {
	l.printf("warning", format, v...)
}
func (l *logger) Fatalf(format string, v ...any) { l.printf("fatal", format, v...) }
func (l *logger) Errorf(format string, v ...any) { l.printf("error", format, v...) }
func (l *logger) Debugf(string, ...any)          {}
func (l *logger) Tracef(string, ...any)          {}
