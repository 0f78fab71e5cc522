package queries

import (
	"testing"

	"github.com/greenwave/greenwave/internal/nexmark"
)

// refQ2 is q2 by hand: auction and price of the bids on auctions whose id
// is a multiple of 123.
func refQ2(evs []nexmark.Event) []row {
	var out []row
	for i := range evs {
		if evs[i].Kind != nexmark.BidKind || evs[i].Bid.Auction%123 != 0 {
			continue
		}
		b := &evs[i].Bid
		out = append(out, row{{"auction", b.Auction}, {"price", b.Price}})
	}
	return out
}

func TestQ2(t *testing.T) { checkQuery(t, "q2", testEventRate, refQ2) }
