package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/greenwave/greenwave/internal/metrics"
)

// Source is where a doctor reads: snapshots from one metrics.Reader (so
// that each has interval figures since the previous), and windows of the
// Go mutex profile.
type Source interface {
	Snapshot(ctx context.Context) (metrics.Snapshot, error)
	Contention(ctx context.Context, d time.Duration) (metrics.Contention, error)
}

// Local reads an engine in this process.
type Local struct{ Reader *metrics.Reader }

// NewLocal returns a Source over src, reading precise latencies.
func NewLocal(src metrics.Source) *Local {
	r := metrics.NewReader(src)
	r.SetPrecise(true)
	return &Local{Reader: r}
}

// Snapshot implements Source.
func (l *Local) Snapshot(context.Context) (metrics.Snapshot, error) { return l.Reader.Read(), nil }

// Contention implements Source.
func (l *Local) Contention(ctx context.Context, d time.Duration) (metrics.Contention, error) {
	return metrics.MeasureContention(ctx, d), nil
}

// Remote reads a greenwave's admin server.
type Remote struct {
	// Base is the server's URL ("http://127.0.0.1:9090").
	Base   string
	Token  string
	Client *http.Client
	// Reader names this client to the server, so that its interval figures
	// are its own.
	Reader string
}

// NewRemote returns a Source reading the admin server at addr (host:port
// or a URL) with an optional bearer token.
func NewRemote(addr, token string) *Remote {
	base := addr
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	return &Remote{Base: strings.TrimRight(base, "/"), Token: token, Client: &http.Client{Timeout: 70 * time.Second},
		Reader: fmt.Sprintf("doctor-%d-%d", os.Getpid(), time.Now().UnixNano())}
}

// Get fetches path from the server into v (JSON).
func (r *Remote) Get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.Base+path, nil)
	if err != nil {
		return err
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	resp, err := r.Client.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the admin server at %q: %w", r.Base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("admin server %q: %s: %s", r.Base+path, resp.Status, strings.TrimSpace(string(b)))
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// Snapshot implements Source.
func (r *Remote) Snapshot(ctx context.Context) (metrics.Snapshot, error) {
	var s metrics.Snapshot
	err := r.Get(ctx, "/api/metrics?precise=1&reader="+url.QueryEscape(r.Reader), &s)
	return s, err
}

// Contention implements Source.
func (r *Remote) Contention(ctx context.Context, d time.Duration) (metrics.Contention, error) {
	var c metrics.Contention
	err := r.Get(ctx, fmt.Sprintf("/api/contention?seconds=%g", d.Seconds()), &c)
	return c, err
}

// Options tune Watch.
type Options struct {
	// For is how long to watch; Every how often to read (0: 1 s).
	For, Every time.Duration
	// Named is called the first time each finding (trap, tenant,
	// component) shows, with the time since the watch began.
	Named func(f Finding, after time.Duration)
	// Until stops the watch early when it returns true for the findings
	// so far.
	Until func(seen []Finding) bool
}

// contentionWindow is how long each mutex-profile window lasts.
const contentionWindow = 2 * time.Second

// Watch reads src for o.For and returns every finding seen meanwhile
// (each with its latest figures), in the order first seen.
func Watch(ctx context.Context, src Source, o Options) ([]Finding, error) {
	if o.Every <= 0 {
		o.Every = time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, o.For)
	start := time.Now()
	var d Doctor
	var mu sync.Mutex
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			c, err := src.Contention(ctx, contentionWindow)
			if err != nil || ctx.Err() != nil {
				return
			}
			mu.Lock()
			d.AddContention(c)
			mu.Unlock()
		}
	}()
	defer func() {
		cancel()
		wg.Wait()
	}()
	var order []string
	seen := map[string]Finding{}
	tick := time.NewTicker(o.Every)
	defer tick.Stop()
	for {
		s, err := src.Snapshot(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return nil, err
		}
		mu.Lock()
		d.Add(s)
		fs := d.Findings()
		mu.Unlock()
		for _, f := range fs {
			k := f.Trap + "\x00" + f.Tenant + "\x00" + f.Component
			if _, ok := seen[k]; !ok {
				order = append(order, k)
				if o.Named != nil {
					o.Named(f, time.Since(start))
				}
			}
			seen[k] = f
		}
		out := make([]Finding, 0, len(order))
		for _, k := range order {
			out = append(out, seen[k])
		}
		if o.Until != nil && o.Until(out) {
			return out, nil
		}
		select {
		case <-ctx.Done():
			return out, nil
		case <-tick.C:
		}
	}
	out := make([]Finding, 0, len(order))
	for _, k := range order {
		out = append(out, seen[k])
	}
	return out, nil
}
