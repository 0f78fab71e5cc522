package queries

import (
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/nexmark"
)

// refQ6 is what the q6 pipeline computes (see its header): every auction's
// winning bid, with its seller and the session of its bids.
func refQ6(evs []nexmark.Event) []row {
	const gap = int64(10 * time.Second)
	var out []row
	for _, w := range winningBids(evs) {
		out = append(out, row{{"id", w.auction.ID}, {"seller", w.auction.Seller},
			{"window_start", ts(w.first)}, {"window_end", ts(w.last + gap)}, {"final", w.price}})
	}
	return out
}

func TestQ6(t *testing.T) { checkQuery(t, "q6", testEventRate, refQ6) }
