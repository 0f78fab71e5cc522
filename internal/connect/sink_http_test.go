package connect

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/dispatch"
	"github.com/greenwave/greenwave/internal/event"
)

// hsReceived is one request a test server received.
type hsReceived struct {
	key, contentType, auth string
	body                   string
	at                     time.Time
	answered               int
}

// hsServer is a test endpoint: answer decides each request's fate by its
// number (from 0); it records every request and the most in flight.
type hsServer struct {
	*httptest.Server
	mu       sync.Mutex
	got      []hsReceived
	inflight atomic.Int64
	most     atomic.Int64
}

func newHSServer(t *testing.T, tlsOn bool, answer func(n int, w http.ResponseWriter, r *http.Request) int) *hsServer {
	t.Helper()
	s := &hsServer{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := s.inflight.Add(1); n > s.most.Load() {
			s.most.Store(n)
		}
		defer s.inflight.Add(-1)
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := len(s.got)
		s.got = append(s.got, hsReceived{key: r.Header.Get("Idempotency-Key"), contentType: r.Header.Get("Content-Type"),
			auth: r.Header.Get("Authorization"), body: string(body), at: time.Now()})
		s.mu.Unlock()
		code := answer(n, w, r)
		s.mu.Lock()
		s.got[n].answered = code
		s.mu.Unlock()
	})
	if tlsOn {
		s.Server = httptest.NewTLSServer(h)
	} else {
		s.Server = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

func (s *hsServer) received() []hsReceived {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]hsReceived(nil), s.got...)
}

func ok200(_ int, w http.ResponseWriter, _ *http.Request) int {
	w.WriteHeader(http.StatusOK)
	return 200
}

// hsAcks collects a sink's acknowledgements.
type hsAcks struct {
	mu   sync.Mutex
	n    int
	errs []error
	ch   chan struct{}
}

func (a *hsAcks) ack(n int, err error) {
	a.mu.Lock()
	a.n += n
	if err != nil {
		a.errs = append(a.errs, err)
	}
	a.mu.Unlock()
	select {
	case a.ch <- struct{}{}:
	default:
	}
}

// wait waits until n events are acknowledged.
func (a *hsAcks) wait(t *testing.T, n int) []error {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		a.mu.Lock()
		got, errs := a.n, append([]error(nil), a.errs...)
		a.mu.Unlock()
		if got >= n {
			if got > n {
				t.Fatalf("acknowledged %d events, want %d", got, n)
			}
			return errs
		}
		select {
		case <-a.ch:
		case <-deadline:
			t.Fatalf("acknowledged %d of %d events within 20s", got, n)
		}
	}
}

// openHTTPSink builds and opens an http sink with opts; it is closed at the
// test's end.
func openHTTPSink(t *testing.T, opts map[string]any) (*httpSink, *hsAcks, []event.Event, string) {
	t.Helper()
	ctx, _ := newCtx(t, "hook", opts)
	s, events := playEvents(t, ctx.Registry)
	ctx.Inputs = []*event.Schema{s}
	acks := &hsAcks{ch: make(chan struct{}, 1)}
	ctx.Ack = acks.ack
	ctx.CloseTimeout = 5 * time.Second
	ctx.Now = time.Now
	inst := mustNew(t, httpSinkSpec(), ctx)
	sink := inst.Operator.(*httpSink)
	var _ component.Async = sink
	var _ component.Ticker = sink
	if err := sink.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	return sink, acks, events[:2], ctx.Dir
}

func process(t *testing.T, s *httpSink, events []event.Event) {
	t.Helper()
	if err := s.Process(0, events, nil); err != nil {
		t.Fatal(err)
	}
}

