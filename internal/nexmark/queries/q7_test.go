package queries

import (
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/nexmark"
)

// refQ7 is q7 by hand: in every 10 s tumbling window, the bids whose price
// is the window's greatest (a window holds [start, end); see the query's
// header for the reference's inclusive end).
func refQ7(evs []nexmark.Event) []row {
	const size = int64(10 * time.Second)
	highest := map[int64]int64{}
	for i := range evs {
		if evs[i].Kind == nexmark.BidKind {
			b := &evs[i].Bid
			start := b.DateTime / size * size
			highest[start] = max(highest[start], b.Price)
		}
	}
	var out []row
	for i := range evs {
		if evs[i].Kind != nexmark.BidKind {
			continue
		}
		b := &evs[i].Bid
		if b.Price == highest[b.DateTime/size*size] {
			out = append(out, row{{"auction", b.Auction}, {"bidder", b.Bidder}, {"price", b.Price},
				{"date_time", ts(b.DateTime)}, {"extra", b.Extra}})
		}
	}
	return out
}

// TestQ7 runs at 100 events per second of event time, so that its events
// span 400 s: forty windows, each with its highest bids.
func TestQ7(t *testing.T) { checkQuery(t, "q7", 100, refQ7) }
