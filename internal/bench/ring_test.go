package bench

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func TestRingScenarioReportsEveryCaseAndVariant(t *testing.T) {
	var out bytes.Buffer
	cfg := Config{Duration: 20 * time.Millisecond, Runs: 1}
	if err := Run("ring", cfg, &out, true); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	dec := json.NewDecoder(&out)
	for dec.More() {
		var r struct {
			Bench          string  `json:"bench"`
			Case           string  `json:"case"`
			Variant        string  `json:"variant"`
			EventsPerSec   float64 `json:"events_per_sec"`
			NsPerEvent     float64 `json:"ns_per_event"`
			AllocsPerEvent float64 `json:"allocs_per_event"`
			Speedup        float64 `json:"speedup_vs_channel"`
		}
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		if r.Bench != "ring" || r.EventsPerSec <= 0 || r.NsPerEvent <= 0 || r.Speedup <= 0 {
			t.Errorf("result %+v: missing figures", r)
		}
		seen[r.Case+"/"+r.Variant] = true
	}
	for _, c := range ringCases {
		for _, v := range ringVariants {
			if !seen[c.name+"/"+v] {
				t.Errorf("no result for %s/%s", c.name, v)
			}
		}
	}
}

func TestRingScenarioHonoursFilters(t *testing.T) {
	rs, err := runRing(Config{Duration: 10 * time.Millisecond, Case: "2p1c", Variant: "greenwave"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Case != "2p1c" || rs[0].Variant != "greenwave" {
		t.Fatalf("filtered run returned %+v", rs)
	}
}
