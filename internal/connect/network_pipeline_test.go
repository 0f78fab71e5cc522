package connect_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/spec"
)

// Network sources run by the engine, end to end.

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func runPipeline(t *testing.T, e *engine.Engine, name, yaml string) (*engine.Tenant, error) {
	t.Helper()
	p, err := spec.Parse(name+".yaml", []byte(yaml), builtin.Catalog())
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	p.Dir = t.TempDir()
	pl, err := e.Compile(p)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	tn, err := e.Run(pl)
	e.Start()
	return tn, err
}

func newTestEngine(t *testing.T) *engine.Engine {
	t.Helper()
	e, err := engine.New(engine.Config{Workers: 2, Wait: "park"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

func waitFor(t *testing.T, url string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if c, err := net.Dial("tcp", strings.TrimPrefix(strings.Split(url, "/")[2], "")); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("%s does not answer", url)
}

// TestRequestReplyConcurrentClients: many clients at once, each request
// answered with the row computed from its own event.
func TestRequestReplyConcurrentClients(t *testing.T) {
	addr := freePort(t)
	e := newTestEngine(t)
	tn, err := runPipeline(t, e, "rr", fmt.Sprintf(`tenant: rr
sources:
  in: {type: http, address: %q, path: /q, mode: request_reply, reply_timeout: 300ms, schema: {user: string, n: int}}
transforms:
  keep: {type: filter, inputs: [in], condition: 'n >= 0'}
  doubled: {type: map, inputs: [keep], fields: {double: 'n * 2'}}
sinks:
  out: {type: reply, inputs: [doubled]}
`, addr))
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + addr + "/q"
	waitFor(t, url)
	const clients, each = 16, 40
	var wg sync.WaitGroup
	var bad atomic.Int64
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				n := c*1000 + i
				resp, err := http.Post(url, "application/json", strings.NewReader(fmt.Sprintf(`{"user":"c%d","n":%d}`, c, n)))
				if err != nil {
					t.Error(err)
					bad.Add(1)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				var row struct {
					User      string `json:"user"`
					N, Double int
					RID       *int64 `json:"request_id"`
				}
				if resp.StatusCode != 200 || json.Unmarshal(b, &row) != nil || row.User != fmt.Sprintf("c%d", c) || row.N != n || row.Double != 2*n || row.RID != nil {
					t.Errorf("client %d request %d: %d %s", c, n, resp.StatusCode, b)
					bad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	// A filtered event gets no reply: 504 at its deadline.
	start := time.Now()
	resp, err := http.Post(url, "application/json", strings.NewReader(`{"user":"x","n":-1}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusGatewayTimeout || time.Since(start) < 300*time.Millisecond || !strings.Contains(string(b), `"accepted":1`) {
		t.Fatalf("dropped event: %d %s after %v, want 504 saying it was accepted, after reply_timeout", resp.StatusCode, b, time.Since(start))
	}
	tn.Stop()
	select {
	case <-tn.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("tenant did not stop")
	}
	if s := tn.Stats(); s.In != clients*each+1 || s.Out != clients*each {
		t.Fatalf("in %d out %d", s.In, s.Out)
	}
	// The source's and the reply sink's own figures.
	figs := map[string]float64{}
	for _, cf := range tn.Stats().Figures {
		for _, f := range cf.Figures {
			k := cf.Name + " " + f.Name
			for _, l := range f.Labels {
				k += "|" + l.Value
			}
			figs[k] = f.Value
		}
	}
	for k, v := range map[string]float64{"out reply_sink_delivered_rows_total": clients * each, "out reply_sink_unmatched_rows_total": 0,
		"in http_source_responses_total|200": clients * each, "in http_source_responses_total|504": 1,
		"in http_source_reply_timeouts_total": 1, "in http_source_accepted_events_total": clients*each + 1} {
		if g, ok := figs[k]; !ok || g != v {
			t.Errorf("figure %s = %v (present %v), want %v", k, g, ok, v)
		}
	}
}

// TestHTTPFullPipelineLosesNothingAccepted: a sink that writes into a pipe
// read slowly backs the pipeline up to the http source, whose queue fills;
// requests get 503 past the timeout, and every event answered 202 (or
// counted as accepted in a 503's body) reaches the sink, once.
func TestHTTPFullPipelineLosesNothingAccepted(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	rd, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	addr := freePort(t)
	e := newTestEngine(t)
	tn, err := runPipeline(t, e, "full", fmt.Sprintf(`tenant: full
sources:
  in: {type: http, address: %q, path: /e, queue: 64, timeout: 20ms, schema: {pad: string, n: int}}
sinks:
  out: {type: file, inputs: [in], path: %q, flush_every: 0s, buffer: {capacity: 64}}
`, addr, fifo))
	if err != nil {
		t.Fatal(err)
	}
	// The sink has opened the pipe: from now on an empty pipe makes reads
	// wait instead of reporting the end.
	var slow atomic.Bool
	slow.Store(true)
	lines := make(chan int)
	go func() {
		buf := make([]byte, 4096)
		n := 0
		for {
			k, err := rd.Read(buf)
			n += strings.Count(string(buf[:k]), "\n")
			if err == io.EOF {
				lines <- n
				return
			}
			if slow.Load() {
				time.Sleep(2 * time.Millisecond)
			}
		}
	}()
	url := "http://" + addr + "/e"
	waitFor(t, url)
	pad := strings.Repeat("p", 200)
	var accepted, refused atomic.Int64
	var wg sync.WaitGroup
	for c := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				var b strings.Builder
				for k := range 10 {
					fmt.Fprintf(&b, "{\"pad\":%q,\"n\":%d}\n", pad, c*10000+i*10+k)
				}
				resp, err := http.Post(url, "application/x-ndjson", strings.NewReader(b.String()))
				if err != nil {
					t.Error(err)
					return
				}
				var body struct{ Accepted int }
				_ = json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				switch resp.StatusCode {
				case 202:
					if body.Accepted != 10 {
						t.Errorf("202 with accepted %d", body.Accepted)
					}
				case 503:
					refused.Add(1)
					if resp.Header.Get("Retry-After") == "" || resp.Header.Get("Retry-After") == "0" {
						t.Errorf("503 with Retry-After %q", resp.Header.Get("Retry-After"))
					}
				default:
					t.Errorf("status %d", resp.StatusCode)
				}
				accepted.Add(int64(body.Accepted))
			}
		}()
	}
	wg.Wait()
	if refused.Load() == 0 {
		t.Fatal("no request was refused: the pipeline never backed up")
	}
	slow.Store(false)
	tn.Stop()
	select {
	case <-tn.Done():
	case <-time.After(30 * time.Second):
		t.Fatalf("tenant did not stop: %+v", tn.Stats())
	}
	if err := tn.Err(); err != nil {
		t.Fatal(err)
	}
	if got := <-lines; int64(got) != accepted.Load() {
		t.Fatalf("the sink wrote %d events; %d were accepted", got, accepted.Load())
	}
}

// TestHTTPGracefulStopUnderLoad: stopping while clients post answers every
// request in flight, and every accepted event reaches the sink.
func TestHTTPGracefulStopUnderLoad(t *testing.T) {
	addr := freePort(t)
	e := newTestEngine(t)
	tn, err := runPipeline(t, e, "stop", fmt.Sprintf(`tenant: stop
sources:
  in: {type: http, address: %q, schema: {n: int}}
sinks:
  out: {type: blackhole, inputs: [in]}
`, addr))
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + addr + "/"
	waitFor(t, url)
	var accepted atomic.Int64
	var answered, failed atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Post(url, "application/x-ndjson", strings.NewReader(strings.Repeat("{\"n\":1}\n", 20)))
				if err != nil {
					failed.Add(1) // refused after the stop: never accepted
					continue
				}
				var body struct{ Accepted int }
				_ = json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				answered.Add(1)
				if resp.StatusCode == 202 {
					accepted.Add(int64(body.Accepted))
				}
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	tn.Stop()
	select {
	case <-tn.Done():
	case <-time.After(20 * time.Second):
		t.Fatalf("tenant did not stop: %+v", tn.Stats())
	}
	close(stop)
	wg.Wait()
	if answered.Load() == 0 {
		t.Fatal("no request was answered")
	}
	if s := tn.Stats(); int64(s.Out) != accepted.Load() || s.In != s.Out {
		t.Fatalf("accepted %d, source in %d, sink out %d", accepted.Load(), s.In, s.Out)
	}
}

// TestPortInUseFailsOnlyThatTenant: a tenant whose address is taken fails
// at start with the component's position and the cause; another runs.
func TestPortInUseFailsOnlyThatTenant(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	e := newTestEngine(t)
	_, err = runPipeline(t, e, "taken", fmt.Sprintf(`tenant: taken
sources:
  in: {type: tcp, address: %q, schema: {n: int}}
sinks:
  out: {type: blackhole, inputs: [in]}
`, ln.Addr().String()))
	want := fmt.Sprintf(`taken.yaml:3:3: source "in": cannot listen on %q: listen tcp %s: bind: address already in use`, ln.Addr(), ln.Addr())
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	other, err := runPipeline(t, e, "other", `tenant: other
sources:
  gen: {type: generate, profile: sequence, count: 100}
sinks:
  out: {type: blackhole, inputs: [gen]}
`)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-other.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the other tenant did not run")
	}
}

// TestTCPSlowPipelineBlocksTheClient: a pipeline slower than the client
// makes the client's writes block; everything it wrote arrives.
func TestTCPSlowPipelineLosesNothing(t *testing.T) {
	addr := freePort(t)
	e := newTestEngine(t)
	tn, err := runPipeline(t, e, "tcp", fmt.Sprintf(`tenant: tcp
sources:
  in: {type: tcp, address: %q, queue: 64, schema: {n: int, pad: string}}
transforms:
  odd: {type: filter, inputs: [in], condition: 'n %% 2 == 1', buffer: {capacity: 64}}
sinks:
  out: {type: blackhole, inputs: [odd]}
`, addr))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "tcp://"+addr)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	const lines = 20000
	pad := strings.Repeat("q", 500)
	for i := range lines {
		if _, err := fmt.Fprintf(c, "{\"n\":%d,\"pad\":%q}\n", i, pad); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	deadline := time.Now().Add(30 * time.Second)
	for tn.Stats().In < lines && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	tn.Stop()
	<-tn.Done()
	if s := tn.Stats(); s.In != lines || s.Out != lines/2 || s.Dropped != 0 {
		t.Fatalf("in %d out %d dropped %d; want %d, %d, 0", s.In, s.Out, s.Dropped, lines, lines/2)
	}
}
