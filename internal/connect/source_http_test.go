package connect

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// lockedRejects collects Context.Reject errors from many goroutines.
type lockedRejects struct {
	mu   sync.Mutex
	msgs []string
}

func (r *lockedRejects) add(err error) {
	r.mu.Lock()
	r.msgs = append(r.msgs, err.Error())
	r.mu.Unlock()
}

// testHTTP is an http source opened on a free port, read by the test as
// its actor would.
type testHTTP struct {
	src     *httpSource
	inst    *component.Instance
	url     string
	wakes   atomic.Int64
	rejects lockedRejects
	dir     string
}

func startHTTP(t *testing.T, opts map[string]any) *testHTTP {
	t.Helper()
	if opts["schema"] == nil {
		opts["schema"] = map[string]string{"user": "string", "n": "int"}
	}
	if opts["address"] == nil {
		opts["address"] = "127.0.0.1:0"
	}
	if opts["path"] == nil {
		opts["path"] = "/events"
	}
	ctx, _ := newCtx(t, "in", opts)
	th := &testHTTP{dir: ctx.Dir}
	if setup, ok := opts["x-setup"].(func(dir string)); ok {
		setup(ctx.Dir)
	}
	ctx.Now = time.Now
	ctx.Wake = func() { th.wakes.Add(1) }
	ctx.Reject = th.rejects.add
	th.inst = mustNew(t, httpSourceSpec(), ctx)
	th.src = th.inst.Source.(*httpSource)
	if err := th.src.Open(context.Background()); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = th.src.Close() })
	scheme := "http"
	if th.src.listen.certFile != "" {
		scheme = "https"
	}
	th.url = scheme + "://" + th.src.Addr() + th.src.path
	return th
}

