package queries

import (
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/nexmark"
)

// refQ8 is q8 by hand: the people who put up an auction in the 10 s window
// they registered in.
func refQ8(evs []nexmark.Event) []row {
	const size = int64(10 * time.Second)
	type key struct{ seller, start int64 }
	sellers := map[key]bool{}
	for i := range evs {
		if a := &evs[i].Auction; evs[i].Kind == nexmark.AuctionKind {
			sellers[key{a.Seller, a.DateTime / size * size}] = true
		}
	}
	var out []row
	for i := range evs {
		p := &evs[i].Person
		if evs[i].Kind != nexmark.PersonKind {
			continue
		}
		if start := p.DateTime / size * size; sellers[key{p.ID, start}] {
			out = append(out, row{{"id", p.ID}, {"name", p.Name}, {"stime", ts(start)}})
		}
	}
	return out
}

func TestQ8(t *testing.T) { checkQuery(t, "q8", testEventRate, refQ8) }
