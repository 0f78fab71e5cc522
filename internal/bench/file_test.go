package bench

import "testing"

// TestFileScenario runs the file scenario on a small input: both variants
// read every event and wrote the same rows (runFile fails otherwise).
func TestFileScenario(t *testing.T) {
	rs, err := runFile(Config{Events: 20_000, Cores: 2})
	defer removeVideoFile()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Variant != "parallelism-1" || rs[1].Variant != "parallelism-2" {
		t.Fatalf("results %+v", rs)
	}
	for _, r := range rs {
		rows := r.Extra["rows_out"].(float64)
		if r.EventsPerSec <= 0 || rows < 5_000 || rows > 15_000 {
			t.Errorf("%s: %v events/s, %v rows of 20000 events (about half have bitrate_kbps > 1000)", r.Variant, r.EventsPerSec, rows)
		}
	}
}
