package admin_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.uber.org/goleak"

	"github.com/greenwave/greenwave/internal/admin"
	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/metrics"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// keyed is a pipeline with a keyed operator at parallelism 2, a drop edge
// and a sink, paced so that it runs while the test looks.
const keyed = `tenant: acme
sources:
  gen: {type: generate, profile: sequence, rate: 20000, keys: 100}
transforms:
  per_key:
    type: count
    inputs: [gen]
    key: [key]
    parallelism: 2
    emit: update
sinks:
  out: {type: file, inputs: [per_key], path: out.jsonl, buffer: {capacity: 64, when_full: drop_newest}}
`

type fixture struct {
	e     *engine.Engine
	fleet *admin.Fleet
	srv   *admin.Server
	http  *httptest.Server
	dir   string
}

func newFixture(t *testing.T, cfg admin.Config) *fixture {
	t.Helper()
	e, err := engine.New(engine.Config{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f := admin.NewFleet(e, builtin.Catalog(), dir)
	f.DrainTimeout = 10 * time.Second
	srv, err := admin.New(cfg, f)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	fx := &fixture{e: e, fleet: f, srv: srv, http: hs, dir: dir}
	t.Cleanup(func() {
		hs.Close()
		_ = srv.Close()
		e.Stop(10 * time.Second)
		e.Close()
	})
	return fx
}

func (fx *fixture) do(t *testing.T, method, path, body string, hdr ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, fx.http.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, b)
	}
	return v
}

func TestPutGetListDelete(t *testing.T) {
	fx := newFixture(t, admin.Config{})
	code, b := fx.do(t, "PUT", "/api/tenants/acme", keyed)
	if code != http.StatusCreated {
		t.Fatalf("put: %d %s", code, b)
	}
	res := decode[admin.Result](t, b)
	if res.ID != "acme" || res.Action != "added" || res.Version != 1 || res.State != "running" {
		t.Fatalf("put result %+v", res)
	}
	if len(res.Operators) != 1 || res.Operators[0] != (admin.OperatorResult{Name: "per_key", State: "started empty"}) {
		t.Fatalf("operators %+v", res.Operators)
	}

	code, b = fx.do(t, "GET", "/api/tenants", "")
	list := decode[admin.TenantList](t, b)
	if code != 200 || len(list.Tenants) != 1 || list.Tenants[0].ID != "acme" || list.Tenants[0].Version != 1 || list.Tenants[0].State != "running" {
		t.Fatalf("list: %d %s", code, b)
	}
	// The raw shape: every tenant has id, version and state.
	var raw struct {
		Tenants []map[string]any `json:"tenants"`
		Errors  []any            `json:"errors"`
	}
	_ = json.Unmarshal(b, &raw)
	for _, k := range []string{"id", "version", "state"} {
		if _, ok := raw.Tenants[0][k]; !ok {
			t.Fatalf("tenant summary lacks %q: %s", k, b)
		}
	}
	if raw.Errors == nil {
		t.Fatalf("errors must be a list: %s", b)
	}

	time.Sleep(300 * time.Millisecond)
	code, b = fx.do(t, "GET", "/api/tenants/acme", "")
	d := decode[admin.TenantDetail](t, b)
	if code != 200 || d.Text != keyed || d.Metrics == nil {
		t.Fatalf("detail: %d %s", code, b)
	}
	if len(d.Plan.Components) != 3 || d.Plan.Components[1].Name != "per_key" || d.Plan.Components[1].Parallelism != 2 || !d.Plan.Components[1].Keyed {
		t.Fatalf("plan components %+v", d.Plan.Components)
	}
	if len(d.Plan.Edges) != 2 || d.Plan.Edges[1] != (admin.PlanEdge{From: "per_key", To: "out", Capacity: 64, Policy: "drop_newest"}) {
		t.Fatalf("plan edges %+v", d.Plan.Edges)
	}
	m := d.Metrics
	if m.In == 0 || len(m.Actors) != len(d.Plan.Actors) || len(m.Edges) != 4 {
		t.Fatalf("metrics: in %d, %d actors (plan %d), %d edges", m.In, len(m.Actors), len(d.Plan.Actors), len(m.Edges))
	}
	var groups []string
	for _, a := range m.Actors {
		groups = append(groups, a.Group+"/"+a.Kind)
	}
	if got := strings.Join(groups, ","); !strings.Contains(got, "per_key/transform,per_key/transform") || !strings.Contains(got, "gen/source") {
		t.Fatalf("actor groups %s", got)
	}

	code, b = fx.do(t, "GET", "/api/tenants/nope", "")
	if code != 404 || !strings.Contains(string(b), `"error"`) {
		t.Fatalf("unknown tenant: %d %s", code, b)
	}

	code, b = fx.do(t, "DELETE", "/api/tenants/acme", "")
	rm := decode[admin.Removed](t, b)
	if code != 200 || !rm.Removed || rm.In == 0 {
		t.Fatalf("delete: %d %s", code, b)
	}
	code, b = fx.do(t, "GET", "/api/tenants", "")
	if list := decode[admin.TenantList](t, b); len(list.Tenants) != 0 {
		t.Fatalf("after delete: %s", b)
	}
	if code, _ := fx.do(t, "DELETE", "/api/tenants/acme", ""); code != 404 {
		t.Fatalf("second delete: %d", code)
	}
}