func TestHTTPSinkBatchesByEventsAndBytes(t *testing.T) {
	srv := newHSServer(t, false, ok200)
	sink, acks, events, _ := openHTTPSink(t, map[string]any{"url": srv.URL + "/in", "batch": map[string]any{"max_events": int64(2)}})
	process(t, sink, []event.Event{events[0], events[1], events[0]})
	if err := sink.Flush(nil); err != nil {
		t.Fatal(err)
	}
	if errs := acks.wait(t, 3); len(errs) > 0 {
		t.Fatal(errs)
	}
	got := srv.received()
	if len(got) != 2 {
		t.Fatalf("%d requests, want 2", len(got))
	}
	bodies := map[string]bool{got[0].body: true, got[1].body: true}
	if !bodies[line0+line1] || !bodies[line0] {
		t.Fatalf("bodies %q, want the first two lines then the third", []string{got[0].body, got[1].body})
	}
	if got[0].contentType != "application/x-ndjson" || got[0].key == "" || got[0].key == got[1].key {
		t.Fatalf("content type %q, keys %q %q", got[0].contentType, got[0].key, got[1].key)
	}

	// A byte bound that one event fits and two do not.
	srv2 := newHSServer(t, false, ok200)
	sink, acks, events, _ = openHTTPSink(t, map[string]any{"url": srv2.URL, "format": "json_array",
		"batch": map[string]any{"max_bytes": int64(len(line0) + 10)}})
	process(t, sink, events)
	sink.Flush(nil)
	acks.wait(t, 2)
	got = srv2.received()
	if len(got) != 2 {
		t.Fatalf("%d requests under max_bytes, want one per event", len(got))
	}
	for _, r := range got {
		var arr []map[string]any
		if err := json.Unmarshal([]byte(r.body), &arr); err != nil || len(arr) != 1 || r.contentType != "application/json" {
			t.Fatalf("json_array body %q (%s): %v", r.body, r.contentType, err)
		}
	}
}

func TestHTTPSinkJSONArrayBody(t *testing.T) {
	srv := newHSServer(t, false, ok200)
	sink, acks, events, _ := openHTTPSink(t, map[string]any{"url": srv.URL, "format": "json_array"})
	process(t, sink, events)
	sink.Flush(nil)
	acks.wait(t, 2)
	want := "[" + strings.TrimSuffix(line0, "\n") + "," + strings.TrimSuffix(line1, "\n") + "]"
	if got := srv.received(); len(got) != 1 || got[0].body != want {
		t.Fatalf("requests %+v, want one with body %q", got, want)
	}
}

// TestHTTPSinkMaxWait: a batch that does not fill goes out once its first
// event has waited max_wait, at a Tick.
func TestHTTPSinkMaxWait(t *testing.T) {
	srv := newHSServer(t, false, ok200)
	sink, acks, events, _ := openHTTPSink(t, map[string]any{"url": srv.URL, "batch": map[string]any{"max_wait": 200 * time.Millisecond}})
	if sink.TickEvery() != 50*time.Millisecond {
		t.Fatalf("TickEvery %v, want a quarter of max_wait", sink.TickEvery())
	}
	start := time.Now()
	process(t, sink, events[:1])
	sink.Tick(start.Add(100*time.Millisecond), nil)
	if sink.cur == nil {
		t.Fatal("sealed before max_wait")
	}
	sink.Tick(start.Add(250*time.Millisecond), nil)
	acks.wait(t, 1)
	if len(srv.received()) != 1 {
		t.Fatal("no request after max_wait")
	}
}

