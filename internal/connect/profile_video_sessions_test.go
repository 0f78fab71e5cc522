package connect

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

type videoRow struct {
	typ, customer, session, viewer, video, cdn, device, country string
	bitrate, buffering, startup, play, seq                      int64
}

func videoRows(t *testing.T, sch *event.Schema, events []event.Event) []videoRow {
	t.Helper()
	slots := map[string]int{}
	for _, f := range videoFields {
		slot, ok := sch.Slot(f.Name)
		if !ok {
			t.Fatalf("schema lacks %q", f.Name)
		}
		slots[f.Name] = slot
	}
	rows := make([]videoRow, len(events))
	for i := range events {
		e := &events[i]
		s := func(name string) string { return e.Get(slots[name]).Str() }
		n := func(name string) int64 { return e.Get(slots[name]).Int() }
		rows[i] = videoRow{
			typ: s("event_type"), customer: s("customer"), session: s("session_id"), viewer: s("viewer_id"),
			video: s("video_id"), cdn: s("cdn"), device: s("device"), country: s("country"),
			bitrate: n("bitrate_kbps"), buffering: n("buffering_ms"), startup: n("startup_ms"), play: n("play_ms"), seq: n("seq"),
		}
	}
	return rows
}

func TestVideoSessionsSchema(t *testing.T) {
	sch, events := generateN(t, map[string]any{}, 10, 10)
	want := "ts,event_type,customer,session_id,viewer_id,video_id,cdn,device,country,bitrate_kbps,buffering_ms,startup_ms,play_ms,seq"
	if sch.Name != "video_event" || strings.Join(sch.Names(), ",") != want {
		t.Fatalf("schema %q: %v", sch.Name, sch.Names())
	}
	for i := range events {
		if events[i].Schema != sch.ID || sch.ID == 0 {
			t.Fatalf("event %d has schema id %d, registered %d", i, events[i].Schema, sch.ID)
		}
		if events[i].Time != int64(field(t, sch, &events[i], "ts").N) {
			t.Fatalf("event %d: Time and ts differ", i)
		}
	}
}

func TestVideoSessionsDynamics(t *testing.T) {
	const hb = 2 * time.Second
	sch, events := generateN(t, map[string]any{
		"customers": int64(8), "sessions": int64(10), "heartbeat": hb, "session_length": 30 * time.Second,
	}, 30000, 1024)
	rows := videoRows(t, sch, events)

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
	sch, events := generateN(t, map[string]any{"customers": int64(10), "sessions": int64(20), "heartbeat": time.Second,
		"session_length": time.Minute}, 100000, 1024)
	all, stalls := map[string]int{}, map[string]int{}
	for _, r := range videoRows(t, sch, events) {
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
	ctx, _ := newCtx(t, "gen", map[string]any{})
	src := mustNew(t, generateSpec(), ctx).Source
	var out component.Output
	const batch = 1024
	read := func() {
		out.Reset()
		if _, err := src.Read(&out, batch); err != nil {
			t.Fatal(err)
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