// read takes every queued event (main and dead letters).
func (th *testHTTP) read(t *testing.T) (main, dead []event.Event) {
	t.Helper()
	for {
		var out component.Output
		res, err := th.src.Read(&out, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.Events() {
			main = append(main, e.Clone())
		}
		if len(out.Sides()) > 0 {
			for _, e := range out.Side(0).Events() {
				dead = append(dead, e.Clone())
			}
		}
		if res.Done || out.Len() == 0 && (len(out.Sides()) == 0 || out.Side(0).Len() == 0) {
			return main, dead
		}
	}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func post(t *testing.T, client *http.Client, url, ctype, body string, hdr ...string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

const ndjson = "application/x-ndjson"

func TestHTTPAcceptsLinesAndReportsBadOnes(t *testing.T) {
	th := startHTTP(t, map[string]any{"required": []string{"user"}})
	got := post(t, nil, th.url, ndjson, "{\"user\":\"a\",\"n\":2}\n\n{\"n\":3}\nnot json\n{\"user\":\"b\",\"n\":\"x\"}\n{\"user\":\"c\"}")
	want := `{"accepted":2,"rejected":3,"errors":[{"line":3,"error":"missing required field \"user\""},` +
		`{"line":4,"error":"invalid JSON: unexpected value found: \"not json\"; unparsed tail: \"not json\""},` +
		`{"line":5,"error":"field \"n\": expected int, got \"x\""}]}` + "\n"
	if got.status != http.StatusAccepted || got.body != want {
		t.Fatalf("got %d %s\nwant 202 %s", got.status, got.body, want)
	}
	evs, _ := th.read(t)
	if len(evs) != 2 {
		t.Fatalf("read %d events, want 2", len(evs))
	}
	user, _ := th.inst.Schema.Slot("user")
	n, _ := th.inst.Schema.Slot("n")
	if evs[0].Fields[user].S != "a" || evs[0].Fields[n].N != 2 || evs[1].Fields[user].S != "c" || evs[1].Fields[n].Kind != event.Null {
		t.Fatalf("events %v %v", evs[0].Fields, evs[1].Fields)
	}
	if evs[0].Created == 0 || evs[0].Schema != th.inst.Schema.ID {
		t.Fatalf("event header %+v", evs[0])
	}
	th.rejects.mu.Lock()
	defer th.rejects.mu.Unlock()
	if len(th.rejects.msgs) != 3 || !strings.Contains(th.rejects.msgs[0], "POST /events from 127.0.0.1:") || !strings.Contains(th.rejects.msgs[0], ": line 3: missing") {
		t.Fatalf("rejects %q", th.rejects.msgs)
	}
	if s := th.src.Stats(); s.Accepted != 2 || s.Rejected != 3 || s.Responses[202] != 1 {
		t.Fatalf("stats %+v", s)
	}
	wantFigures(t, figureValues(t, th.src.AppendFigures(nil)), map[string]float64{"http_source_accepted_events_total": 2,
		"http_source_rejected_events_total": 3, "http_source_responses_total|202": 1, "inbox_accepted_events_total": 2})
}

func TestHTTPJSONBodies(t *testing.T) {
	th := startHTTP(t, map[string]any{})
	cases := []struct{ body, want string }{
		{`[{"user":"a","n":1}, {"user":"b","n":2} ]`, `{"accepted":2,"rejected":0,"errors":[]}`},
		{` {"user":"c","n":3} `, `{"accepted":1,"rejected":0,"errors":[]}`},
		{`[{"user":"d"},7,{"n":"q"}]`, `{"accepted":1,"rejected":2,"errors":[{"line":2,"error":"expected a JSON object, got number"},{"line":3,"error":"field \"n\": expected int, got \"q\""}]}`},
		{`[]`, `{"accepted":0,"rejected":0,"errors":[]}`},
	}
	for _, c := range cases {
		got := post(t, nil, th.url, "application/json; charset=utf-8", c.body)
		if got.status != http.StatusAccepted || got.body != c.want+"\n" {
			t.Errorf("%s: got %d %s, want 202 %s", c.body, got.status, got.body, c.want)
		}
	}
	if evs, _ := th.read(t); len(evs) != 4 {
		t.Fatalf("read %d events, want 4", len(evs))
	}
}

func gz(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.String()
}

// TestHTTPStatusCodes: every refusal has its code and a JSON body saying
// why, and none accepts anything.
func TestHTTPStatusCodes(t *testing.T) {
	th := startHTTP(t, map[string]any{"max_body": int64(64)})
	cases := []struct {
		name, method, path, ctype, body string
		hdr                             []string
		status                          int
		contains                        string
	}{
		{"get", http.MethodGet, "", "", "", nil, 405, "method GET not allowed"},
		{"form", http.MethodPost, "", "application/x-www-form-urlencoded", "a=1", nil, 415, `content type \"application/x-www-form-urlencoded\" is not supported`},
		{"no type", http.MethodPost, "", "", "{}", nil, 415, "no content type"},
		{"brotli", http.MethodPost, "", ndjson, "{}", []string{"Content-Encoding", "br"}, 415, `content encoding \"br\"`},
		{"bad gzip", http.MethodPost, "", ndjson, "not gzip", []string{"Content-Encoding", "gzip"}, 400, "malformed gzip body"},
		{"all bad", http.MethodPost, "", ndjson, "nope\n", nil, 400, `"accepted":0,"rejected":1`},
		{"bad array", http.MethodPost, "", "application/json", `[{"user":"a"}`, nil, 400, "not closed"},
		{"too large", http.MethodPost, "", ndjson, strings.Repeat(`{"user":"aaaa"}`+"\n", 10), nil, 413, "larger than max_body (64 bytes)"},
		{"gzip too large", http.MethodPost, "", ndjson, gz(strings.Repeat(`{"user":"aaaa"}`+"\n", 10)), []string{"Content-Encoding", "gzip"}, 413, "once decompressed"},
		{"other path", http.MethodPost, "/x", ndjson, "{}", nil, 404, "posted to /events"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url := th.url
			if c.path != "" {
				url = strings.TrimSuffix(url, "/events") + c.path
			}
			req, _ := http.NewRequest(c.method, url, strings.NewReader(c.body))
			if c.ctype != "" {
				req.Header.Set("Content-Type", c.ctype)
			}
			for i := 0; i < len(c.hdr); i += 2 {
				req.Header.Set(c.hdr[i], c.hdr[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status || !strings.Contains(string(b), c.contains) {
				t.Fatalf("got %d %s, want %d containing %s", resp.StatusCode, b, c.status, c.contains)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("content type %q", ct)
			}
			if c.status == 405 && resp.Header.Get("Allow") != "POST" {
				t.Fatalf("405 without Allow: POST")
			}
		})
	}
	if evs, _ := th.read(t); len(evs) != 0 {
		t.Fatalf("refused requests queued %d events", len(evs))
	}
}

// countingReader is an endless body that counts what the server read.
type countingReader struct{ n atomic.Int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	r.n.Add(int64(len(p)))
	return len(p), nil
}

// TestHTTPOversizeBodyRefusedBeforeItIsRead: a declared length above
// max_body is answered 413 with no byte of the body read; an endless
// chunked body is answered 413 once it passes max_body, long before it
// ends.
func TestHTTPOversizeBodyRefusedBeforeItIsRead(t *testing.T) {
	th := startHTTP(t, map[string]any{"max_body": int64(1024)})
	conn, err := net.Dial("tcp", th.src.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: 100000000\r\n\r\n", ndjson)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	head, err := io.ReadAll(io.LimitReader(conn, 12))
	if err != nil || string(head) != "HTTP/1.1 413" {
		t.Fatalf("declared 100 MB, sent nothing: got %q %v, want a 413 at once", head, err)
	}

	body := &countingReader{}
	req, _ := http.NewRequest(http.MethodPost, th.url, io.NopCloser(body))
	req.Header.Set("Content-Type", ndjson)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("endless body: %d, want 413", resp.StatusCode)
	}
	// The client counts what it sent, which includes what the loopback's
	// socket buffers took in before the answer came (a few MB when the
	// machine is busy); a server reading the endless body would never
	// have answered.
	if n := body.n.Load(); n > 32<<20 {
		t.Fatalf("the client sent %d bytes of an endless body with max_body 1024 before the 413", n)
	}
}

// TestHTTPFullQueueAnswers503AfterTimeout: with nobody taking events, a
// request that does not fit waits timeout and is refused with 503,
// Retry-After and nothing accepted; once events are taken it fits.
func TestHTTPFullQueueAnswers503AfterTimeout(t *testing.T) {
	th := startHTTP(t, map[string]any{"queue": int64(4), "timeout": 150 * time.Millisecond})
	four := strings.Repeat(`{"user":"a"}`+"\n", 4)
	if a := post(t, nil, th.url, ndjson, four); a.status != 202 {
		t.Fatalf("first 4: %d %s", a.status, a.body)
	}
	start := time.Now()
	a := post(t, nil, th.url, ndjson, `{"user":"b"}`)
	if el := time.Since(start); a.status != 503 || el < 150*time.Millisecond {
		t.Fatalf("full queue: %d after %v, want 503 after at least 150ms", a.status, el)
	}
	if ra := a.header.Get("Retry-After"); ra != "1" || !strings.Contains(a.body, `"accepted":0`) {
		t.Fatalf("503 with Retry-After %q and body %s; want 1 and accepted 0", ra, a.body)
	}
	if evs, _ := th.read(t); len(evs) != 4 {
		t.Fatalf("read %d, want the 4 accepted", len(evs))
	}
	if a := post(t, nil, th.url, ndjson, `{"user":"c"}`); a.status != 202 {
		t.Fatalf("after room was made: %d", a.status)
	}
	s := th.src.Stats()
	if s.Accepted != 5 || s.Refused != 1 || s.Queue.Refused != 1 || s.Responses[503] != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// TestHTTPBodyLargerThanTheQueue: a body of more events than the queue
// holds goes in parts while the consumer takes them, in order.
func TestHTTPBodyLargerThanTheQueue(t *testing.T) {
	th := startHTTP(t, map[string]any{"queue": int64(8), "timeout": 5 * time.Second, "batch": int64(3)})
	var b strings.Builder
	for i := range 50 {
		fmt.Fprintf(&b, "{\"user\":\"u\",\"n\":%d}\n", i)
	}
	done := make(chan answer)
	go func() { done <- post(t, nil, th.url, ndjson, b.String()) }()
	var got []event.Event
	n, _ := th.inst.Schema.Slot("n")
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < 50 && time.Now().Before(deadline) {
		var out component.Output
		if _, err := th.src.Read(&out, 100); err != nil {
			t.Fatal(err)
		}
		if out.Len() > 3 {
			t.Fatalf("a Read handed %d events with batch 3", out.Len())
		}
		for _, e := range out.Events() {
			got = append(got, e.Clone())
		}
		time.Sleep(time.Millisecond)
	}
	if a := <-done; a.status != 202 || !strings.Contains(a.body, `"accepted":50`) {
		t.Fatalf("got %d %s", a.status, a.body)
	}
	for i, e := range got {
		if e.Fields[n].N != uint64(i) {
			t.Fatalf("event %d has n %d: out of order", i, e.Fields[n].N)
		}
	}
}

func TestHTTPRateLimit(t *testing.T) {
	th := startHTTP(t, map[string]any{"rate_limit": float64(2), "rate_burst": int64(3)})
	if a := post(t, nil, th.url, ndjson, strings.Repeat(`{"user":"a"}`+"\n", 5)); a.status != 202 {
		t.Fatalf("first request (overdraws the burst): %d", a.status)
	}
	a := post(t, nil, th.url, ndjson, `{"user":"a"}`)
	if a.status != 429 {
		t.Fatalf("second request: %d, want 429", a.status)
	}
	// 2 events in debt at 2/s: a token again in 1.5 s, so 2 whole seconds.
	if ra := a.header.Get("Retry-After"); ra != "2" {
		t.Fatalf("Retry-After %q, want 2 (1.5s rounded up)", ra)
	}
}

func TestRetryAfterRoundsUpNeverZero(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{{0, "1"}, {time.Nanosecond, "1"}, {999 * time.Millisecond, "1"}, {time.Second, "1"}, {1001 * time.Millisecond, "2"}, {90 * time.Second, "90"}} {
		if got := retryAfter(c.d); got != c.want {
			t.Errorf("retryAfter(%v) = %s, want %s", c.d, got, c.want)
		}
	}
}

func TestHTTPBearerToken(t *testing.T) {
	th := startHTTP(t, map[string]any{"token_file": "token", "x-setup": func(dir string) {
		_ = os.WriteFile(filepath.Join(dir, "token"), []byte("s3cret\n"), 0o600)
	}})
	for _, c := range []struct {
		auth   string
		status int
	}{{"", 401}, {"Bearer nope", 401}, {"Basic s3cret", 401}, {"Bearer s3cret", 202}, {"bearer s3cret", 202}} {
		a := post(t, nil, th.url, ndjson, `{"user":"a"}`, "Authorization", c.auth)
		if a.status != c.status {
			t.Errorf("Authorization %q: %d, want %d", c.auth, a.status, c.status)
		}
		if c.status == 401 && a.header.Get("WWW-Authenticate") == "" {
			t.Errorf("401 without WWW-Authenticate")
		}
	}
}

func TestHTTPPortInUseFailsOpen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, _ := newCtx(t, "in", map[string]any{"address": ln.Addr().String(), "schema": map[string]string{"n": "int"}})
	src := mustNew(t, httpSourceSpec(), ctx).Source.(*httpSource)
	defer src.Close()
	err = src.Open(context.Background())
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("cannot listen on %q", ln.Addr().String())) || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Open on a port in use: %v", err)
	}
}

// TestHTTPStopAnswersRequestsInFlight: Stop refuses new connections, lets
// a request waiting for room finish (202 once the actor makes room), and
// Read reports Done only when every accepted event was handed over.
func TestHTTPStopAnswersRequestsInFlight(t *testing.T) {
	th := startHTTP(t, map[string]any{"queue": int64(2), "timeout": 10 * time.Second})
	if a := post(t, nil, th.url, ndjson, "{\"n\":1}\n{\"n\":2}"); a.status != 202 {
		t.Fatal(a.status)
	}
	inFlight := make(chan answer)
	go func() { inFlight <- post(t, nil, th.url, ndjson, "{\"n\":3}\n{\"n\":4}") }()
	for th.src.Stats().Queue.Waits == 0 {
		time.Sleep(time.Millisecond)
	}
	th.src.Stop()
	time.Sleep(20 * time.Millisecond)
	if _, err := net.DialTimeout("tcp", th.src.Addr(), time.Second); err == nil {
		t.Fatal("a new connection was accepted after Stop")
	}
	var got []event.Event
	deadline := time.Now().Add(10 * time.Second)
	for {
		var out component.Output
		res, err := th.src.Read(&out, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.Events() {
			got = append(got, e.Clone())
		}
		if res.Done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no Done after Stop; read %d events", len(got))
		}
		time.Sleep(time.Millisecond)
	}
	if a := <-inFlight; a.status != 202 {
		t.Fatalf("request in flight at Stop: %d %s", a.status, a.body)
	}
	if len(got) != 4 {
		t.Fatalf("read %d events before Done, want 4", len(got))
	}
}

func TestHTTPDeadLetters(t *testing.T) {
	th := startHTTP(t, map[string]any{"on_error": "dead_letter"})
	a := post(t, nil, th.url, ndjson, "{\"n\":1}\n{\"n\":true}")
	if a.status != 202 || !strings.Contains(a.body, `"accepted":1,"rejected":1`) {
		t.Fatalf("%d %s", a.status, a.body)
	}
	main, dead := th.read(t)
	if len(main) != 1 || len(dead) != 1 {
		t.Fatalf("main %d dead %d", len(main), len(dead))
	}
	d := th.src.dec
	if f := dead[0].Fields; !strings.HasPrefix(f[d.deadSlots[dlFile]].S, "POST /events from 127.0.0.1:") ||
		f[d.deadSlots[dlLine]].N != 2 || f[d.deadSlots[dlRaw]].S != `{"n":true}` {
		t.Fatalf("dead letter %v", f)
	}
}

func TestHTTPTLS(t *testing.T) {
	th := startHTTP(t, map[string]any{"tls": map[string]any{"cert": "cert.pem", "key": "key.pem"}, "x-setup": func(dir string) {
		writeSelfSigned(t, dir)
	}})
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if a := post(t, client, th.url, ndjson, `{"n":1}`); a.status != 202 {
		t.Fatalf("over TLS: %d %s", a.status, a.body)
	}
	if _, err := http.Post("http://"+th.src.Addr()+"/events", ndjson, strings.NewReader(`{"n":1}`)); err == nil {
		// A plain request to a TLS port gets a 400 from the TLS server, or fails.
		resp, _ := http.Post("http://"+th.src.Addr()+"/events", ndjson, strings.NewReader(`{"n":1}`))
		if resp != nil && resp.StatusCode == 202 {
			t.Fatal("plain HTTP accepted on a TLS port")
		}
	}
}

func writeSelfSigned(t *testing.T, dir string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	_ = os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	_ = os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
}

// TestHTTPMaxConnections: with max_connections 1, a second client waits
// until the first connection closes, and the wait is counted.
func TestHTTPMaxConnections(t *testing.T) {
	th := startHTTP(t, map[string]any{"max_connections": int64(1)})
	first, err := net.Dial("tcp", th.src.Addr())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(first, "POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: 7\r\n\r\n{\"n\":1}", ndjson)
	buf := make([]byte, 12)
	if _, err := io.ReadFull(first, buf); err != nil || string(buf) != "HTTP/1.1 202" {
		t.Fatalf("first: %q %v", buf, err)
	}
	done := make(chan int)
	go func() {
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		done <- post(t, client, th.url, ndjson, `{"n":2}`).status
	}()
	select {
	case s := <-done:
		t.Fatalf("second client answered %d while the first connection is open", s)
	case <-time.After(200 * time.Millisecond):
	}
	first.Close()
	if s := <-done; s != 202 {
		t.Fatalf("second client: %d", s)
	}
	if w := th.src.Stats().ConnWaits; w == 0 {
		t.Fatal("the connection wait was not counted")
	}
}

func TestHTTPValidation(t *testing.T) {
	for _, c := range []struct {
		opts map[string]any
		want string
	}{
		{map[string]any{"address": "nope"}, `option "address": "nope" is not host:port`},
		{map[string]any{"path": "events"}, `option "path": "events" must start with /`},
		{map[string]any{"mode": "request_reply", "schema": map[string]string{"request_id": "int"}}, `option "schema.request_id": field "request_id" is the request id`},
		{map[string]any{"tls": map[string]any{"cert": "c.pem"}}, `option "tls.key": tls needs a key file`},
		{map[string]any{"timestamp": "user"}, `option "timestamp": field "user" is declared string`},
	} {
		if c.opts["schema"] == nil {
			c.opts["schema"] = map[string]string{"user": "string"}
		}
		ctx, _ := newCtx(t, "in", c.opts)
		ctx.Validating = true
		_, err := httpSourceSpec().New(ctx)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.opts, err, c.want)
		}
	}
}

// The 202 body is valid JSON with the documented keys.
func TestHTTPAnswerIsJSON(t *testing.T) {
	th := startHTTP(t, map[string]any{})
	a := post(t, nil, th.url, ndjson, "{\"user\":\"\\u0001\\\"\"}\n{\"n\":\"\\n\"}")
	var v struct {
		Accepted, Rejected int
		Errors             []struct {
			Line  int
			Error string
		}
	}
	if err := json.Unmarshal([]byte(a.body), &v); err != nil || v.Accepted != 1 || v.Rejected != 1 || v.Errors[0].Line != 2 {
		t.Fatalf("%s: %+v %v", a.body, v, err)
	}
}
