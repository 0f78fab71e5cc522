package bench

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/nexmark/queries"
)

// TestNexmarkEveryQuery runs every query once, tiny, and checks that each
// produced figures and that the pipelines that compute rows emitted some.
func TestNexmarkEveryQuery(t *testing.T) {
	rs, err := runNexmark(Config{Events: 20_000, Cores: 2, Variant: "greenwave"})
	if err != nil {
		t.Fatal(err)
	}
	names := queries.Names()
	if len(rs) != len(names) {
		t.Fatalf("got %d results, want one per query (%d)", len(rs), len(names))
	}
	for i, r := range rs {
		if r.Case != names[i] || r.Extra["query"] != names[i] {
			t.Errorf("result %d is for %q (query %v), want %q", i, r.Case, r.Extra["query"], names[i])
		}
		if r.Bench != "nexmark" || r.Variant != "greenwave" || r.EventsPerSec <= 0 || r.NsPerEvent <= 0 {
			t.Errorf("%s: bench %q variant %q, %v events/s, %v ns/event", r.Case, r.Bench, r.Variant, r.EventsPerSec, r.NsPerEvent)
		}
		if r.Extra["events"] != int64(20_000) || r.Extra["cores"] != 2 {
			t.Errorf("%s: events %v cores %v, want 20000 and 2", r.Case, r.Extra["events"], r.Extra["cores"])
		}
		if got := r.Extra["late_events"]; got != 0.0 {
			t.Errorf("%s: %v late events", r.Case, got)
		}
	}
}

// TestNexmarkJSON runs one query through Run, as `greenwave bench nexmark
// --query q2 --json` does, and checks the fields scripts rely on.
func TestNexmarkJSON(t *testing.T) {
	var out bytes.Buffer
	if err := Run("nexmark", Config{Query: "q2", Events: 30_000, Cores: 1, Runs: 3}, &out, true); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2 (the query and its generator, medians of 3 runs):\n%s", len(lines), out.String())
	}
	var gen map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &gen); err != nil {
		t.Fatal(err)
	}
	if gen["variant"] != "generator" || gen["query"] != "q2" || gen["events"] != 30_000.0 || gen["events_per_sec"].(float64) <= 0 {
		t.Errorf("generator row: %s", lines[1])
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"bench", "variant", "query", "cores", "events", "events_per_sec",
		"events_per_sec_per_core", "ns_per_event", "allocs_per_event", "peak_rss_bytes", "complete"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON has no %q: %s", k, lines[0])
		}
	}
	if m["bench"] != "nexmark" || m["variant"] != "greenwave" || m["query"] != "q2" || m["cores"] != 1.0 ||
		m["events"] != 30_000.0 || m["complete"] != true {
		t.Errorf("unexpected values: %s", lines[0])
	}
	if eps, per := m["events_per_sec"].(float64), m["events_per_sec_per_core"].(float64); eps <= 0 || per != eps {
		t.Errorf("events_per_sec %v, per core %v: want equal and positive on one core", eps, per)
	}
	if rss := m["peak_rss_bytes"].(float64); rss < 1<<20 {
		t.Errorf("peak_rss_bytes %v: not a resident set size", rss)
	}
}

func TestNexmarkUnknownQuery(t *testing.T) {
	_, err := runNexmark(Config{Query: "q99", Events: 1000})
	if err == nil || !strings.Contains(err.Error(), `"q99"`) {
		t.Fatalf("error = %v, want one naming \"q99\"", err)
	}
}

// BenchmarkNexmark runs each query for b.N events (at least 200,000) on two
// cores; use it with -cpuprofile to see where a query's time goes.
func BenchmarkNexmark(b *testing.B) {
	for _, q := range queries.All() {
		b.Run(q.Name, func(b *testing.B) {
			n := max(int64(b.N), 200_000)
			if _, err := runNexmarkQuery(q, "greenwave", 2, n); err != nil {
				b.Fatal(err)
			}
		})
	}
}
