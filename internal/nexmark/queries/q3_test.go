package queries

import (
	"testing"

	"github.com/greenwave/greenwave/internal/nexmark"
)

// refQ3 is q3 by hand, as the reference's unbounded join: every auction of
// category 10 whose seller, registered at any time, lives in OR, ID or CA.
func refQ3(evs []nexmark.Event) []row {
	local := map[int64]*nexmark.Person{}
	for i := range evs {
		if p := &evs[i].Person; evs[i].Kind == nexmark.PersonKind && (p.State == "OR" || p.State == "ID" || p.State == "CA") {
			local[p.ID] = p
		}
	}
	var out []row
	for i := range evs {
		a := &evs[i].Auction
		if evs[i].Kind != nexmark.AuctionKind || a.Category != 10 {
			continue
		}
		if p := local[a.Seller]; p != nil {
			out = append(out, row{{"id", a.ID}, {"city", p.City}, {"name", p.Name}, {"state", p.State}})
		}
	}
	return out
}

func TestQ3(t *testing.T) { checkQuery(t, "q3", testEventRate, refQ3) }

// TestQ3LowEventRate runs q3 at 20 events/s of event time, where a seller
// may have registered 2500 s before the auction: a join bound fixed at 10
// minutes would miss the pair.
func TestQ3LowEventRate(t *testing.T) { checkQuery(t, "q3", 20, refQ3) }
