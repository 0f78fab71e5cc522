package nexmark

import "testing"

// newGen returns a generator for cfg or fails the test.
func newGen(t testing.TB, cfg Config) *Generator {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// generate returns events first to first+n-1 of g.
func generate(g *Generator, first, n int64) []Event {
	out := make([]Event, n)
	for i := range out {
		g.Generate(first+int64(i), &out[i])
	}
	return out
}

// record returns the filled record of e, for comparisons.
func record(e *Event) any {
	switch e.Kind {
	case PersonKind:
		return e.Person
	case AuctionKind:
		return e.Auction
	}
	return e.Bid
}
