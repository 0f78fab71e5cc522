package expr

import (
	"testing"

	"github.com/greenwave/greenwave/internal/event"
)

// BenchmarkBool: Program.Bool on the condition shapes filters use most,
// over a batch of varied events, reported per event.
func BenchmarkBool(b *testing.B) {
	for _, src := range []string{
		`status % 4 != 0`,
		`status >= 500`,
		`i < status`,
		`f > 10.5`,
		`i > 2.5`,
		`host == "cdn"`,
		`host in ["cdn", "edge"]`,
		`status in [200, 404, 503]`,
		`status >= 500 and host == "cdn"`,
		`status < 300 or i % 7 == 0`,
	} {
		b.Run(src, func(b *testing.B) {
			p := mustCompile(b, src, event.Bool)
			evs := benchEvents()
			kept := 0
			b.ReportAllocs()
			for b.Loop() {
				for i := range evs {
					if p.Bool(&evs[i]) {
						kept++
					}
				}
			}
			_ = kept
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
		})
	}
}
