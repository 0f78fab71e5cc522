package admin_test

import (
	"testing"
	"time"

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
