package queries

import (
	"encoding/json"
	"maps"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/nexmark"
)

// refQ12 counts bids per bidder over the whole stream: processing-time
// windows split those counts by when the bids were processed, which no
// reference can know, but their sums per bidder are fixed.
func refQ12(evs []nexmark.Event) map[int64]int64 {
	counts := map[int64]int64{}
	for i := range evs {
		if evs[i].Kind == nexmark.BidKind {
			counts[evs[i].Bid.Bidder]++
		}
	}
	return counts
}

// TestQ12: summed over its processing-time windows, each bidder's count is
// its number of bids, and every window is 10 s long and aligned.
func TestQ12(t *testing.T) {
	q, err := Lookup("q12")
	if err != nil {
		t.Fatal(err)
	}
	want := refQ12(events(t, testEvents, testEventRate))
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			got := map[int64]int64{}
			for _, line := range runQuery(t, q, s, testEventRate) {
				var r struct {
					Bidder, BidCount       int64
					WindowStart, WindowEnd time.Time
				}
				if err := json.Unmarshal([]byte(line), &struct {
					Bidder      *int64     `json:"bidder"`
					BidCount    *int64     `json:"bid_count"`
					WindowStart *time.Time `json:"window_start"`
					WindowEnd   *time.Time `json:"window_end"`
				}{&r.Bidder, &r.BidCount, &r.WindowStart, &r.WindowEnd}); err != nil {
					t.Fatalf("row %q: %v", line, err)
				}
				if r.WindowEnd.Sub(r.WindowStart) != 10*time.Second || r.WindowStart.UnixNano()%int64(10*time.Second) != 0 {
					t.Fatalf("row %q: not an aligned 10 s window", line)
				}
				got[r.Bidder] += r.BidCount
			}
			if !maps.Equal(got, want) {
				t.Fatalf("bids per bidder differ: got %d bidders, want %d", len(got), len(want))
			}
		})
	}
}
