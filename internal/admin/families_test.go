package admin_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/greenwave/greenwave/internal/admin"
	"github.com/greenwave/greenwave/internal/metrics"
)

// A scraper's scrapes reuse the memory of its previous one: the second
// scrape's figures are the model's, not added to or mixed with the
// first's.
func TestRepeatedScrapesHoldFreshFigures(t *testing.T) {
	fx := newFixture(t, admin.Config{})
	if code, b := fx.do(t, "PUT", "/api/tenants/acme", keyed); code != 201 {
		t.Fatalf("put: %d %s", code, b)
	}
	time.Sleep(300 * time.Millisecond)
	first := scrape(t, fx)
	second := scrape(t, fx)
	snap := metrics.NewReader(fx.fleet).Read()
	after := snap.Tenant("acme")
	if after == nil {
		t.Fatal("no tenant acme in the model")
	}
	var modelCount uint64
	for _, a := range after.Actors {
		if a.Latency != nil {
			for _, c := range a.Latency.Buckets {
				modelCount += c
			}
		}
	}
	for i, fams := range []map[string]*dto.MetricFamily{first, second} {
		h := fams["greenwave_sink_latency_seconds"]
		if h == nil || len(h.Metric) != 1 {
			t.Fatalf("scrape %d: want one sink latency series, got %v", i+1, h)
		}
		got := h.Metric[0].Histogram.GetSampleCount()
		if got == 0 || got > modelCount {
			t.Errorf("scrape %d: sink latency count %d, want above 0 and at most the model's later %d", i+1, got, modelCount)
		}
		if n := len(fams["greenwave_edge_published_total"].GetMetric()); n != 4 {
			t.Errorf("scrape %d: %d edge series, want 4", i+1, n)
		}
	}
	p1, _ := value(first, "greenwave_tenant_events_in_total", "tenant", "acme")
	p2, _ := value(second, "greenwave_tenant_events_in_total", "tenant", "acme")
	if p1 <= 0 || p2 < p1 || p2 > float64(after.In) {
		t.Errorf("events in: first %v, second %v, model later %v", p1, p2, after.In)
	}
}

// A checkpointed tenant's checkpoint figures are exported per tenant; a
// tenant that is not checkpointed has no checkpoint series.
func TestCheckpointFamilies(t *testing.T) {
	snap := metrics.Snapshot{Tenants: []metrics.Tenant{
		{ID: "ck", State: "running", Checkpoints: &metrics.Checkpoints{Written: 7, Failed: 1, Unaligned: 3,
			InflightBytes: 4096, LastBytes: 900, LastDurationSeconds: 0.25}},
		{ID: "plain", State: "running"},
	}}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(&admin.Collector{Snap: &snap})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	fams := map[string]*dto.MetricFamily{}
	for _, f := range mfs {
		fams[f.GetName()] = f
	}
	for name, want := range map[string]float64{
		"greenwave_tenant_checkpoints_total":                7,
		"greenwave_tenant_checkpoints_failed_total":         1,
		"greenwave_tenant_checkpoints_unaligned_total":      3,
		"greenwave_tenant_checkpoint_inflight_bytes_total":  4096,
		"greenwave_tenant_checkpoint_last_bytes":            900,
		"greenwave_tenant_checkpoint_last_duration_seconds": 0.25,
	} {
		if got, ok := value(fams, name, "tenant", "ck"); !ok || got != want {
			t.Errorf("%s{tenant=ck} = %v (present %v), want %v", name, got, ok, want)
		}
		if _, ok := value(fams, name, "tenant", "plain"); ok {
			t.Errorf("%s has a series for the tenant that is not checkpointed", name)
		}
	}
}
