package bench

import (
	"testing"
	"time"
)

// The observe scenario, small: the scraper reads every tenant's figures
// while the pipeline runs, and replacing C every 500 ms starts new
// versions that lose none of the events they accepted.
func TestObserveScenarioRuns(t *testing.T) {
	rs, err := runObserve(Config{Duration: 300 * time.Millisecond, Count: 20, Cores: 2})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Result{}
	for _, r := range rs {
		got[r.Case+"/"+r.Variant] = r
	}
	if len(got) != 6 {
		t.Fatalf("%d results %v, want 2 variants of 3 cases", len(got), rs)
	}
	for _, k := range []string{"scrape/scraped", "scrape-10k-edges/scraped"} {
		r := got[k]
		if r.EventsPerSec <= 0 || r.Extra["scrapes"].(float64) < 1 || r.Extra["vs_none"] == nil {
			t.Errorf("%s: %.0f events/s, %v scrapes, vs_none %v", k, r.EventsPerSec, r.Extra["scrapes"], r.Extra["vs_none"])
		}
	}
	// Each of the 20 idle tenants adds its five edges and six actors: more
	// than a kilobyte of series.
	if one, many := got["scrape/scraped"].Extra["scrape_bytes"].(float64), got["scrape-10k-edges/scraped"].Extra["scrape_bytes"].(float64); many-one < 20*1000 {
		t.Errorf("scrape of 21 tenants %v bytes, of one %v", many, one)
	}
	r := got["replace/replacing"]
	if v := r.Extra["c_versions"].(float64); v < 2 {
		t.Errorf("%v versions of c in 1.5 s, want several", v)
	}
	if c := r.Extra["c_events"].(float64); c <= 0 {
		t.Errorf("c took %v events", c)
	}
	if lost := r.Extra["c_lost"].(float64); lost != 0 {
		t.Errorf("replacing c lost %v accepted events", lost)
	}
	if r.P99Ns <= 0 || got["replace/steady"].P99Ns <= 0 {
		t.Errorf("p99 %d replacing, %d steady", r.P99Ns, got["replace/steady"].P99Ns)
	}
}
