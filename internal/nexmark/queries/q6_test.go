package queries

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/nexmark"
)

// q6Rows is the size of q6's over window: the current auction and the 10
// before it, as the reference's ROWS BETWEEN 10 PRECEDING AND CURRENT ROW.
const q6Rows = 11

// refQ6 is q6 by hand: per seller, its auctions' winning bids ordered by
// the winning bid's time, ties by auction id (the reference's ORDER BY
// Q.dateTime), and for each the average of it and the q6Rows-1 before it.
func refQ6(evs []nexmark.Event) []row {
	bySeller := map[int64][]*winningBid{}
	for _, w := range winningBids(evs) {
		bySeller[w.auction.Seller] = append(bySeller[w.auction.Seller], w)
	}
	var out []row
	for seller, ws := range bySeller {
		sortWinners(ws)
		for i := range ws {
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

// sortWinners orders one seller's winning bids as q6 does.
func sortWinners(ws []*winningBid) {
	slices.SortFunc(ws, func(a, b *winningBid) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.auction.ID, b.auction.ID))
	})
}

func TestQ6(t *testing.T) { checkQuery(t, "q6", testEventRate, refQ6) }

// TestQ6OrdersByWinningBidTime runs q6's pipeline on hand-made auctions and
// bids (file sources in place of the generator) and checks the order of a
// seller's rows: by the winning bid's time, ties by auction id, the
// winning bid being the earliest of equal highest ones; not by the time
// auctions close.
func TestQ6OrdersByWinningBidTime(t *testing.T) {
	type auction struct{ id, opens, expires int64 } // seconds
	type bid struct{ auction, price, at int64 }     // at in milliseconds
	for _, tc := range []struct {
		name     string
		auctions []auction
		bids     []bid
		want     []float64 // the seller's rows, in order
	}{
		{"an auction that closes later but was won earlier comes first",
			[]auction{{1, 0, 10}, {2, 1, 3}},
			[]bid{{1, 100, 1000}, {2, 300, 2000}, {1, 50, 8000}},
			[]float64{100, 200}},
		{"winning bids in the same millisecond: by auction id",
			[]auction{{5, 0, 10}, {4, 0, 10}},
			[]bid{{5, 10, 3000}, {4, 30, 3000}},
			[]float64{30, 20}},
		{"of equal highest bids the earliest wins",
			[]auction{{7, 0, 10}, {8, 0, 10}},
			[]bid{{7, 100, 1000}, {8, 50, 3000}, {7, 100, 5000}},
			[]float64{100, 75}},
		{"a lower later bid does not win",
			[]auction{{1, 0, 10}, {2, 0, 10}},
			[]bid{{1, 40, 1000}, {2, 60, 2000}, {1, 30, 4000}},
			[]float64{40, 50}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Lookup("q6")
			if err != nil {
				t.Fatal(err)
			}
			o := Options{Count: 1, Parallelism: 2, Sink: SinkFile, Path: "out.jsonl"}
			text, err := q.Render(o)
			if err != nil {
				t.Fatal(err)
			}
			files := `  auction_in:
    type: file
    path: auctions.jsonl
    schema: {id: int, seller: int, date_time: time, expires: time, item_name: string, description: string, initial_bid: int, reserve: int, category: int, extra: string}
    timestamp: date_time
  bid_in:
    type: file
    path: bids.jsonl
    schema: {auction: int, bidder: int, price: int, channel: string, url: string, date_time: time, extra: string}
    timestamp: date_time`
			text = strings.Replace(text, view{q: q, o: o}.Source(), files, 1)
			text = strings.NewReplacer("nexmark.auction", "auction_in", "nexmark.bid", "bid_in").Replace(text)
			dir := t.TempDir()
			var a, b strings.Builder
			for _, x := range tc.auctions {
				fmt.Fprintf(&a, `{"id":%d,"seller":1000,"date_time":%d,"expires":%d}`+"\n", x.id, x.opens*1000, x.expires*1000)
			}
			for _, x := range tc.bids {
				fmt.Fprintf(&b, `{"auction":%d,"bidder":1,"price":%d,"date_time":%d}`+"\n", x.auction, x.price, x.at)
			}
			for name, content := range map[string]string{"auctions.jsonl": a.String(), "bids.jsonl": b.String()} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			lines := runPipeline(t, "q6", text, dir)
			var got []float64
			for _, l := range lines {
				var r struct {
					Seller int64
					Final  float64
				}
				if err := json.Unmarshal([]byte(l), &r); err != nil {
					t.Fatalf("row %q: %v", l, err)
				}
				got = append(got, r.Final)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("rows %v, want %v", got, tc.want)
			}
		})
	}
}