// TestHTTPSinkRetries: each failure a server can answer with is retried
// until a 2xx, with the same Idempotency-Key on every attempt, and the
// batch is acknowledged once.
func TestHTTPSinkRetries(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fail    func(w http.ResponseWriter, r *http.Request) int
		minWait time.Duration // between the failed attempt and the retry
	}{
		{"429 with Retry-After", func(w http.ResponseWriter, _ *http.Request) int {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
			return 429
		}, time.Second},
		{"429 without Retry-After", func(w http.ResponseWriter, _ *http.Request) int { w.WriteHeader(429); return 429 }, 5 * time.Millisecond},
		{"503", func(w http.ResponseWriter, _ *http.Request) int { w.WriteHeader(503); return 503 }, 5 * time.Millisecond},
		{"500", func(w http.ResponseWriter, _ *http.Request) int { w.WriteHeader(500); return 500 }, 5 * time.Millisecond},
		{"timeout", func(w http.ResponseWriter, r *http.Request) int {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
			return -1
		}, 0},
		{"closed connection", func(w http.ResponseWriter, _ *http.Request) int {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return -1
		}, 5 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newHSServer(t, false, func(n int, w http.ResponseWriter, r *http.Request) int {
				if n < 2 {
					return tc.fail(w, r)
				}
				return ok200(n, w, r)
			})
			sink, acks, events, _ := openHTTPSink(t, map[string]any{"url": srv.URL, "timeout": 100 * time.Millisecond,
				"retry": map[string]any{"initial_backoff": 10 * time.Millisecond, "max_backoff": 20 * time.Millisecond}})
			process(t, sink, events)
			sink.Flush(nil)
			if errs := acks.wait(t, 2); len(errs) > 0 {
				t.Fatal(errs)
			}
			got := srv.received()
			if len(got) != 3 {
				t.Fatalf("%d attempts, want 3 (two failures, one success)", len(got))
			}
			for _, r := range got {
				if r.key != got[0].key || r.body != line0+line1 {
					t.Fatalf("attempt with key %q body %q; want key %q and the same body", r.key, r.body, got[0].key)
				}
			}
			if d := got[1].at.Sub(got[0].at); d < tc.minWait {
				t.Fatalf("retried after %v, want at least %v", d, tc.minWait)
			}
			st := sink.Report().(HTTPSinkStats)
			if st.Attempts != 3 || st.Retries != 2 || st.Delivered != 2 || st.OK != 1 {
				t.Fatalf("stats %+v", st)
			}
			if tc.name == "timeout" && st.Timeouts != 2 || tc.name == "closed connection" && st.Closed != 2 {
				t.Fatalf("failures not counted as %s: %+v", tc.name, st)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true},
		{"0", 0, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"-1", 0, false}, {"soon", 0, false}, {"", 0, false},
	} {
		got, ok := parseRetryAfter(tc.v, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Retry-After %q: %v %v, want %v %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
}

// TestHTTPSinkRetryAfterIsCapped: a Retry-After beyond max_retry_after
// waits max_retry_after.
func TestHTTPSinkRetryAfterIsCapped(t *testing.T) {
	srv := newHSServer(t, false, func(n int, w http.ResponseWriter, r *http.Request) int {
		if n == 0 {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(503)
			return 503
		}
		return ok200(n, w, r)
	})
	sink, acks, events, _ := openHTTPSink(t, map[string]any{"url": srv.URL, "retry": map[string]any{"max_retry_after": 50 * time.Millisecond}})
	process(t, sink, events)
	sink.Flush(nil)
	acks.wait(t, 2)
	got := srv.received()
	if d := got[1].at.Sub(got[0].at); d < 50*time.Millisecond || d > 2*time.Second {
		t.Fatalf("retried after %v, want max_retry_after (50ms)", d)
	}
}

// TestHTTPSinkGivesUp: after the last retry, on_error fail fails the
// tenant naming the batch and its last answer; a 4xx is final at once.
func TestHTTPSinkGivesUp(t *testing.T) {
	for _, tc := range []struct {
		status   int
		attempts int
		want     string
	}{
		{503, 3, "gave up after 3 attempts: 503 Service Unavailable"},
		{400, 1, "final answer after 1 attempt: 400 Bad Request"},
	} {
		srv := newHSServer(t, false, func(_ int, w http.ResponseWriter, _ *http.Request) int { w.WriteHeader(tc.status); return tc.status })
		sink, acks, events, _ := openHTTPSink(t, map[string]any{"url": srv.URL,
			"retry": map[string]any{"max_retries": int64(2), "initial_backoff": time.Millisecond, "max_backoff": time.Millisecond}})
		process(t, sink, events)
		sink.Flush(nil)
		errs := acks.wait(t, 2)
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.want) || !strings.Contains(errs[0].Error(), "of 2 events to "+`"`+srv.URL+`"`) {
			t.Fatalf("status %d: errors %v, want one saying %q", tc.status, errs, tc.want)
		}
		if n := len(srv.received()); n != tc.attempts {
			t.Fatalf("status %d: %d attempts, want %d", tc.status, n, tc.attempts)
		}
	}
}

// TestHTTPSinkDeadLetters: with on_error dead_letter, a batch given up on is
// written to the file, one line per event, and acknowledged without error;
// so is an event larger than max_bytes.
func TestHTTPSinkDeadLetters(t *testing.T) {
	srv := newHSServer(t, false, func(_ int, w http.ResponseWriter, _ *http.Request) int { w.WriteHeader(503); return 503 })
	sink, acks, events, dir := openHTTPSink(t, map[string]any{"url": srv.URL, "on_error": "dead_letter",
		"dead_letter": map[string]any{"path": "out/dead.jsonl"},
		"batch":       map[string]any{"max_bytes": int64(len(line0) + 2)},
		"retry":       map[string]any{"max_retries": int64(1), "initial_backoff": time.Millisecond, "max_backoff": time.Millisecond}})
	process(t, sink, events) // line1 alone is above max_bytes
	sink.Flush(nil)
	if errs := acks.wait(t, 2); len(errs) > 0 {
		t.Fatal(errs)
	}
	sink.Close()
	lines := strings.Split(strings.TrimSpace(readFile(t, filepath.Join(dir, "out/dead.jsonl"))), "\n")
	if len(lines) != 2 {
		t.Fatalf("dead letters %q, want 2", lines)
	}
	byErr := map[string]map[string]any{}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("dead letter %q: %v", l, err)
		}
		byErr[m["error"].(string)] = m
	}
	gave := byErr["gave up after 2 attempts: 503 Service Unavailable"]
	if gave == nil || gave["status"] != 503.0 || gave["attempts"] != 2.0 || gave["idempotency_key"] == "" ||
		gave["event"].(map[string]any)["cdn"] != "akamai" {
		t.Fatalf("dead letter of the batch: %v", lines)
	}
	big := byErr[fmt.Sprintf("event of %d bytes is larger than batch.max_bytes %d", len(line1), len(line0)+2)]
	if big == nil || big["event"].(map[string]any)["cdn"] != "level 3" {
		t.Fatalf("dead letter of the oversize event: %v", lines)
	}
	if st := sink.Report().(HTTPSinkStats); st.DeadLettered != 2 || st.GaveUp != 1 || st.Oversize != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestHTTPSinkOversizeFails(t *testing.T) {
	srv := newHSServer(t, false, ok200)
	sink, _, events, _ := openHTTPSink(t, map[string]any{"url": srv.URL, "batch": map[string]any{"max_bytes": int64(64)}})
	err := sink.Process(0, events[:1], nil)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("event of %d bytes is larger than batch.max_bytes 64", len(line0))) {
		t.Fatalf("error %v", err)
	}
}

