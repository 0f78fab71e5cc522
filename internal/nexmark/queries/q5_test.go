package queries

import (
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/nexmark"
)

// refQ5 is q5 by hand: bids per auction in every 10 s window starting at a
// multiple of 2 s, and in each window the auctions whose count is the
// window's greatest.
func refQ5(evs []nexmark.Event) []row {
	const size, slide = int64(10 * time.Second), int64(2 * time.Second)
	type key struct{ start, auction int64 }
	counts := map[key]int64{}
	for i := range evs {
		if evs[i].Kind != nexmark.BidKind {
			continue
		}
		b := &evs[i].Bid
		for start := b.DateTime / slide * slide; start > b.DateTime-size; start -= slide {
			counts[key{start, b.Auction}]++
		}
	}
	most := map[int64]int64{}
	for k, n := range counts {
		most[k.start] = max(most[k.start], n)
	}
	var out []row
	for k, n := range counts {
		if n == most[k.start] {
			out = append(out, row{{"auction", k.auction}, {"num", n}, {"endtime", ts(k.start + size)}, {"starttime", ts(k.start)}})
		}
	}
	return out
}

func TestQ5(t *testing.T) { checkQuery(t, "q5", testEventRate, refQ5) }
