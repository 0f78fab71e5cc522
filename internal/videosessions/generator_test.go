package videosessions

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/event"
)

type videoRow struct {
	typ, customer, session, viewer, video, cdn, device, country string
	bitrate, buffering, startup, play, seq                      int64
}

// defaults is the generate source's default configuration.
var defaults = Config{Seed: 1, Customers: 20, Sessions: 50, Heartbeat: 10 * time.Second, SessionLength: 5 * time.Minute}

// generate returns n events of a generator for cfg as rows, each event
// written at the slots of Fields' order.
func generate(t *testing.T, cfg Config, n int) []videoRow {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var slots Slots
	for i := range slots {
		slots[i] = i
	}
	f := make([]event.Value, FieldCount)
	rows := make([]videoRow, n)
	for i := range rows {
		g.Next(f, &slots, int64(i))
		if f[fTs].N != uint64(i) {
			t.Fatalf("event %d: ts %d, want the time given", i, f[fTs].N)
		}
		rows[i] = videoRow{
			typ: f[fEventType].Str(), customer: f[fCustomer].Str(), session: f[fSessionID].Str(), viewer: f[fViewerID].Str(),
			video: f[fVideoID].Str(), cdn: f[fCDN].Str(), device: f[fDevice].Str(), country: f[fCountry].Str(),
			bitrate: f[fBitrate].Int(), buffering: f[fBuffering].Int(), startup: f[fStartup].Int(), play: f[fPlay].Int(), seq: f[fSeq].Int(),
		}
	}
	return rows
}

func TestFields(t *testing.T) {
	var names []string
	for _, f := range Fields() {
		names = append(names, f.Name)
	}
	want := "ts,event_type,customer,session_id,viewer_id,video_id,cdn,device,country,bitrate_kbps,buffering_ms,startup_ms,play_ms,seq"
	if strings.Join(names, ",") != want || len(names) != FieldCount {
		t.Fatalf("fields %v", names)
	}
	// Fields returns a copy.
	Fields()[0].Name = "changed"
	if Fields()[0].Name != "ts" {
		t.Fatal("Fields shares its array")
	}
}

func TestNewChecksConfig(t *testing.T) {
	for _, tc := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Customers = 0 }, "customers must be between 1 and 16777216, got 0"},
		{func(c *Config) { c.Sessions = 1 << 20 }, "customers × sessions must be between 1 and 16777216, got 20971520"},
		{func(c *Config) { c.Heartbeat = time.Millisecond }, "heartbeat must be at least 10ms, got 1ms"},
		{func(c *Config) { c.SessionLength = time.Second }, "session length must be at least one heartbeat (10s), got 1s"},
	} {
		cfg := defaults
		tc.change(&cfg)
		if _, err := New(cfg); err == nil || err.Error() != tc.want {
			t.Errorf("got %v, want %s", err, tc.want)
		}
	}
}

// TestDeterministic: the same Config gives the same events; another seed
// others.
func TestDeterministic(t *testing.T) {
	a, b := generate(t, defaults, 5000), generate(t, defaults, 5000)
	other := defaults
	other.Seed = 2
	c := generate(t, other, 5000)
	if !slices.Equal(a, b) {
		t.Fatal("two generators of one Config differ")
	}
	if slices.Equal(a, c) {
		t.Fatal("seeds 1 and 2 give the same events")
	}
}

