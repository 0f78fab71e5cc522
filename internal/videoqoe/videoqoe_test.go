package videoqoe

import (
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"
)

// consoleRow is one line of the console output (the readable map), as the
// file sink writes it.
type consoleRow struct {
	Minute       string   `json:"minute"`
	Customer     string   `json:"customer"`
	Plays        int64    `json:"plays"`
	Sessions     int64    `json:"sessions"`
	Viewers      int64    `json:"viewers"`
	RebufferPct  *float64 `json:"rebuffer_pct"`
	BitrateKbps  *float64 `json:"bitrate_kbps"`
	StartupP95Ms *float64 `json:"startup_p95_ms"`
	TopCDNs      string   `json:"top_cdns"`
}

// cdnDeviceRow is one line of the CDN × device file.
type cdnDeviceRow struct {
	CDN          string    `json:"cdn"`
	Device       string    `json:"device"`
	WindowStart  time.Time `json:"window_start"`
	WindowEnd    time.Time `json:"window_end"`
	Plays        int64     `json:"plays"`
	Sessions     int64     `json:"sessions"`
	Viewers      int64     `json:"viewers"`
	RebufferPct  *float64  `json:"rebuffer_pct"`
	BitrateKbps  *float64  `json:"bitrate_kbps"`
	StartupP95Ms *float64  `json:"startup_p95_ms"`
}

// TestVideoQoE runs examples/video-qoe.yaml on testEvents generated events
// with its windows at parallelism 1 and 4, in order and shuffled in bounded
// groups, and checks every row of both of
// its outputs against the reference: the same events, read through a
// pipeline that only writes them to a file, folded into sessions and
// minutes in plain Go.
func TestVideoQoE(t *testing.T) {
	text := readExample(t)
	m := regexp.MustCompile(`(?m)^    gap: (\S+)$`).FindAllStringSubmatch(text, -1)
	if len(m) != 1 {
		t.Fatalf("the pipeline file has %d session gaps, want 1", len(m))
	}
	gap, err := time.ParseDuration(m[0][1])
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	run(t, "events.yaml", eventsPipeline(t), dir)
	events := readLines[rawEvent](t, filepath.Join(dir, eventsFile))
	if len(events) != testEvents {
		t.Fatalf("the events file has %d events, want %d", len(events), testEvents)
	}
	slices.SortStableFunc(events, func(a, b rawEvent) int { return a.TS.Compare(b.TS) })
	sessions := sessionize(events, gap)
	checkSessionsWhole(t, events, sessions, gap)
	byCustomer := perMinute(sessions, gap, func(s *session) string { return s.customer })
	byCDNDevice := perMinute(sessions, gap, func(s *session) string { return s.cdn + "/" + s.device })
	minutes := map[int64]bool{}
	for k := range byCustomer {
		minutes[k.minute] = true
	}
	if len(minutes) < 2 || len(byCustomer) < 30 || len(byCDNDevice) < 30 {
		t.Fatalf("BUG: the reference has %d minutes, %d customer rows and %d CDN × device rows; the test would prove little",
			len(minutes), len(byCustomer), len(byCDNDevice))
	}
	for _, par := range []int{1, 4} {
		for _, shuffled := range []bool{false, true} {
			name := "parallelism-" + strconv.Itoa(par)
			if shuffled {
				name += "-shuffled"
			}
			t.Run(name, func(t *testing.T) {
				dir := t.TempDir()
				run(t, "video-qoe.yaml", testPipeline(t, par, shuffled), dir)
				checkConsole(t, readLines[consoleRow](t, filepath.Join(dir, consoleFile)), byCustomer)
				checkCDNDevice(t, readLines[cdnDeviceRow](t, filepath.Join(dir, cdnDeviceFile)), byCDNDevice)
			})
		}
	}
}

// checkSessionsWhole checks the premise of the file's gap: that no session
// id is split into several session windows, so stage 1 gives one row per
// playback session.
func checkSessionsWhole(t *testing.T, events []rawEvent, sessions []*session, gap time.Duration) {
	t.Helper()
	ids := map[string]bool{}
	for _, e := range events {
		ids[e.SessionID] = true
	}
	if len(sessions) != len(ids) {
		t.Fatalf("a %v gap splits %d session ids into %d session windows; raise the gap", gap, len(ids), len(sessions))
	}
}

