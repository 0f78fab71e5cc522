package queries

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/nexmark"
)

// q6Rows is the size of q6's over window: the current auction and the 10
// before it, as the reference's ROWS BETWEEN 10 PRECEDING AND CURRENT ROW.
const q6Rows = 11

// refQ6 is q6 by hand: per seller, its auctions' winning bids ordered by
// the time their session closes (the last bid's time plus the 10 s gap),
// and for each the average of it and the q6Rows-1 before it.
func refQ6(evs []nexmark.Event) []row {
	const gap = int64(10 * time.Second)
	bySeller := map[int64][]*winningBid{}
	for _, w := range winningBids(evs) {
		bySeller[w.auction.Seller] = append(bySeller[w.auction.Seller], w)
	}
	var out []row
	for seller, ws := range bySeller {
		slices.SortFunc(ws, func(a, b *winningBid) int { return cmp.Compare(a.last+gap, b.last+gap) })
		for i := range ws {
			if i > 0 && ws[i].last == ws[i-1].last {
				panic("BUG: two auctions of one seller close at once; the order the test assumes is not total")
			}
			var sum int64
			last := ws[max(0, i-q6Rows+1) : i+1]
			for _, w := range last {
				sum += w.price
			}
			out = append(out, row{{"seller", seller}, {"final", float64(sum) / float64(len(last))}})
		}
	}
	return out
}

func TestQ6(t *testing.T) { checkQuery(t, "q6", testEventRate, refQ6) }
