package cli

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/connect"
	"github.com/greenwave/greenwave/internal/dispatch"
	"github.com/greenwave/greenwave/internal/engine"
)

// TestWriteReportHTTPSink: run --edges prints an http sink's figures and its
// paced dispatcher's, verdict included.
func TestWriteReportHTTPSink(t *testing.T) {
	var b bytes.Buffer
	writeReport(&b, engine.Report{Name: "hook", Value: connect.HTTPSinkStats{
		Batches: 10, Events: 500, Delivered: 450, Attempts: 12, Retries: 2, OK: 9, Status429: 2,
		Dispatch: dispatch.Stats{Mode: dispatch.Paced, Period: 10 * time.Millisecond, Factor: 1.5, Rate: 400,
			Compensate: true, Limit: 9, MaxInFlight: 32, FlowRatio: 1.02, EffectiveRate: 380, InputRate: 390,
			Wakes: 1000, GapMean: 11 * time.Millisecond, GapP99: 14 * time.Millisecond,
			LatenessMean: time.Millisecond, LatenessP99: 4 * time.Millisecond,
			Verdict: dispatch.Verdict{Checked: true, Bounded: false, InputRate: 390, Growth: 12, Capacity: 370}},
	}})
	out := b.String()
	for _, want := range []string{
		"http hook", "batches 10 (500 events)", "delivered 450", "retries 2", "429 2",
		"dispatch hook", "paced every 10ms, factor 1.5, rate 400/s, compensated; level 9 of 32", "flow 1.02",
		"wake-ups 1000: period mean 11ms p99 14ms, lateness mean 1ms p99 4ms",
		"sim: NOT bounded (queue +12/s) at 390/s, capacity 370/s",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// TestReceive: the receive command counts the events of the requests it
// gets and answers 429 beyond its capacity.
func TestReceive(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	done := make(chan string)
	go func() {
		_, out, _ := runMain("receive", "--addr", addr, "--capacity", "2", "--for", "1500ms")
		done <- out
	}()
	var codes []int
	for deadline := time.Now().Add(time.Second); len(codes) < 3 && time.Now().Before(deadline); {
		resp, err := http.Post("http://"+addr+"/", "application/x-ndjson", strings.NewReader("{\"a\":1}\n{\"a\":2}\n"))
		if err != nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
	}
	out := <-done
	accepted := 0
	for _, c := range codes {
		if c == http.StatusAccepted {
			accepted++
		}
	}
	if len(codes) != 3 || accepted < 1 || accepted > 2+1 {
		t.Fatalf("answers %v, want 202s up to the capacity (2 a second), then 429", codes)
	}
	if !strings.Contains(out, fmt.Sprintf("total: requests %d, events %d", accepted, 2*accepted)) {
		t.Fatalf("output %q", out)
	}
}

// TestSummaryNamesDeadLetters: when an http sink gives up on batches, the
// tenant's summary line says so and how many events went to dead letters.
func TestSummaryNamesDeadLetters(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "broken", http.StatusBadRequest) // final: no retry
	}))
	defer srv.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "hook.yaml")
	text := fmt.Sprintf(`tenant: hook
sources:
  gen: {type: generate, profile: sequence, count: 30, rate: 0}
sinks:
  out:
    type: http
    inputs: [gen]
    url: %s
    batch: {max_events: 10}
    on_error: dead_letter
    dead_letter: {path: dead.jsonl}
`, srv.URL)
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runMain("run", "--status", "off", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "sinks: out gave up on 3 batches (30 events dead-lettered)") {
		t.Fatalf("summary does not name the dead letters:\n%s", errs)
	}
	b, err := os.ReadFile(filepath.Join(dir, "dead.jsonl"))
	if err != nil || strings.Count(string(b), "\n") != 30 {
		t.Fatalf("dead letters file: %d lines, %v", strings.Count(string(b), "\n"), err)
	}
}