func TestVideoSessionsDynamics(t *testing.T) {
	const hb = 2 * time.Second
	rows := generate(t, Config{Seed: 1, Customers: 8, Sessions: 10, Heartbeat: hb, SessionLength: 30 * time.Second}, 30000)

	type sess struct {
		first, last videoRow
		n           int64
		ended       bool
	}
	sessions := map[string]*sess{}
	abandoned, abandonedBy, startedBy := 0, map[string]int{}, map[string]int{}
	types := map[string]int{}
	perCustomer := map[string]int{}
	for i, r := range rows {
		types[r.typ]++
		perCustomer[r.customer]++
		s := sessions[r.session]
		if s == nil {
			// A session begins with start, or is left before the video
			// starts: a lone end with no play time.
			if r.typ == "end" && r.seq == 0 && r.startup == 0 && r.play == 0 {
				abandoned++
				abandonedBy[r.device]++
			} else if r.typ != "start" || r.seq != 0 || r.startup <= 0 || r.play != 0 {
				t.Fatalf("event %d: session %s begins with %+v, want start with seq 0", i, r.session, r)
			}
			startedBy[r.device]++
			s = &sess{first: r}
			sessions[r.session] = s
		} else {
			switch {
			case s.ended:
				t.Fatalf("event %d: session %s has %s after end", i, r.session, r.typ)
			case r.typ == "start":
				t.Fatalf("event %d: session %s starts twice", i, r.session)
			case r.seq != s.n:
				t.Fatalf("event %d: session %s seq %d, want %d", i, r.session, r.seq, s.n)
			case r.customer != s.first.customer || r.viewer != s.first.viewer || r.video != s.first.video ||
				r.cdn != s.first.cdn || r.device != s.first.device || r.country != s.first.country:
				t.Fatalf("event %d: session %s changed identity: %+v vs %+v", i, r.session, r, s.first)
			case r.typ == "heartbeat" && s.last.typ == "heartbeat" && r.play != hb.Milliseconds():
				t.Fatalf("event %d: heartbeat after heartbeat with play_ms %d, want %d", i, r.play, hb.Milliseconds())
			}
		}
		if (r.buffering > 0) != (r.typ == "buffering") || (r.startup > 0) != (r.typ == "start") || r.play < 0 {
			t.Fatalf("event %d: inconsistent durations %+v", i, r)
		}
		if !slices.Contains(bitrateLadder[:], int32(r.bitrate)) || !slices.Contains(cdnNames[:], r.cdn) ||
			!slices.Contains(deviceNames[:], r.device) || !slices.Contains(countryNames[:], r.country) {
			t.Fatalf("event %d: value outside the model's tables: %+v", i, r)
		}
		if r.typ == "bitrate_change" && r.bitrate == s.last.bitrate {
			t.Fatalf("event %d: bitrate_change keeps bitrate %d", i, r.bitrate)
		}
		s.last, s.ended = r, r.typ == "end"
		s.n++
	}
	for _, typ := range videoEventNames {
		if types[typ] == 0 {
			t.Errorf("no %s events in %d", typ, len(rows))
		}
	}
	ended := 0
	for _, s := range sessions {
		if s.ended {
			ended++
		}
	}
	if ended < 1000 {
		t.Errorf("only %d of %d sessions ended", ended, len(sessions))
	}
	if len(perCustomer) != 8 || perCustomer["cust-001"] < 4*perCustomer["cust-008"] {
		t.Errorf("customers not skewed: %v", perCustomer)
	}
	// Exits before video start: a few percent of sessions, more on the
	// device that starts slowest (smart_tv) than on the fastest (web).
	if share := float64(abandoned) / float64(len(sessions)); share < 0.01 || share > 0.2 {
		t.Errorf("%d of %d sessions (%.1f%%) left before the video started, want 1-20%%", abandoned, len(sessions), 100*share)
	}
	rate := func(d string) float64 { return float64(abandonedBy[d]) / float64(max(startedBy[d], 1)) }
	if rate("smart_tv") <= 2*rate("web") {
		t.Errorf("exits before start: smart_tv %.3f, web %.3f; slow starts should lose more viewers", rate("smart_tv"), rate("web"))
	}
	if types["heartbeat"] < len(rows)/2 {
		t.Errorf("heartbeats are %d of %d events; they should dominate", types["heartbeat"], len(rows))
	}
}

func TestVideoSessionsBufferingDiffersByCDN(t *testing.T) {
	all, stalls := map[string]int{}, map[string]int{}
	for _, r := range generate(t, Config{Seed: 1, Customers: 10, Sessions: 20, Heartbeat: time.Second, SessionLength: time.Minute}, 100000) {
		all[r.cdn]++
		if r.typ == "buffering" {
			stalls[r.cdn]++
		}
	}
	ratio := func(cdn string) float64 { return float64(stalls[cdn]) / float64(all[cdn]) }
	if ratio("level3") < 2*ratio("fastly") {
		t.Errorf("buffering ratio level3 %.4f, fastly %.4f: level3 should be far worse", ratio("level3"), ratio("fastly"))
	}
}

func TestVideoSessionsAllocationsAreAmortized(t *testing.T) {
	g, err := New(defaults)
	if err != nil {
		t.Fatal(err)
	}
	var slots Slots
	for i := range slots {
		slots[i] = i
	}
	f := make([]event.Value, FieldCount)
	const batch = 1024
	ts := int64(0)
	read := func() {
		for range batch {
			g.Next(f, &slots, ts)
			ts++
		}
	}
	for range 100 { // past the first generation of sessions
		read()
	}
	perEvent := testing.AllocsPerRun(300, read) / batch
	// One allocation per new session (its ids), sessions last ~33 events.
	if perEvent > 0.05 {
		t.Errorf("%.4f allocations per event, want at most 0.05", perEvent)
	}
	t.Logf("%.4f allocations per event", perEvent)
}
