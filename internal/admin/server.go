package admin

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greenwave/greenwave/internal/metrics"
)

// Config configures a Server.
type Config struct {
	// Addr is host:port to listen on; a bare ":port" listens on 127.0.0.1
	// only. Port 0 picks a free port (see Server.Addr).
	Addr string
	// TokenFile, when set, holds the bearer token every request but
	// /healthz and /readyz must carry.
	TokenFile string
	// History is how many one-second samples the console and doctor can
	// look back on (0: 300, five minutes).
	History int
}

// Server is the admin server of one run. Start it with Start; Close stops
// it. Safe for concurrent use.
type Server struct {
	cfg     Config
	fleet   *Fleet
	token   []byte
	ln      net.Listener
	srv     *http.Server
	ready   atomic.Bool
	history *history
	json    scrapers
	prom    scrapers
	wg      sync.WaitGroup
	stop    chan struct{}
}

// New returns a server over the fleet's tenants. It reads the token file
// now, so a missing or empty one is an error before anything listens.
func New(cfg Config, f *Fleet) (*Server, error) {
	s := &Server{cfg: cfg, fleet: f, stop: make(chan struct{})}
	if cfg.TokenFile != "" {
		b, err := os.ReadFile(cfg.TokenFile)
		if err != nil {
			return nil, fmt.Errorf("cannot read token file %q: %w", cfg.TokenFile, errors.Unwrap(err))
		}
		tok := strings.TrimSpace(string(b))
		if tok == "" {
			return nil, fmt.Errorf("token file %q is empty", cfg.TokenFile)
		}
		s.token = []byte(tok)
	}
	if s.cfg.History <= 0 {
		s.cfg.History = 300
	}
	s.history = newHistory(f, s.cfg.History)
	s.json.src = f
	s.prom.src, s.prom.reuse = f, true
	return s, nil
}

// ListenAddr turns a user's --http value into the address to listen on:
// a bare port or ":port" means 127.0.0.1.
func ListenAddr(addr string) string {
	if !strings.Contains(addr, ":") {
		return "127.0.0.1:" + addr
	}
	if strings.HasPrefix(addr, ":") {
		return "127.0.0.1" + addr
	}
	return addr
}

// Start listens and serves in the background, and starts sampling the
// metrics once a second for the console and doctor.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", ListenAddr(s.cfg.Addr))
	if err != nil {
		return fmt.Errorf("admin server: cannot listen on %q: %w", s.cfg.Addr, err)
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		_ = s.srv.Serve(ln)
	}()
	go func() {
		defer s.wg.Done()
		s.history.run(s.stop)
	}()
	return nil
}

// Addr is the address the server listens on (after Start).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// SetReady marks the run as started: /readyz answers 200 from now on.
func (s *Server) SetReady() { s.ready.Store(true) }

// Close stops listening, ends open streams within a second, and waits for
// the sampler.
func (s *Server) Close() error {
	select {
	case <-s.stop:
		return nil
	default:
	}
	close(s.stop)
	var err error
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err = s.srv.Shutdown(ctx); err != nil {
			err = s.srv.Close()
		}
	}
	s.wg.Wait()
	return err
}

// Handler returns the server's routes (also for tests with httptest).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !s.ready.Load() {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", s.prom.handler())
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /api/tenants", s.listTenants)
	mux.HandleFunc("GET /api/tenants/{id}", s.getTenant)
	mux.HandleFunc("PUT /api/tenants/{id}", s.putTenant)
	mux.HandleFunc("DELETE /api/tenants/{id}", s.deleteTenant)
	mux.HandleFunc("GET /api/tenants/{id}/history", s.tenantHistory)
	mux.HandleFunc("GET /api/metrics", s.getMetrics)
	mux.HandleFunc("GET /api/history", s.getHistory)
	mux.HandleFunc("GET /api/tap/{tenant}/{component}", s.tap)
	mux.HandleFunc("GET /api/contention", s.contention)
	mux.Handle("GET /", consoleHandler())
	return s.auth(mux)
}

// auth requires the bearer token, when there is one, on everything but
// the health checks and the console's own files, which hold no figures:
// the console asks for the token and sends it with its API requests.
func (s *Server) auth(next http.Handler) http.Handler {
	if s.token == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || isConsoleFile(r) {
			next.ServeHTTP(w, r)
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			// The console's own requests carry it as a cookie or query.
			if c, err := r.Cookie("greenwave_token"); err == nil {
				got, ok = c.Value, true
			} else if q := r.URL.Query().Get("token"); q != "" {
				got, ok = q, true
				http.SetCookie(w, &http.Cookie{Name: "greenwave_token", Value: q, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			}
		}
		if !ok || subtle.ConstantTimeCompare([]byte(got), s.token) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="greenwave"`)
			http.Error(w, "missing or wrong bearer token", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Snapshot reads the metrics now with a reader of its own (for tests and
// in-process users).
func (s *Server) Snapshot() metrics.Snapshot { return metrics.NewReader(s.fleet).Read() }