// A replace with a bad file changes nothing: the running version keeps
// running, with the same version, and the answer has every problem with
// its position.
func TestReplaceWithBadFileChangesNothing(t *testing.T) {
	fx := newFixture(t, admin.Config{})
	if code, b := fx.do(t, "PUT", "/api/tenants/acme", keyed); code != 201 {
		t.Fatalf("put: %d %s", code, b)
	}
	before, _ := fx.fleet.Get("acme")
	bad := strings.Replace(keyed, "inputs: [gen]", "inputs: [gne]", 1)
	bad = strings.Replace(bad, "rate: 20000", "rate: -5", 1)
	code, b := fx.do(t, "PUT", "/api/tenants/acme", bad)
	if code != http.StatusBadRequest {
		t.Fatalf("bad put: %d %s", code, b)
	}
	var body struct {
		Error    string          `json:"error"`
		Problems []admin.Problem `json:"problems"`
	}
	body = decode[struct {
		Error    string          `json:"error"`
		Problems []admin.Problem `json:"problems"`
	}](t, b)
	if len(body.Problems) != 2 || !strings.Contains(body.Error, "nothing was changed") {
		t.Fatalf("problems %s", b)
	}
	p := body.Problems[1]
	if p.Line != 7 || p.Column < 1 || !strings.Contains(p.Message, `unknown input "gne"`) || !strings.Contains(p.Text, "acme.yaml:7:14: ") {
		t.Fatalf("problem %+v", p)
	}
	after, _ := fx.fleet.Get("acme")
	if after.Tenant != before.Tenant || after.Tenant.Version() != 1 || after.Tenant.State() != engine.StateRunning || string(after.Text) != keyed {
		t.Fatalf("the bad put changed the tenant: version %d state %s", after.Tenant.Version(), after.Tenant.State())
	}
	// A file naming another tenant is refused too.
	code, b = fx.do(t, "PUT", "/api/tenants/acme", strings.Replace(keyed, "tenant: acme", "tenant: other", 1))
	if code != 400 || !strings.Contains(string(b), `tenant \"other\" does not match`) {
		t.Fatalf("mismatched tenant: %d %s", code, b)
	}
	code, b = fx.do(t, "GET", "/api/tenants", "")
	if list := decode[admin.TenantList](t, b); len(list.Errors) != 2 {
		t.Fatalf("recent errors: %s", b)
	}
}

