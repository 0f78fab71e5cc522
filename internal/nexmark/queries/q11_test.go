package queries

import (
	"slices"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/nexmark"
)

// refQ11 is q11 by hand: each bidder's bid times, sorted, split wherever
// two consecutive bids are more than the gap apart (bids exactly the gap
// apart are one session, as Flink merges touching windows); a session runs
// from its first bid to its last bid plus the gap.
func refQ11(evs []nexmark.Event) []row {
	const gap = int64(10 * time.Second)
	byBidder := map[int64][]int64{}
	for i := range evs {
		if evs[i].Kind == nexmark.BidKind {
			b := &evs[i].Bid
			byBidder[b.Bidder] = append(byBidder[b.Bidder], b.DateTime)
		}
	}
	var out []row
	for bidder, times := range byBidder {
		slices.Sort(times)
		first := 0
		for i := 1; i <= len(times); i++ {
			if i < len(times) && times[i]-times[i-1] <= gap {
				continue
			}
			out = append(out, row{{"bidder", bidder}, {"window_start", ts(times[first])},
				{"window_end", ts(times[i-1] + gap)}, {"bid_count", int64(i - first)}})
			first = i
		}
	}
	return out
}

func TestQ11(t *testing.T) { checkQuery(t, "q11", testEventRate, refQ11) }
