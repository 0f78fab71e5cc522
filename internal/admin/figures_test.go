package admin_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/greenwave/greenwave/internal/admin"
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/metrics"
	"github.com/greenwave/greenwave/internal/serve"
)

// scrape reads /metrics into families.
func scrape(t *testing.T, fx *fixture) map[string]*dto.MetricFamily {
	t.Helper()
	code, b := fx.do(t, "GET", "/metrics", "")
	if code != 200 {
		t.Fatalf("/metrics: %d %s", code, b)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(string(b)))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return fams
}

// value returns the value of the series of fams[name] with the given label
// name, value pairs, and whether there is one.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, lp := range m.Label {
				if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch f.GetType() {
		case dto.MetricType_COUNTER:
			return m.Counter.GetValue(), true
		case dto.MetricType_GAUGE:
			return m.Gauge.GetValue(), true
		}
	}
	return 0, false
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestComponentFigures runs an http source feeding an http sink (to a test
// server) and a serve sink, posts events, and finds each component's own
// figures on /metrics as greenwave_component_* families with the right
// type, labels and values.
func TestComponentFigures(t *testing.T) {
	var received atomic.Int64
	far := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sc := bufio.NewScanner(r.Body)
		for sc.Scan() {
			if len(sc.Bytes()) > 0 {
				received.Add(1)
			}
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer far.Close()
	fx := newFixture(t, admin.Config{})
	in := freeAddr(t)
	text := fmt.Sprintf(`tenant: web
sources:
  in: {type: http, address: %q, path: /events, schema: {user: string, n: int}}
sinks:
  post: {type: http, inputs: [in], url: %q, batch: {max_wait: 10ms}}
  live: {type: serve, inputs: [in], key: [user], address: "127.0.0.1:0"}
`, in, far.URL)
	if code, b := fx.do(t, "PUT", "/api/tenants/web", text); code != 201 {
		t.Fatalf("put: %d %s", code, b)
	}
	// Post 4 requests of 10 events over 5 users, and a bad record.
	const requests, each, users = 4, 10, 5
	url := "http://" + in + "/events"
	deadline := time.Now().Add(10 * time.Second)
	for r := 0; r < requests; {
		var body strings.Builder
		for i := range each {
			fmt.Fprintf(&body, "{\"user\":\"u%d\",\"n\":%d}\n", i%users, r*each+i)
		}
		resp, err := http.Post(url, "application/x-ndjson", strings.NewReader(body.String()))
		if err != nil {
			if time.Now().After(deadline) {
				t.Fatal(err)
			}
			time.Sleep(10 * time.Millisecond) // the source is not listening yet
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("post: %d", resp.StatusCode)
		}
		r++
	}
	if resp, err := http.Post(url, "application/x-ndjson", strings.NewReader("{\"user\":\"x\",\"n\":\"bad\"}\n")); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	const events = requests * each
	tenant, post, live, src := []string{"tenant", "web"}, "post", "live", "in"
	var fams map[string]*dto.MetricFamily
	for {
		fams = scrape(t, fx)
		d, _ := value(fams, "greenwave_component_http_sink_delivered_events_total", append(tenant, "component", post)...)
		r, _ := value(fams, "greenwave_component_serve_rows", append(tenant, "component", live)...)
		if d == events && r == users {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivered %v of %d events, served %v rows of %d", d, events, r, users)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := received.Load(); n != events {
		t.Fatalf("the far server got %d events, want %d", n, events)
	}
	for _, c := range []struct {
		family, component string
		typ               dto.MetricType
		want              float64
		labels            []string
	}{
		{"http_source_accepted_events_total", src, dto.MetricType_COUNTER, events, nil},
		{"http_source_rejected_events_total", src, dto.MetricType_COUNTER, 1, nil},
		{"http_source_responses_total", src, dto.MetricType_COUNTER, requests, []string{"status", "202"}},
		{"inbox_accepted_events_total", src, dto.MetricType_COUNTER, events, nil},
		{"inbox_capacity_events", src, dto.MetricType_GAUGE, -1, nil},
		{"inbox_fill_ratio", src, dto.MetricType_GAUGE, 0, nil},
		{"http_sink_batched_events_total", post, dto.MetricType_COUNTER, events, nil},
		{"http_sink_answers_total", post, dto.MetricType_COUNTER, -1, []string{"class", "2xx"}},
		{"http_sink_answers_total", post, dto.MetricType_COUNTER, 0, []string{"class", "503"}},
		{"http_sink_retries_total", post, dto.MetricType_COUNTER, 0, nil},
		{"dispatch_info", post, dto.MetricType_GAUGE, 1, []string{"mode", "direct"}},
		{"dispatch_in_flight_requests", post, dto.MetricType_GAUGE, 0, nil},
		{"dispatch_queued_requests", post, dto.MetricType_GAUGE, 0, nil},
		{"serve_deltas_total", live, dto.MetricType_COUNTER, events, nil},
		{"serve_subscribers", live, dto.MetricType_GAUGE, 0, nil},
	} {
		name := "greenwave_component_" + c.family
		f := fams[name]
		if f == nil {
			t.Errorf("no family %s", name)
			continue
		}
		if f.GetType() != c.typ || f.GetHelp() == "" {
			t.Errorf("%s: type %v help %q, want %v with help", name, f.GetType(), f.GetHelp(), c.typ)
		}
		v, ok := value(fams, name, append(append(tenant, "component", c.component), c.labels...)...)
		switch {
		case !ok:
			t.Errorf("%s{component=%q %v}: no series", name, c.component, c.labels)
		case c.want >= 0 && v != c.want:
			t.Errorf("%s{component=%q %v} = %v, want %v", name, c.component, c.labels, v, c.want)
		case c.want < 0 && v <= 0:
			t.Errorf("%s{component=%q %v} = %v, want above 0", name, c.component, c.labels, v)
		}
	}
	// The answers 2xx are the batches delivered; a batch needs one attempt.
	ok2xx, _ := value(fams, "greenwave_component_http_sink_answers_total", append(tenant, "component", post, "class", "2xx")...)
	batches, _ := value(fams, "greenwave_component_http_sink_batches_total", append(tenant, "component", post)...)
	if ok2xx != batches {
		t.Errorf("2xx answers %v, batches %v", ok2xx, batches)
	}
	// The same figures are in the JSON model, and the exposition lints.
	snap := metrics.NewReader(fx.fleet).Read()
	tn := snap.Tenant("web")
	if tn == nil || tn.Component("in") == nil || tn.Component("in").Type != "http" {
		t.Fatalf("the model has no http source: %+v", tn)
	}
	if v, ok := tn.Component("in").Figure("http_source_accepted_events_total"); !ok || v != events {
		t.Errorf("model: accepted %v %v", v, ok)
	}
	problems, err := testutil.CollectAndLint(&admin.Collector{Snap: &snap})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	if code, b := fx.do(t, "DELETE", "/api/tenants/web", ""); code != 200 {
		t.Fatalf("delete: %d %s", code, b)
	}
	if !serve.Drain(5 * time.Second) {
		t.Fatal("the serve sink's table did not close")
	}
}

// A component's faulty figures cannot break the exposition: an invalid
// name, a figure that disagrees with its family's help, type or labels,
// and a repeated series are left out; the rest is exported.
func TestComponentFiguresFaulty(t *testing.T) {
	g, c := component.GaugeOf, component.CounterOf
	snap := metrics.Snapshot{Tenants: []metrics.Tenant{{ID: "t", Components: []metrics.Component{
		{Name: "a", Figures: []component.Figure{
			c("x_events_total", "Events.", 1),
			c("x_events_total", "Events.", 2), // the same series again
			g("bad_total", "A gauge named as a counter.", 1),
			c("y_requests_total", "Requests.", 3, "code", "200"),
		}},
		{Name: "b", Figures: []component.Figure{
			c("x_events_total", "Other help.", 4), // disagrees with the family
			g("y_requests_total", "Requests.", 5), // disagrees: type and labels
			c("x_events_total", "Events.", 6),
		}},
	}}}}
	problems, err := testutil.CollectAndLint(&admin.Collector{Snap: &snap})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	want := `# HELP greenwave_component_x_events_total Events.
# TYPE greenwave_component_x_events_total counter
greenwave_component_x_events_total{component="a",tenant="t"} 1
greenwave_component_x_events_total{component="b",tenant="t"} 6
# HELP greenwave_component_y_requests_total Requests.
# TYPE greenwave_component_y_requests_total counter
greenwave_component_y_requests_total{code="200",component="a",tenant="t"} 3
`
	if err := testutil.CollectAndCompare(&admin.Collector{Snap: &snap}, strings.NewReader(want),
		"greenwave_component_x_events_total", "greenwave_component_y_requests_total", "greenwave_component_bad_total"); err != nil {
		t.Fatal(err)
	}
}
