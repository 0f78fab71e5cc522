package nexmark

import "testing"

// Generating the mixed stream (1:3:46) and bids alone, per event.
func BenchmarkGenerate(b *testing.B) {
	b.Run("mixed", func(b *testing.B) {
		g := newGen(b, DefaultConfig())
		var e Event
		b.ReportAllocs()
		for n := int64(0); b.Loop(); n++ {
			g.Generate(n, &e)
		}
	})
	for _, k := range []struct {
		kind   Kind
		offset int64
	}{{PersonKind, 0}, {AuctionKind, 1}, {BidKind, 10}} {
		b.Run(k.kind.String(), func(b *testing.B) {
			g := newGen(b, DefaultConfig())
			var e Event
			b.ReportAllocs()
			for n := k.offset; b.Loop(); n += 50 {
				g.Generate(n, &e)
			}
		})
	}
}
