package admin_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/admin"
	"github.com/greenwave/greenwave/internal/bench"
	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/engine"
)

// scrapeTenants starts n idle tenants of five edges and four actors each
// (bench.IdleTenant).
func scrapeTenants(t testing.TB, n int) (*admin.Server, func()) {
	e, err := engine.New(engine.Config{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	f := admin.NewFleet(e, builtin.Catalog(), t.TempDir())
	for i := range n {
		id := fmt.Sprintf("t%d", i)
		if _, err := f.Apply(id, []byte(bench.IdleTenant(id))); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := admin.New(admin.Config{}, f)
	if err != nil {
		t.Fatal(err)
	}
	return srv, func() { _ = srv.Close(); e.Stop(30 * time.Second); e.Close() }
}

// BenchmarkScrape10kEdges measures one /metrics scrape of 2,000 tenants
// with 10,000 edges into an httptest recorder (go test -run x -bench Scrape ./internal/admin).
func BenchmarkScrape10kEdges(b *testing.B) {
	srv, stop := scrapeTenants(b, 2000)
	defer stop()
	h := srv.Handler()
	b.ResetTimer()
	defer reportCPU(b)()
	for range b.N {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
		b.SetBytes(int64(w.Body.Len()))
		_, _ = io.Copy(io.Discard, w.Body)
	}
}

// BenchmarkScrape10kEdgesHTTP is BenchmarkScrape10kEdges over a loopback
// connection, as a scraper sees it: the text streams to the socket instead
// of growing a recorder's buffer, plain (identity) or gzip'd as Prometheus
// asks for it (gzip; the client decompresses as it reads) (go test -run x
// -bench Scrape ./internal/admin).
func BenchmarkScrape10kEdgesHTTP(b *testing.B) {
	srv, stop := scrapeTenants(b, 2000)
	defer stop()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	for _, enc := range []string{"identity", "gzip"} {
		b.Run(enc, func(b *testing.B) {
			c := &http.Client{Transport: &http.Transport{DisableCompression: enc == "identity"}}
			defer c.CloseIdleConnections()
			defer reportCPU(b)()
			for range b.N {
				resp, err := c.Get(ts.URL + "/metrics")
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || resp.Uncompressed != (enc == "gzip") {
					b.Fatal(resp.StatusCode, resp.Uncompressed, err)
				}
				b.SetBytes(n)
			}
		})
	}
}

// reportCPU reports the process's CPU time (user and system, of every
// goroutine: the scrape's, the client's, the idle engine's and the
// collector's) per scrape as cpu-ms/op when the returned function is
// called: unlike the wall time, it does not grow while other processes
// hold the cores.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() { b.ReportMetric(float64(cpuTime()-start)/1e6/float64(b.N), "cpu-ms/op") }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
