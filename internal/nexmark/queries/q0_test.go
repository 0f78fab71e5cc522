package queries

import (
	"testing"

	"github.com/greenwave/greenwave/internal/nexmark"
)

// refQ0 is q0 by hand: every bid, without channel and url.
func refQ0(evs []nexmark.Event) []row {
	var out []row
	for i := range evs {
		if evs[i].Kind != nexmark.BidKind {
			continue
		}
		b := &evs[i].Bid
		out = append(out, row{{"auction", b.Auction}, {"bidder", b.Bidder}, {"price", b.Price},
			{"date_time", ts(b.DateTime)}, {"extra", b.Extra}})
	}
	return out
}

func TestQ0(t *testing.T) { checkQuery(t, "q0", testEventRate, refQ0) }
