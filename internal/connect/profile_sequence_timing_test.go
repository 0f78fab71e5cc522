package connect

import (
	"testing"

	"github.com/greenwave/greenwave/internal/component"
)

// BenchmarkSequenceFill: the sequence profile in batches of 1024, in the
// declared layout and in a registered layout with other slots, reported per
// event.
func BenchmarkSequenceFill(b *testing.B) {
	for _, c := range []struct {
		name  string
		other bool
	}{{"declared-layout", false}, {"other-layout", true}} {
		b.Run(c.name, func(b *testing.B) {
			src := sequenceSource(b, 1000, 0, c.other).Source
			var out component.Output
			b.ReportAllocs()
			for b.Loop() {
				out.Reset()
				if _, err := src.Read(&out, 1024); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1024), "ns/event")
		})
	}
}