// Replacing a tenant drains the old version losslessly and runs the new
// one as version 2, while another tenant runs on untouched.
func TestReplaceDrainsAndBumpsVersion(t *testing.T) {
	fx := newFixture(t, admin.Config{})
	const finite = `tenant: acme
sources:
  gen: {type: generate, profile: sequence, rate: 50000, count: 10000000}
transforms:
  per_key: {type: count, inputs: [gen], key: [key], parallelism: 2, emit: update}
sinks:
  out: {type: blackhole, inputs: [per_key]}
`
	if code, b := fx.do(t, "PUT", "/api/tenants/acme", finite); code != 201 {
		t.Fatalf("put: %d %s", code, b)
	}
	if code, b := fx.do(t, "PUT", "/api/tenants/other", strings.Replace(keyed, "tenant: acme", "tenant: other", 1)); code != 201 {
		t.Fatalf("put other: %d %s", code, b)
	}
	other, _ := fx.fleet.Get("other")
	old, _ := fx.fleet.Get("acme")
	time.Sleep(200 * time.Millisecond)
	code, b := fx.do(t, "PUT", "/api/tenants/acme", strings.Replace(finite, "rate: 50000", "rate: 40000", 1))
	if code != 200 {
		t.Fatalf("replace: %d %s", code, b)
	}
	res := decode[admin.Result](t, b)
	if res.Action != "replaced" || res.Version != 2 || res.Operators[0].State != "started empty" {
		t.Fatalf("replace result %+v", res)
	}
	st := old.Tenant.Stats()
	if !st.Finished || st.Failed || st.In == 0 || st.Dropped != 0 {
		t.Fatalf("old version: finished %v failed %v in %d dropped %d", st.Finished, st.Failed, st.In, st.Dropped)
	}
	// Every event the old version's source produced reached the count.
	for _, l := range st.Links {
		if l.Published != l.Consumed {
			t.Fatalf("old version lost events on %s: published %d consumed %d", l.Label, l.Published, l.Consumed)
		}
	}
	if now, _ := fx.fleet.Get("other"); now.Tenant != other.Tenant || now.Tenant.State() != engine.StateRunning {
		t.Fatal("the other tenant was touched")
	}
	code, b = fx.do(t, "GET", "/api/tenants/acme", "")
	if d := decode[admin.TenantDetail](t, b); d.Version != 2 || d.State != "running" {
		t.Fatalf("after replace: %s", b[:200])
	}
}

func TestBearerToken(t *testing.T) {
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fx := newFixture(t, admin.Config{TokenFile: tok})
	if code, _ := fx.do(t, "GET", "/api/tenants", ""); code != 401 {
		t.Fatalf("no token: %d", code)
	}
	if code, _ := fx.do(t, "GET", "/metrics", "", "Authorization", "Bearer wrong"); code != 401 {
		t.Fatalf("wrong token: %d", code)
	}
	if code, _ := fx.do(t, "GET", "/api/tenants", "", "Authorization", "Bearer s3cret"); code != 200 {
		t.Fatalf("right token: %d", code)
	}
	if code, _ := fx.do(t, "GET", "/healthz", ""); code != 200 {
		t.Fatalf("healthz needs no token: %d", code)
	}
	// The console's files hold no figures: the page loads without the
	// token and asks for it; what it reads needs it.
	for _, p := range []string{"/", "/app.js", "/vendor.js"} {
		if code, _ := fx.do(t, "GET", p, ""); code != 200 {
			t.Fatalf("console file %s without token: %d", p, code)
		}
	}
	for _, p := range []string{"/nope.js", "/debug/pprof/", "/api/history"} {
		if code, _ := fx.do(t, "GET", p, ""); code != 401 {
			t.Fatalf("%s without token: %d", p, code)
		}
	}
	if code, _ := fx.do(t, "GET", "/readyz", ""); code != 503 {
		t.Fatalf("readyz before SetReady: %d", code)
	}
	fx.srv.SetReady()
	if code, _ := fx.do(t, "GET", "/readyz", ""); code != 200 {
		t.Fatalf("readyz after SetReady: %d", code)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	_ = os.WriteFile(empty, nil, 0o600)
	if _, err := admin.New(admin.Config{TokenFile: empty}, fx.fleet); err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Fatalf("empty token file: %v", err)
	}
	if _, err := admin.New(admin.Config{TokenFile: "/nonexistent/token"}, fx.fleet); err == nil || !strings.Contains(err.Error(), `cannot read token file "/nonexistent/token"`) {
		t.Fatalf("missing token file: %v", err)
	}
}