// TestHTTPSinkAtLeastOnce: against a server that fails a third of the
// requests in every way, every event is delivered, batches are retried
// only with their own key and body, and each key's events appear once in
// what the server accepted.
func TestHTTPSinkAtLeastOnce(t *testing.T) {
	srv := newHSServer(t, false, func(n int, w http.ResponseWriter, r *http.Request) int {
		switch n % 7 {
		case 1:
			w.WriteHeader(503)
			return 503
		case 3:
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return -1
		case 5:
			time.Sleep(60 * time.Millisecond) // past the timeout: may be delivered twice
			w.WriteHeader(200)
			return 200
		}
		return ok200(n, w, r)
	})
	sink, acks, _, _ := openHTTPSink(t, map[string]any{"url": srv.URL, "timeout": 40 * time.Millisecond,
		"batch":    map[string]any{"max_events": int64(7)},
		"retry":    map[string]any{"max_retries": int64(20), "initial_backoff": time.Millisecond, "max_backoff": 5 * time.Millisecond},
		"dispatch": map[string]any{"max_in_flight": int64(8)}})
	s := event.MustSchema("acme", "n", event.Field{Name: "n", Kind: event.Int})
	sink.lf = lineFormat{cache: schemaCache{inputs: []*event.Schema{s}}}
	const total = 1000
	for i := 0; i < total; i += 50 {
		var evs []event.Event
		for k := i; k < i+50; k++ {
			evs = append(evs, event.Event{Schema: s.ID, Fields: []event.Value{event.IntValue(int64(k))}})
		}
		process(t, sink, evs)
	}
	sink.Flush(nil)
	if errs := acks.wait(t, total); len(errs) > 0 {
		t.Fatal(errs)
	}
	bodies := map[string]string{}
	seen := make([]int, total)
	for _, r := range srv.received() {
		if b, ok := bodies[r.key]; ok && b != r.body {
			t.Fatalf("key %q sent with two bodies", r.key)
		}
		bodies[r.key] = r.body
	}
	for _, b := range bodies {
		for _, l := range strings.Split(strings.TrimSpace(b), "\n") {
			var m struct{ N int }
			json.Unmarshal([]byte(l), &m)
			seen[m.N]++
		}
	}
	for n, k := range seen {
		if k != 1 {
			t.Fatalf("event %d is in %d batches, want exactly 1", n, k)
		}
	}
	// The server may hold more: a request that timed out is still being
	// answered there. The sink's own count stays within its bound.
	st := sink.Report().(HTTPSinkStats)
	if most := st.Dispatch.MaxInFlightSeen; most > 8 || most < 2 {
		t.Fatalf("%d requests in flight at once, want up to max_in_flight 8", most)
	}
	if st.Delivered != total || st.Retries == 0 || st.Status503 == 0 || st.Closed == 0 || st.Timeouts == 0 {
		t.Fatalf("stats %+v", st)
	}
	wantFigures(t, figureValues(t, st.AppendFigures(nil)), map[string]float64{"http_sink_delivered_events_total": float64(total),
		"http_sink_retries_total": float64(st.Retries), "http_sink_answers_total|503": float64(st.Status503),
		"http_sink_answers_total|closed": float64(st.Closed), "http_sink_answers_total|timeout": float64(st.Timeouts),
		"dispatch_in_flight_max_requests": float64(st.Dispatch.MaxInFlightSeen), "dispatch_info|direct": 1})
}

