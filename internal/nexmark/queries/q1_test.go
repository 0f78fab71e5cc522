package queries

import (
	"testing"

	"github.com/greenwave/greenwave/internal/nexmark"
)

// refQ1 is q1 by hand: every bid with its price times 0.908, without
// channel and url.
func refQ1(evs []nexmark.Event) []row {
	var out []row
	for i := range evs {
		if evs[i].Kind != nexmark.BidKind {
			continue
		}
		b := &evs[i].Bid
		out = append(out, row{{"auction", b.Auction}, {"bidder", b.Bidder}, {"price", float64(b.Price) * 0.908},
			{"date_time", ts(b.DateTime)}, {"extra", b.Extra}})
	}
	return out
}

func TestQ1(t *testing.T) { checkQuery(t, "q1", testEventRate, refQ1) }