func TestListenAddrDefaultsToLoopback(t *testing.T) {
	for in, want := range map[string]string{"9090": "127.0.0.1:9090", ":9090": "127.0.0.1:9090", "0.0.0.0:9090": "0.0.0.0:9090", "localhost:1": "localhost:1"} {
		if got := admin.ListenAddr(in); got != want {
			t.Errorf("ListenAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

// The Prometheus output parses, follows the naming conventions, and has
// the families the model promises with their labels.
func TestPrometheusOutput(t *testing.T) {
	fx := newFixture(t, admin.Config{})
	if code, b := fx.do(t, "PUT", "/api/tenants/acme", keyed); code != 201 {
		t.Fatalf("put: %d %s", code, b)
	}
	time.Sleep(300 * time.Millisecond)
	snap := metrics.NewReader(fx.fleet).Read()
	c := &admin.Collector{Snap: &snap}
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	code, b := fx.do(t, "GET", "/metrics", "")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(string(b)))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	want := map[string][]string{
		"greenwave_edge_dropped_total":                {"tenant", "from", "to", "partition"},
		"greenwave_edge_blocked_seconds_total":        {"tenant", "from", "to", "partition"},
		"greenwave_edge_fill_ratio":                   {"tenant", "from", "to", "partition"},
		"greenwave_edge_max_batch_events":             {"tenant", "from", "to", "partition"},
		"greenwave_actor_busy_seconds_total":          {"tenant", "actor"},
		"greenwave_actor_backpressured_seconds_total": {"tenant", "actor"},
		"greenwave_actor_idle_seconds_total":          {"tenant", "actor"},
		"greenwave_sink_latency_seconds":              {"tenant", "actor"},
		"greenwave_tenant_events_in_total":            {"tenant"},
		"greenwave_worker_parks_total":                {"worker"},
		"greenwave_process_run_delay_seconds_total":   nil,
		"go_goroutines":                               nil,
	}
	for name, labels := range want {
		f := fams[name]
		if f == nil || len(f.Metric) == 0 {
			t.Errorf("no %s", name)
			continue
		}
		var got []string
		for _, lp := range f.Metric[0].Label {
			got = append(got, lp.GetName())
		}
		if strings.Join(got, ",") != strings.Join(sorted(labels), ",") {
			t.Errorf("%s labels %v, want %v", name, got, labels)
		}
	}
	// Four edges: gen -> per_key#0 and #1, and per_key#0 and #1 -> out.
	if n := len(fams["greenwave_edge_dropped_total"].Metric); n != 4 {
		t.Errorf("%d edge series, want 4", n)
	}
	// The source (actor "gen") has one busy series, and has been busy.
	sources := 0
	for _, m := range fams["greenwave_actor_busy_seconds_total"].Metric {
		for _, l := range m.Label {
			if l.GetName() == "actor" && l.GetValue() == "gen" {
				sources++
				if m.Counter.GetValue() <= 0 {
					t.Errorf("source busy %v", m.Counter.GetValue())
				}
			}
		}
	}
	if sources != 1 {
		t.Errorf("%d busy series for the source gen, want 1", sources)
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// Each scraper's largest batch is since its own previous scrape: a second
// scraper still sees the batches the first one already saw.
func TestMaxBatchPerReader(t *testing.T) {
	fx := newFixture(t, admin.Config{})
	if code, b := fx.do(t, "PUT", "/api/tenants/acme", keyed); code != 201 {
		t.Fatalf("put: %d %s", code, b)
	}
	e, _ := fx.fleet.Get("acme")
	waitFor(t, func() bool { return e.Tenant.Metrics().Out > 1000 })
	maxBatch := func(reader string) int {
		_, b := fx.do(t, "GET", "/api/metrics?reader="+reader, "")
		s := decode[metrics.Snapshot](t, b)
		m := 0
		for _, e := range s.Tenant("acme").Edges {
			m = max(m, e.MaxBatch)
		}
		return m
	}
	a1 := maxBatch("a")
	if a1 == 0 {
		t.Fatal("no batch seen")
	}
	if b1 := maxBatch("b"); b1 < a1 {
		t.Fatalf("reader b saw max batch %d after reader a saw %d: a reset what b sees", b1, a1)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTapStreamsSampledEvents(t *testing.T) {
	fx := newFixture(t, admin.Config{})
	if code, b := fx.do(t, "PUT", "/api/tenants/acme", keyed); code != 201 {
		t.Fatalf("put: %d %s", code, b)
	}
	resp, err := http.Get(fx.http.URL + "/api/tap/acme/gen?limit=5&rate=100")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	n := 0
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if _, ok := ev["key"]; !ok {
			t.Fatalf("event without key: %s", sc.Text())
		}
		n++
	}
	if n != 5 {
		t.Fatalf("%d events, want 5", n)
	}
	if code, b := fx.do(t, "GET", "/api/tap/acme/nope", ""); code != 404 || !strings.Contains(string(b), `no component \"nope\"`) {
		t.Fatalf("tap of unknown component: %d %s", code, b)
	}
	if code, _ := fx.do(t, "GET", "/api/tap/acme/gen?rate=abc", ""); code != 400 {
		t.Fatalf("bad rate: %d", code)
	}
}
