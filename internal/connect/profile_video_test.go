package connect

import (
	"strings"
	"testing"
)

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
