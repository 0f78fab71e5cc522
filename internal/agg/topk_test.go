package agg

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/event"
)

// parseTop splits a top_k result into values and counts.
func parseTop(t *testing.T, s string) (vals []string, counts []int64) {
	t.Helper()
	for _, item := range strings.Split(s, ",") {
		i := strings.LastIndexByte(item, ':')
		c, err := strconv.ParseInt(item[i+1:], 10, 64)
		if i < 0 || err != nil {
			t.Fatalf("malformed top_k item %q in %q", item, s)
		}
		vals, counts = append(vals, item[:i]), append(counts, c)
	}
	return vals, counts
}

// TestTopKSkewed: on a Zipf stream with far more distinct values than
// counters, the true top 5 come out in order, each count an overestimate by
// at most n/capacity.
func TestTopKSkewed(t *testing.T) {
	const n, k = 200_000, 5
	l := mustLayout(t, "top_k(cdn, 5)")
	capacity := int64(topCapacity(k))
	zipf := rand.NewZipf(rand.New(rand.NewPCG(5, 6)), 1.2, 1, 50_000)
	truth := map[string]int64{}
	s := l.New()
	e := ev(0)
	slot, _ := testSchema.Slot("cdn")
	for i := 0; i < n; i++ {
		// Shuffle ranks so that heavy values are not introduced first.
		v := "cdn" + strconv.FormatUint(zipf.Uint64()*7919%50_021, 10)
		truth[v]++
		e.Fields[slot] = event.StringValue(v)
		s.Add(&e)
	}
	type vc struct {
		v string
		c int64
	}
	var exact []vc
	for v, c := range truth {
		exact = append(exact, vc{v, c})
	}
	slices.SortFunc(exact, func(a, b vc) int {
		if c := cmp.Compare(b.c, a.c); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	vals, counts := parseTop(t, results(s)[0].Str())
	if len(vals) != k {
		t.Fatalf("got %d values, want %d", len(vals), k)
	}
	for i := range vals {
		if vals[i] != exact[i].v {
			t.Errorf("rank %d: got %s, want %s (true counts %v)", i, vals[i], exact[i].v, exact[:k])
		}
		tc := truth[vals[i]]
		if counts[i] < tc || counts[i]-tc > n/capacity {
			t.Errorf("%s: count %d, true %d, bound %d", vals[i], counts[i], tc, n/capacity)
		}
	}
}

// TestTopKExact: with no more distinct values than counters, counts are
// exact.
func TestTopKExact(t *testing.T) {
	l := mustLayout(t, "top_k(cdn, 3)")
	s := l.New()
	var events []event.Event
	for name, c := range map[string]int{"akamai": 12, "fastly": 9, "cloudfront": 9, "edgio": 2} {
		for i := 0; i < c; i++ {
			events = append(events, ev(0, "cdn", name))
		}
	}
	rand.New(rand.NewPCG(7, 8)).Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
	s.AddBatch(events)
	if got, want := results(s)[0].Str(), "akamai:12,cloudfront:9,fastly:9"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestTopKEviction: when full, a new value takes over the smallest counter
// and inherits its count as an overestimate.
func TestTopKEviction(t *testing.T) {
	l := mustLayout(t, "top_k(cdn, 1)")
	capacity := topCapacity(1)
	s := l.New()
	for i := 0; i < capacity; i++ {
		for j := 0; j <= i%3; j++ { // counts 1, 2, 3, 1, 2, 3, ...
			s.Add(&[]event.Event{ev(0, "cdn", fmt.Sprintf("v%03d", i))}[0])
		}
	}
	s.Add(&[]event.Event{ev(0, "cdn", "new")}[0])
	top := &s.tops[0]
	checkTopK(t, top)
	if len(top.counters) != capacity {
		t.Fatalf("%d counters, want %d", len(top.counters), capacity)
	}
	i, ok := top.lookup(event.StringValue("new"))
	if !ok {
		t.Fatal("the new value has no counter")
	}
	if c := top.counters[i]; c.count != 2 || c.err != 1 {
		t.Errorf("new value: count %d err %d, want 2 and 1", c.count, c.err)
	}
	if _, ok := top.lookup(event.StringValue("v000")); ok {
		t.Error("the evicted value is still indexed")
	}
}

// checkTopK fails unless the summary's heap, positions and index agree.
func checkTopK(t *testing.T, top *topK) {
	t.Helper()
	if len(top.heap) != len(top.counters) || len(top.strIdx)+len(top.numIdx) != len(top.counters) {
		t.Fatalf("%d counters, %d in the heap, %d indexed", len(top.counters), len(top.heap), len(top.strIdx)+len(top.numIdx))
	}
	for j, i := range top.heap {
		c := &top.counters[i]
		if int(c.pos) != j {
			t.Fatalf("counter %d is at heap position %d but records %d", i, j, c.pos)
		}
		if j > 0 && top.counters[top.heap[(j-1)/2]].count > c.count {
			t.Fatalf("heap order broken at %d", j)
		}
		if k, ok := top.lookup(c.v); !ok || k != i {
			t.Fatalf("index of %s is %d (%v), want %d", c.v, k, ok, i)
		}
	}
}
