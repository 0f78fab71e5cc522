package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/greenwave/greenwave/internal/diag"
)

// Protocols a server speaks on its address.
const (
	protoHTTP = "http"
	protoTCP  = "tcp"
)

// servers holds the process's listeners by protocol and address as
// written: the tables of every sink that names an address are served by
// one server.
var servers = struct {
	sync.Mutex
	m map[string]*server
}{m: map[string]*server{}}

// server is one listener serving several tables.
type server struct {
	proto, addr string
	ln          net.Listener
	hs          *http.Server
	done        chan struct{}

	mu     sync.Mutex
	tables map[string]*Table
}

func serverKey(proto, addr string) string { return proto + " " + addr }

// attach serves t on addr, binding it the first time the address is used
// (by any table of the process). A table of the same name already served
// there is an error, and so is an address used by the other protocol.
func attach(proto, addr string, t *Table) (*server, error) {
	servers.Lock()
	defer servers.Unlock()
	other := protoTCP
	if proto == protoTCP {
		other = protoHTTP
	}
	if _, ok := servers.m[serverKey(other, addr)]; ok && !strings.HasSuffix(addr, ":0") {
		return nil, fmt.Errorf("address %q already serves the %s protocol", addr, other)
	}
	s := servers.m[serverKey(proto, addr)]
	if s == nil {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("cannot listen on %q: %w", addr, err)
		}
		s = &server{proto: proto, addr: addr, ln: ln, tables: map[string]*Table{}, done: make(chan struct{})}
		if proto == protoHTTP {
			s.hs = &http.Server{Handler: s.handler(), ReadHeaderTimeout: 10 * time.Second}
			go func() {
				defer close(s.done)
				_ = s.hs.Serve(ln)
			}()
		} else {
			go func() {
				defer close(s.done)
				s.acceptTCP()
			}()
		}
		servers.m[serverKey(proto, addr)] = s
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.tables[t.cfg.Name]; dup {
		return nil, fmt.Errorf("table %q is already served at %q", t.cfg.Name, addr)
	}
	s.tables[t.cfg.Name] = t
	return s, nil
}

// detach stops serving t; the last table's detach closes the listener.
func (s *server) detach(t *Table) {
	servers.Lock()
	s.mu.Lock()
	if s.tables[t.cfg.Name] == t {
		delete(s.tables, t.cfg.Name)
	}
	empty := len(s.tables) == 0
	s.mu.Unlock()
	if empty {
		delete(servers.m, serverKey(s.proto, s.addr))
	}
	servers.Unlock()
	if !empty {
		return
	}
	if s.hs != nil {
		// Shutdown lets the handlers of ended streams finish their
		// responses (an SSE stream's last chunk) before it closes.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if s.hs.Shutdown(ctx) != nil {
			_ = s.hs.Close()
		}
		cancel()
	} else {
		_ = s.ln.Close()
	}
	<-s.done
}

// Addr returns the address the server listens on (the port chosen when
// the address asked for port 0).
func (s *server) Addr() string { return s.ln.Addr().String() }

// table returns the named table, or an error naming the tables served.
func (s *server) table(name string) (*Table, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tables[name]; t != nil {
		return t, nil
	}
	names := make([]string, 0, len(s.tables))
	for n := range s.tables {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, &unknownTable{name: name, have: names}
}

func (s *server) list() []*Table {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Table, 0, len(s.tables))
	for _, t := range s.tables {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].cfg.Name < out[j].cfg.Name })
	return out
}

// unknownTable is the error for a table the server does not serve.
type unknownTable struct {
	name string
	have []string
}

func (e *unknownTable) Error() string {
	msg := fmt.Sprintf("unknown table %q", e.name)
	if sug := diag.Suggest(e.name, e.have); sug != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", sug)
	}
	if len(e.have) == 0 {
		return msg + "; no table is served here"
	}
	return msg + "; tables: " + strings.Join(e.have, ", ")
}

// ErrUnknownTable is matched (errors.Is) by the error for a table name
// that is not served.
var ErrUnknownTable = errors.New("unknown table")

func (e *unknownTable) Is(target error) bool { return target == ErrUnknownTable }

// Lookup returns the table named name served at addr (as its sink wrote
// the address), or nil. Tests and tools use it to reach a running table
// and its Stats.
func Lookup(addr, name string) *Table {
	servers.Lock()
	s := servers.m[serverKey(protoHTTP, addr)]
	servers.Unlock()
	if s == nil {
		return nil
	}
	t, _ := s.table(name)
	return t
}

// HTTPAddr returns the address the table's HTTP server listens on, or ""
// before Serve.
func (t *Table) HTTPAddr() string {
	if t.srv.http == nil {
		return ""
	}
	return t.srv.http.Addr()
}

// TCPAddr returns the address of the table's TCP line protocol, or "".
func (t *Table) TCPAddr() string {
	if t.srv.tcp == nil {
		return ""
	}
	return t.srv.tcp.Addr()
}

// Serve starts serving the table over HTTP at httpAddr and, when tcpAddr
// is not empty, over the TCP line protocol at tcpAddr. Addresses are
// shared with the other tables of the process that name them.
func (t *Table) Serve(httpAddr, tcpAddr string) error {
	s, err := attach(protoHTTP, httpAddr, t)
	if err != nil {
		return err
	}
	t.srv.http = s
	if tcpAddr != "" {
		if t.srv.tcp, err = attach(protoTCP, tcpAddr, t); err != nil {
			s.detach(t)
			t.srv.http = nil
			return err
		}
	}
	return nil
}

// Stop closes the table's subscriptions (as Close does) and stops serving
// it; an address no other table uses is released.
func (t *Table) Stop(timeout time.Duration) bool {
	clean := t.Close(timeout)
	if t.srv.http != nil {
		t.srv.http.detach(t)
	}
	if t.srv.tcp != nil {
		t.srv.tcp.detach(t)
	}
	return clean
}
