package queries

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/greenwave/greenwave/internal/nexmark"
)

// refQ4 is q4's final result by hand: per category, the average winning
// price of its auctions, and how many auctions that is (the number of rows
// of the category's changelog).
func refQ4(evs []nexmark.Event) (final []row, rows map[int64]int) {
	sum, n := map[int64]int64{}, map[int64]int{}
	for _, w := range winningBids(evs) {
		sum[w.auction.Category] += w.price
		n[w.auction.Category]++
	}
	for c := range sum {
		final = append(final, row{{"category", c}, {"final", float64(sum[c]) / float64(n[c])}})
	}
	return final, n
}

// TestQ4 runs q4 in every setup. Its output is a changelog whose rows
// interleave across categories in an order that depends on the setup, but
// each category's rows come from one instance in order: the test checks
// that the last row of every category is the reference's final average,
// that the categories are the reference's, and that each category has one
// row per auction averaged.
func TestQ4(t *testing.T) { checkQ4(t, testEventRate) }

// TestQ4LowEventRate runs q4 at 20 events/s of event time, where auctions
// last up to 167 s: a session gap fixed at 10 s would split their bids.
func TestQ4LowEventRate(t *testing.T) { checkQ4(t, 20) }

func checkQ4(t *testing.T, rate float64) {
	q, err := Lookup("q4")
	if err != nil {
		t.Fatal(err)
	}
	final, counts := refQ4(events(t, testEvents, rate))
	if len(final) < nexmark.NumCategories {
		t.Fatalf("BUG: the reference gives only %d categories; the test would prove little", len(final))
	}
	var want []string
	for _, r := range final {
		want = append(want, fmt.Sprintf("%s rows=%d", r.line(), counts[r[0].v.(int64)]))
	}
	slices.Sort(want)
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			lines := runQueryInOrder(t, q, s, rate)
			last, n := map[int64]string{}, map[int64]int{}
			for _, l := range lines {
				var r struct{ Category int64 }
				if err := json.Unmarshal([]byte(l), &r); err != nil {
					t.Fatalf("row %q: %v", l, err)
				}
				last[r.Category] = l
				n[r.Category]++
			}
			var got []string
			for c, l := range last {
				got = append(got, fmt.Sprintf("%s rows=%d", l, n[c]))
			}
			slices.Sort(got)
			compareRows(t, got, want)
		})
	}
}