// checkConsole compares the console rows with the reference: counts, sums
// and ratios exactly (after the file's rounding), distinct viewers exactly
// below 1024, the 95th percentile within its sketch's 1% (plus the
// rounding's half millisecond).
func checkConsole(t *testing.T, got []consoleRow, want map[minuteKey]*measures) {
	t.Helper()
	seen := map[minuteKey]bool{}
	for _, r := range got {
		start, err := time.Parse(time.RFC3339Nano, r.Minute)
		if err != nil {
			t.Fatalf("row %+v: bad minute: %v", r, err)
		}
		k := minuteKey{start.UnixNano(), r.Customer}
		w := want[k]
		if w == nil || seen[k] {
			t.Fatalf("unexpected or repeated row %+v", r)
		}
		seen[k] = true
		checkCounts(t, r.Customer+" "+r.Minute, r.Plays, r.Sessions, r.Viewers, w)
		checkFloat(t, r.Customer+" "+r.Minute+" rebuffer_pct", r.RebufferPct, math.Round(w.rebufferPct()*100)/100)
		checkFloat(t, r.Customer+" "+r.Minute+" bitrate_kbps", r.BitrateKbps, math.Round(w.bitrate()))
		checkP95(t, r.Customer+" "+r.Minute, r.StartupP95Ms, w.startupP95, 0.5)
		if r.TopCDNs != w.topCDNs {
			t.Errorf("%s %s: top_cdns %q, want %q", r.Customer, r.Minute, r.TopCDNs, w.topCDNs)
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("got %d console rows, want %d", len(seen), len(want))
	}
}

// checkCDNDevice compares the CDN × device rows with the reference, as
// checkConsole does but without rounding.
func checkCDNDevice(t *testing.T, got []cdnDeviceRow, want map[minuteKey]*measures) {
	t.Helper()
	seen := map[minuteKey]bool{}
	for _, r := range got {
		k := minuteKey{r.WindowStart.UnixNano(), r.CDN + "/" + r.Device}
		w := want[k]
		if w == nil || seen[k] || r.WindowEnd.Sub(r.WindowStart) != time.Minute {
			t.Fatalf("unexpected or repeated row %+v", r)
		}
		seen[k] = true
		name := k.key + " " + r.WindowStart.Format(time.RFC3339)
		checkCounts(t, name, r.Plays, r.Sessions, r.Viewers, w)
		checkFloat(t, name+" rebuffer_pct", r.RebufferPct, w.rebufferPct())
		checkFloat(t, name+" bitrate_kbps", r.BitrateKbps, w.bitrate())
		checkP95(t, name, r.StartupP95Ms, w.startupP95, 0)
	}
	if len(seen) != len(want) {
		t.Fatalf("got %d CDN × device rows, want %d", len(seen), len(want))
	}
}

// exactDistinct is the number of distinct values below which
// count_distinct is exact.
const exactDistinct = 1024

func checkCounts(t *testing.T, name string, plays, sessions, viewers int64, w *measures) {
	t.Helper()
	if plays != w.plays || sessions != w.sessions {
		t.Errorf("%s: plays %d, sessions %d; want %d, %d", name, plays, sessions, w.plays, w.sessions)
	}
	switch {
	case w.viewers < exactDistinct && viewers != w.viewers:
		t.Errorf("%s: viewers %d, want %d", name, viewers, w.viewers)
	case w.viewers >= exactDistinct && math.Abs(float64(viewers-w.viewers)) > 0.025*float64(w.viewers):
		t.Errorf("%s: viewers %d, want %d within 2.5%%", name, viewers, w.viewers)
	}
}

func checkFloat(t *testing.T, name string, got *float64, want float64) {
	t.Helper()
	if got == nil || *got != want {
		t.Errorf("%s: %v, want %v", name, deref(got), want)
	}
}

// checkP95 checks a percentile against the exact one: within 1%, plus
// slack for the output's rounding; null when there were no starts.
func checkP95(t *testing.T, name string, got *float64, want, slack float64) {
	t.Helper()
	if math.IsNaN(want) {
		if got != nil {
			t.Errorf("%s: startup_p95_ms %v, want null", name, *got)
		}
		return
	}
	if got == nil || math.Abs(*got-want) > 0.01*want+slack {
		t.Errorf("%s: startup_p95_ms %v, want %v within 1%%", name, deref(got), want)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
