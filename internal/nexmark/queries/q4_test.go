package queries

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/nexmark"
	"github.com/greenwave/greenwave/internal/spec"
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
func TestQ4(t *testing.T) {
	q, err := Lookup("q4")
	if err != nil {
		t.Fatal(err)
	}
	final, counts := refQ4(events(t, testEvents, testEventRate))
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
			lines := runQueryInOrder(t, q, s, testEventRate)
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

// runQueryInOrder runs q as runQuery does and returns its output lines in
// the order the sink wrote them.
func runQueryInOrder(t *testing.T, q *Query, s setup, rate float64) []string {
	t.Helper()
	o := Options{Count: testEvents, Seed: testSeed, EventRate: rate, Parallelism: s.parallelism,
		Sink: SinkFile, Path: "out.jsonl"}
	if s.group > 1 {
		o.OutOfOrderGroup = s.group
		o.MaxOutOfOrderness = time.Duration(2 * float64(s.group) / rate * float64(time.Second))
	}
	text, err := q.Render(o)
	if err != nil {
		t.Fatal(err)
	}
	p, err := spec.Parse(q.Name+".yaml", []byte(text), builtin.Catalog())
	if err != nil {
		t.Fatalf("parse %s:\n%v\n%s", q.Name, err, text)
	}
	p.Dir = t.TempDir()
	e, err := engine.New(engine.Config{Workers: 2, Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pl, err := e.Compile(p)
	if err != nil {
		t.Fatalf("compile %s: %v", q.Name, err)
	}
	tn, err := e.Run(pl)
	if err != nil {
		t.Fatalf("run %s: %v", q.Name, err)
	}
	e.Start()
	select {
	case <-tn.Done():
	case <-time.After(60 * time.Second):
		t.Fatalf("query %s did not finish within a minute: %+v", q.Name, tn.Stats())
	}
	st := tn.Stats()
	if st.Err != nil {
		t.Fatalf("query %s failed: %v", q.Name, st.Err)
	}
	if st.In != testEvents || st.Dropped != 0 {
		t.Fatalf("query %s: %d events in, %d dropped; want %d and 0", q.Name, st.In, st.Dropped, testEvents)
	}
	for side, n := range st.SideOutputs {
		if strings.HasSuffix(side, ".late") && n > 0 {
			t.Fatalf("query %s: %d events went to %s", q.Name, n, side)
		}
	}
	b, err := os.ReadFile(filepath.Join(p.Dir, "out.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}
