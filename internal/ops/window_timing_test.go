package ops

import (
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// BenchmarkWindow reports the cost per event of a keyed window over 1000
// int keys, events in time order 1 ms apart, the watermark following each
// batch of 1024 so that windows fire and are freed as they go: tumbling
// (one window per event), hopping (five), and session (a key's events
// about a second apart, so about one session per event).
func BenchmarkWindow(b *testing.B) {
	for _, c := range []struct {
		name string
		opts map[string]any
	}{
		{"tumbling", map[string]any{"window": "tumbling", "size": 2 * time.Second}},
		{"hopping", map[string]any{"window": "hopping", "size": 10 * time.Second, "slide": 2 * time.Second}},
		{"session", map[string]any{"window": "session", "gap": 500 * time.Millisecond}},
	} {
		b.Run(c.name, func(b *testing.B) {
			c.opts["aggregates"] = map[string]string{"n": "count()", "s": "sum(bytes)"}
			ctx := newCtx(b, "w", c.opts)
			ctx.Key = []string{"status"}
			op := build(b, WindowSpec(), ctx).Operator
			wa := op.(component.WatermarkAware)
			batch := make([]event.Event, 1024)
			for i := range batch {
				batch[i] = logEvent("h", int64(i*7919%1000), i64(int64(i)))
			}
			var out component.Output
			var t int64
			b.ReportAllocs()
			for b.Loop() {
				for i := range batch {
					t += int64(time.Millisecond)
					batch[i].Time = t
				}
				out.Reset()
				if err := op.Process(0, batch, &out); err != nil {
					b.Fatal(err)
				}
				if err := wa.OnWatermark(t, &out); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/event")
		})
	}
}
