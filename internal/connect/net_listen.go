package connect

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// Options and helpers shared by the network sources (http, tcp): where
// they listen, how many connections they take, TLS, bearer tokens.

func addressOption(def string) component.Option {
	return component.Option{Name: "address", Type: component.String, Default: def,
		Doc: "host:port to listen on. The default host is the loopback interface; `0.0.0.0:port` listens on " +
			"every interface, port 0 on a free port. Bound when the tenant starts: an address in use fails that " +
			"tenant at start, and the others run. Two sources of one run on one address are an error."}
}

func maxConnectionsOption() component.Option {
	return component.Option{Name: "max_connections", Type: component.Int, Default: int64(1024), HasMin: true, Min: 1,
		Doc: "Most client connections open at once; further clients wait in the listen backlog until one closes " +
			"(counted as connection waits)."}
}

func tlsOption() component.Option {
	return component.Option{Name: "tls", Type: component.Object,
		Doc: "Serve TLS with this certificate and key (PEM files, relative to the pipeline file's directory), read when the tenant starts.",
		Options: []component.Option{
			{Name: "cert", Type: component.String, Doc: "Certificate chain file (PEM)."},
			{Name: "key", Type: component.String, Doc: "Private key file (PEM)."},
		}}
}

// netListen is what a network source reads about its listener.
type netListen struct {
	address  string
	maxConns int
	dir      string
	certFile string
	keyFile  string
}

// readNetListen reads address, max_connections and tls; problems go to r.
func readNetListen(r *component.Reader, dir string) netListen {
	l := netListen{address: r.String("address"), maxConns: int(r.Int("max_connections")), dir: dir}
	if _, _, err := net.SplitHostPort(l.address); err != nil {
		r.Fail(r.At("address"), "%q is not host:port: %w", l.address, err)
	}
	if r.Given("tls") {
		t := r.Object("tls")
		l.certFile, l.keyFile = t.String("cert"), t.String("key")
		if l.certFile == "" {
			t.Fail(t.At("cert"), "tls needs a cert file")
		}
		if l.keyFile == "" {
			t.Fail(t.At("key"), "tls needs a key file")
		}
	}
	return l
}

// listen binds the address (with TLS when configured) and bounds the
// connections it accepts.
func (l netListen) listen(ctx context.Context, waits *atomic.Uint64) (net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", l.address)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %q: %w", l.address, err)
	}
	var out net.Listener = newLimitListener(ln, l.maxConns, waits)
	if l.certFile != "" {
		cert, err := tls.LoadX509KeyPair(resolvePath(l.dir, l.certFile), resolvePath(l.dir, l.keyFile))
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("cannot load the tls certificate %q and key %q: %w", l.certFile, l.keyFile, err)
		}
		out = tls.NewListener(out, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	return out, nil
}

// listenClaim claims a source's listen address: two sources of one run on
// one address would fail at bind, so validate says so first. Port 0 (any
// free port) claims nothing.
func listenClaim(ctx *component.Context, spec *component.Spec) []component.Claim {
	r := component.NewReader(spec, ctx.Options)
	addr := r.String("address")
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "0" {
		return nil
	}
	switch strings.ToLower(host) {
	case "localhost", "127.0.0.1", "::1":
		host = "loopback"
	case "", "0.0.0.0", "::":
		host = "any"
	}
	return []component.Claim{{Kind: "listen", Key: host + ":" + port, Path: r.At("address"), Value: addr, Verb: "listened on"}}
}

// limitListener accepts at most max connections at once: Accept waits
// while max are open, and counts each such wait.
type limitListener struct {
	net.Listener
	slots chan struct{}
	waits *atomic.Uint64
	done  chan struct{}
	once  sync.Once
}

func newLimitListener(ln net.Listener, max int, waits *atomic.Uint64) *limitListener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, max), waits: waits, done: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	default:
		if l.waits != nil {
			l.waits.Add(1)
		}
		select {
		case l.slots <- struct{}{}:
		case <-l.done:
			return nil, net.ErrClosed
		}
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
}

func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// readToken reads a bearer token file: its content without surrounding
// white space, which must not be empty.
func readToken(dir, file string) ([]byte, error) {
	b, err := os.ReadFile(resolvePath(dir, file))
	if err != nil {
		return nil, fmt.Errorf("cannot read the token file %q: %w", file, err)
	}
	tok := []byte(strings.TrimSpace(string(b)))
	if len(tok) == 0 {
		return nil, fmt.Errorf("the token file %q is empty", file)
	}
	return tok, nil
}

// bearerOK reports whether an Authorization header carries the token.
func bearerOK(header string, token []byte) bool {
	const prefix = "Bearer "
	if len(header) < len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(header[len(prefix):]), token) == 1
}

// retryAfter is a Retry-After value in whole seconds for a wait of d:
// rounded up, never 0.
func retryAfter(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	return fmt.Sprint(max(s, 1))
}
