package inbox

import (
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// The figures say what Stats says: fill, accepted, refused, waits.
func TestFigures(t *testing.T) {
	q := New(Config{Capacity: 8, Width: 1})
	if _, err := q.Put(batch(1, 2, 3, 4, 5, 6), time.Time{}); err != nil {
		t.Fatal(err)
	}
	_, _ = q.Put(batch(7, 8, 9), time.Now().Add(5*time.Millisecond)) // waits, then refused
	got := map[string]float64{}
	for _, f := range q.Stats().AppendFigures(nil) {
		if err := component.CheckFigure(f); err != nil {
			t.Error(err)
		}
		got[f.Name] = f.Value
	}
	want := map[string]float64{"inbox_capacity_events": 8, "inbox_depth_events": 6, "inbox_fill_ratio": 0.75,
		"inbox_accepted_events_total": 6, "inbox_refused_events_total": 3, "inbox_refused_puts_total": 1, "inbox_waits_total": 1}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if w := got["inbox_wait_seconds_total"]; w < 0.004 {
		t.Errorf("inbox_wait_seconds_total = %v, want the 5ms the put waited", w)
	}
}