// TestHTTPSinkTLSAndToken: https with a CA file, and a bearer token read
// from a file.
func TestHTTPSinkTLSAndToken(t *testing.T) {
	srv := newHSServer(t, true, ok200)
	dir := t.TempDir()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	os.WriteFile(filepath.Join(dir, "ca.pem"), ca, 0o644)
	os.WriteFile(filepath.Join(dir, "token"), []byte("s3cret\n"), 0o600)
	sink, acks, events, sinkDir := openHTTPSinkIn(t, dir, map[string]any{"url": srv.URL, "tls": map[string]any{"ca": "ca.pem"}, "token_file": "token"})
	_ = sinkDir
	process(t, sink, events)
	sink.Flush(nil)
	if errs := acks.wait(t, 2); len(errs) > 0 {
		t.Fatal(errs)
	}
	if got := srv.received(); len(got) != 1 || got[0].auth != "Bearer s3cret" {
		t.Fatalf("requests %+v, want one with the bearer token", got)
	}

	// Without the CA the server's certificate is refused.
	sink, acks, events, _ = openHTTPSinkIn(t, dir, map[string]any{"url": srv.URL, "retry": map[string]any{"max_retries": int64(0)}})
	process(t, sink, events)
	sink.Flush(nil)
	if errs := acks.wait(t, 2); len(errs) != 1 || !strings.Contains(errs[0].Error(), "certificate") {
		t.Fatalf("errors %v, want the certificate refused", errs)
	}
	var _ = x509.NewCertPool
}

// openHTTPSinkIn is openHTTPSink with the pipeline directory set.
func openHTTPSinkIn(t *testing.T, dir string, opts map[string]any) (*httpSink, *hsAcks, []event.Event, string) {
	t.Helper()
	ctx, _ := newCtx(t, "hook", opts)
	ctx.Dir = dir
	s, events := playEvents(t, ctx.Registry)
	ctx.Inputs = []*event.Schema{s}
	acks := &hsAcks{ch: make(chan struct{}, 1)}
	ctx.Ack, ctx.Now = acks.ack, time.Now
	sink := mustNew(t, httpSinkSpec(), ctx).Operator.(*httpSink)
	if err := sink.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	return sink, acks, events[:2], dir
}

func TestHTTPSinkOpenErrors(t *testing.T) {
	for _, tc := range []struct {
		opts map[string]any
		want string
	}{
		{map[string]any{"token_file": "missing"}, `cannot read the token file "missing"`},
		{map[string]any{"url": "https://127.0.0.1:1/", "tls": map[string]any{"ca": "missing.pem"}}, `cannot read the tls ca file "missing.pem"`},
		{map[string]any{"on_error": "dead_letter", "dead_letter": map[string]any{"path": "no/dir/x", "create_dirs": false}},
			`cannot open the dead-letter file "no/dir/x" for writing`},
	} {
		if tc.opts["url"] == nil {
			tc.opts["url"] = "http://127.0.0.1:1/"
		}
		ctx, _ := newCtx(t, "hook", tc.opts)
		sink := mustNew(t, httpSinkSpec(), ctx).Operator.(*httpSink)
		err := sink.Open(t.Context())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("options %v: error %v, want %q", tc.opts, err, tc.want)
		}
		sink.Close()
	}
}

func TestHTTPSinkOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		opts map[string]any
		want string
	}{
		{map[string]any{"url": "ftp://x/"}, `option "url": "ftp://x/" is not an http:// or https:// URL with a host`},
		{map[string]any{"url": "http://x/", "headers": map[string]string{"content-type": "text/plain"}}, `option "headers.content-type": header "content-type" is set by the sink`},
		{map[string]any{"url": "http://x/", "on_error": "dead_letter"}, `option "dead_letter.path": on_error: dead_letter needs a file to write`},
		{map[string]any{"url": "http://x/", "max_pending": int64(100)}, `option "max_pending": 100 is below twice batch.max_events (1000)`},
		{map[string]any{"url": "http://x/", "tls": map[string]any{"ca": "ca.pem"}}, `option "tls": is set but the url "http://x/" is not https`},
		{map[string]any{"url": "http://x/", "dispatch": map[string]any{"mode": "paced", "rate": 100.0}},
			`option "dispatch.rate": factor 1.5 × rate 100/s × period 500µs is 0.075 requests, below one: raise the period or the factor`},
		{map[string]any{"url": "http://x/", "dispatch": map[string]any{"mode": "adaptive", "initial_limit": int64(100)}},
			`option "dispatch.initial_limit": 100 is above max_in_flight 64`},
		{map[string]any{"url": "http://x/", "dispatch": map[string]any{"mode": "fast"}},
			`option "dispatch.mode": "fast" is not one of "direct", "paced", "adaptive"`},
		{map[string]any{"url": "http://x/", "retry": map[string]any{"max_backoff": time.Millisecond}},
			`option "retry.max_backoff": 1ms is below initial_backoff 100ms`},
	} {
		ctx, _ := newCtx(t, "hook", tc.opts)
		_, err := httpSinkSpec().New(ctx)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("options %v: error %v, want %q", tc.opts, err, tc.want)
		}
	}
}

func TestHTTPSinkClaimsItsDeadLetterFile(t *testing.T) {
	ctx, _ := newCtx(t, "hook", map[string]any{"url": "http://x/", "on_error": "dead_letter", "dead_letter": map[string]any{"path": "out/d.jsonl"}})
	cs := httpSinkSpec().Claims(ctx)
	if len(cs) != 1 || cs[0].Key != filepath.Join(ctx.Dir, "out", "d.jsonl") || !cs[0].Shared || cs[0].Path.String() != "dead_letter.path" {
		t.Fatalf("claims %+v", cs)
	}
	ctx, _ = newCtx(t, "hook", map[string]any{"url": "http://x/"})
	if cs := httpSinkSpec().Claims(ctx); len(cs) != 0 {
		t.Fatalf("claims without dead letters: %+v", cs)
	}
}

// TestHTTPSinkPaced: a paced dispatch keeps at most its level of requests
// at the server.
func TestHTTPSinkPaced(t *testing.T) {
	srv := newHSServer(t, false, func(n int, w http.ResponseWriter, r *http.Request) int {
		time.Sleep(5 * time.Millisecond)
		return ok200(n, w, r)
	})
	sink, acks, events, _ := openHTTPSink(t, map[string]any{"url": srv.URL, "batch": map[string]any{"max_events": int64(1)},
		"dispatch": map[string]any{"mode": "paced", "rate": 100.0, "period": 20 * time.Millisecond, "factor": 1.0, "compensate": false}})
	for range 10 {
		process(t, sink, events)
	}
	sink.Flush(nil)
	acks.wait(t, 20)
	if most := srv.most.Load(); most > 2 {
		t.Fatalf("%d requests at the server at once, want at most the level 1 × 100/s × 20ms = 2", most)
	}
	st := sink.Report().(HTTPSinkStats).Dispatch
	if st.Mode != dispatch.Paced || st.Limit != 2 || st.Dispatched != 20 || st.Wakes < 10 {
		t.Fatalf("dispatch stats %+v", st)
	}
}
