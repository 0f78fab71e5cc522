package queries

import (
	"testing"

	"github.com/greenwave/greenwave/internal/nexmark"
)

// refQ4 is q4's final result by hand: per category, the average winning
// price of its auctions.
func refQ4(evs []nexmark.Event) []row {
	sum, n := map[int64]int64{}, map[int64]int64{}
	for _, w := range winningBids(evs) {
		sum[w.auction.Category] += w.price
		n[w.auction.Category]++
	}
	var out []row
	for c := range sum {
		out = append(out, row{{"category", c}, {"final", float64(sum[c]) / float64(n[c])}})
	}
	return out
}

// TestQ4 checks the final averages, one per category; TestQ6 checks the
// winning bids they average one by one.
func TestQ4(t *testing.T) { checkQuery(t, "q4", testEventRate, refQ4) }
