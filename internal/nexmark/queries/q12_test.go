package queries

import (
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/nexmark"
)

// refQ12 is what the q12 pipeline computes (see its header): bids per
// bidder in 10 s tumbling windows of event time.
func refQ12(evs []nexmark.Event) []row {
	const size = int64(10 * time.Second)
	type key struct{ bidder, start int64 }
	counts := map[key]int64{}
	for i := range evs {
		if evs[i].Kind == nexmark.BidKind {
			b := &evs[i].Bid
			counts[key{b.Bidder, b.DateTime / size * size}]++
		}
	}
	var out []row
	for k, n := range counts {
		out = append(out, row{{"bidder", k.bidder}, {"window_start", ts(k.start)},
			{"window_end", ts(k.start + size)}, {"bid_count", n}})
	}
	return out
}

func TestQ12(t *testing.T) { checkQuery(t, "q12", testEventRate, refQ12) }
