package serve

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkFrameBuild is a writer pass's cost per delta of building one
// frame: copying the range out of the window, conflating it by key id,
// encoding the frame once. ranges are the deltas a frame covers over a
// 1000-key table (1000: a pass at 100k changes/s every 10 ms; 50000: a
// subscriber half a second behind). The figure is per delta covered; the
// frame then goes to every subscriber at its start without more work.
func BenchmarkFrameBuild(b *testing.B) {
	for _, n := range []int{100, 1000, 50_000} {
		b.Run("range="+strconv.Itoa(n), func(b *testing.B) {
			cfg := DefaultConfig("bench")
			cfg.Writers = 0
			cfg.Retain = n
			cfg.RetainBytes = 1 << 30
			tb, err := NewTable(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer tb.Close(time.Second)
			ch := make([]Change, 0, 1000)
			for i := range n {
				k := strconv.Itoa(i % 1000)
				ch = append(ch, Change{Key: []byte("[" + k + "]"), Row: []byte(`{"key":` + k + `,"value":` + strconv.Itoa(i) + `,"ts":"2026-01-01T00:00:00.000001Z"}`)})
				if len(ch) == cap(ch) || i == n-1 {
					if err := tb.Apply(ch, 0, time.Now()); err != nil {
						b.Fatal(err)
					}
					ch = ch[:0]
				}
			}
			head := tb.Seq()
			f := newFramer(1 << 20)
			var out []*Msg
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				f.reset(head)
				f.ckpt = 0 // no checkpoint: one frame over the whole range
				clear(f.cache)
				f.cache = f.cache[:0] // built every time, not found
				var ok bool
				if out, ok = f.appendFrames(out[:0], tb.window, head-uint64(n)+1); !ok {
					b.Fatal("the window lost the range")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/delta")
			b.ReportMetric(float64(len(out[0].Data)), "frame_bytes")
		})
	}
}
