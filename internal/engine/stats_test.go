package engine_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/engine"
)

// MetricsInto reads what Metrics reads into the memory of an earlier read,
// and leaves nothing of a read another took from it before.
func TestMetricsIntoReusesMemory(t *testing.T) {
	cat := testCatalog(t)
	e := newEngine(t, 2, "spin_then_park")
	tn := start(t, e, parse(t, cat, "into", countPipeline(30000, 2, 64, "block")))
	waitDone(t, tn, 20*time.Second)
	want := tn.Metrics()
	if len(want.Actors) < 3 || len(want.Links) < 2 {
		t.Fatalf("the pipeline has %d actors and %d links", len(want.Actors), len(want.Links))
	}
	var s engine.Stats
	tn.MetricsInto(&s)
	first := s
	firstActors := append([]engine.ActorStats(nil), s.Actors...)
	s.Actors[0].In = 1 << 40 // a reader's scribble, overwritten by the next read
	tn.MetricsInto(&s)
	for _, got := range []engine.Stats{first, s} {
		got.Elapsed = want.Elapsed // the tenant finished: the rest stands still
		if !reflect.DeepEqual(got.Actors, want.Actors) || !reflect.DeepEqual(got.Links, want.Links) ||
			got.In != want.In || got.Out != want.Out || !reflect.DeepEqual(got.Memory, want.Memory) {
			t.Fatalf("MetricsInto differs from Metrics:\n%+v\n%+v", got, want)
		}
	}
	if &s.Actors[0] != &first.Actors[0] || &s.Links[0] != &first.Links[0] {
		t.Error("the second read did not reuse the first one's memory")
	}
	if !reflect.DeepEqual(firstActors, want.Actors) {
		t.Error("the first read's copy changed")
	}
}
