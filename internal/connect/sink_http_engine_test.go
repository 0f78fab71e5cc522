package connect_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/spec"
)

// runHTTPPipeline runs one pipeline file on an engine until it finishes.
func runHTTPPipeline(t *testing.T, yaml string) *engine.Tenant {
	t.Helper()
	p, err := spec.Parse("hook.yaml", []byte(yaml), builtin.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	p.Dir = t.TempDir()
	e, err := engine.New(engine.Config{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pl, err := e.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := e.Run(pl)
	if err != nil {
		t.Fatal(err)
	}
	e.Start()
	select {
	case <-tn.Done():
	case <-time.After(30 * time.Second):
		t.Fatalf("tenant did not finish: %+v", tn.Stats())
	}
	return tn
}

// TestHTTPSinkInAPipeline: every event of a finite tenant reaches the
// server, paced, and the tenant finishes once all are acknowledged.
func TestHTTPSinkInAPipeline(t *testing.T) {
	var lines, requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		sc := bufio.NewScanner(r.Body)
		for sc.Scan() {
			lines.Add(1)
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	tn := runHTTPPipeline(t, fmt.Sprintf(`tenant: hook
sources:
  nums: {type: generate, profile: sequence, count: 20000}
sinks:
  out:
    type: http
    inputs: [nums]
    url: %s/in
    batch: {max_events: 100}
    max_pending: 1000
    dispatch: {mode: paced, rate: 2000, period: 5ms, max_in_flight: 16}
`, srv.URL))
	if err := tn.Err(); err != nil {
		t.Fatal(err)
	}
	if got := lines.Load(); got != 20000 {
		t.Fatalf("server received %d events, want 20000", got)
	}
	if got := requests.Load(); got < 200 {
		t.Fatalf("%d requests, want at least 200 batches of at most 100", got)
	}
	for _, a := range tn.Stats().Actors {
		if a.Name == "out" && (a.Acked != 20000 || a.InFlight != 0) {
			t.Fatalf("sink acked %d, in flight %d", a.Acked, a.InFlight)
		}
	}
}

// TestHTTPSinkFailureStopsTheTenant: with on_error fail, a batch the
// server refuses stops the tenant with the sink's name, the batch and the
// answer.
func TestHTTPSinkFailureStopsTheTenant(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	tn := runHTTPPipeline(t, fmt.Sprintf(`sources:
  nums: {type: generate, profile: sequence, count: 1000}
sinks:
  out: {type: http, inputs: [nums], url: %s}
`, srv.URL))
	err := tn.Err()
	if err == nil || !strings.Contains(err.Error(), `sink "out"`) || !strings.Contains(err.Error(), "final answer after 1 attempt: 401 Unauthorized") {
		t.Fatalf("error %v", err)
	}
}
