package nexmark

import (
	"sort"
	"testing"
)

func TestFirstIDs(t *testing.T) {
	g := newGen(t, DefaultConfig())
	events := generate(g, 0, 101)
	for _, tc := range []struct {
		n    int
		kind Kind
		id   int64
	}{
		{0, PersonKind, 1000}, {1, AuctionKind, 1000}, {2, AuctionKind, 1001}, {3, AuctionKind, 1002},
		{50, PersonKind, 1001}, {51, AuctionKind, 1003}, {100, PersonKind, 1002},
	} {
		e := &events[tc.n]
		id := e.Person.ID
		if e.Kind == AuctionKind {
			id = e.Auction.ID
		}
		if e.Kind != tc.kind || id != tc.id {
			t.Errorf("event %d: %v %d, want %v %d", tc.n, e.Kind, id, tc.kind, tc.id)
		}
	}
}

// TestReferencesFollowTheReference checks every id a bid or auction refers
// to against the reference's rules: a hot id, or one of the recent people
// or auctions, or one of the few not generated yet (the lead).
func TestReferencesFollowTheReference(t *testing.T) {
	g := newGen(t, DefaultConfig())
	lastPerson, lastAuction := int64(-1), int64(-1) // ids generated so far
	var bids, bidsOnExisting, byExisting int
	var e Event
	for n := range int64(200000) {
		g.Generate(n, &e)
		switch e.Kind {
		case PersonKind:
			if e.Person.ID != lastPerson+1 && !(lastPerson < 0 && e.Person.ID == FirstPersonID) {
				t.Fatalf("event %d: person %d after %d", n, e.Person.ID, lastPerson)
			}
			lastPerson = e.Person.ID
		case AuctionKind:
			a := &e.Auction
			if a.ID != lastAuction+1 && !(lastAuction < 0 && a.ID == FirstAuctionID) {
				t.Fatalf("event %d: auction %d after %d", n, a.ID, lastAuction)
			}
			lastAuction = a.ID
			checkPerson(t, n, "seller", a.Seller, lastPerson, 0)
			if a.Category < FirstCategoryID || a.Category >= FirstCategoryID+NumCategories {
				t.Fatalf("event %d: category %d", n, a.Category)
			}
		default:
			b := &e.Bid
			bids++
			last := lastAuction - FirstAuctionID
			hot := last/HotGroup*HotGroup + FirstAuctionID
			lo := max(last-100, 0) + FirstAuctionID
			if b.Auction != hot && (b.Auction < lo || b.Auction > lastAuction+AuctionIDLead) {
				t.Fatalf("event %d: bid on auction %d, last auction %d", n, b.Auction, lastAuction)
			}
			if b.Auction <= lastAuction {
				bidsOnExisting++
			}
			checkPerson(t, n, "bidder", b.Bidder, lastPerson, 1)
			if b.Bidder <= lastPerson {
				byExisting++
			}
		}
	}
	if f := float64(bidsOnExisting) / float64(bids); f < 0.9 {
		t.Errorf("%.3f of bids are on auctions that exist, want most", f)
	}
	if f := float64(byExisting) / float64(bids); f < 0.9 {
		t.Errorf("%.3f of bids are by people who exist, want most", f)
	}
}

// checkPerson checks a person reference: the hot person of the current
// group (its first member plus hotOffset), or one of the 1000 most recent
// people or of the PersonIDLead next ones.
func checkPerson(t *testing.T, n int64, what string, id, lastPerson, hotOffset int64) {
	t.Helper()
	last := lastPerson - FirstPersonID
	hot := last/HotGroup*HotGroup + hotOffset + FirstPersonID
	numPeople := last + 1
	active := min(numPeople, 1000)
	lo := numPeople - active + FirstPersonID
	hi := numPeople + PersonIDLead + FirstPersonID // exclusive
	if id != hot && (id < lo || id >= hi) {
		t.Fatalf("event %d: %s %d, last person %d", n, what, id, lastPerson)
	}
}

// topShare returns the share of all counts held by the k largest.
func topShare(counts map[int64]int, k int) float64 {
	var all []int
	total := 0
	for _, c := range counts {
		all = append(all, c)
		total += c
	}
	sort.Sort(sort.Reverse(sort.IntSlice(all)))
	top := 0
	for _, c := range all[:min(k, len(all))] {
		top += c
	}
	return float64(top) / float64(total)
}

func TestHotAuctionsBiddersAndSellers(t *testing.T) {
	auctions, bidders, sellers := map[int64]int{}, map[int64]int{}, map[int64]int{}
	g := newGen(t, DefaultConfig())
	var e Event
	for n := range int64(100000) {
		g.Generate(n, &e)
		switch e.Kind {
		case BidKind:
			auctions[e.Bid.Auction]++
			bidders[e.Bid.Bidder]++
		case AuctionKind:
			sellers[e.Auction.Seller]++
		}
	}
	// 100000 events hold 2000 people and 6000 auctions. The hot auction
	// (one in 100) gets half the bids (hot ratio 2), the hot bidder and
	// seller (one person in 100) three quarters (ratio 4); spread evenly,
	// the top 1% would get a few percent.
	for _, tc := range []struct {
		what   string
		counts map[int64]int
		top    int
		lo, hi float64
	}{
		{"auctions", auctions, 60, 0.45, 0.6},
		{"bidders", bidders, 20, 0.7, 0.85},
		{"sellers", sellers, 20, 0.7, 0.85},
	} {
		if s := topShare(tc.counts, tc.top); s < tc.lo || s > tc.hi {
			t.Errorf("top 1%% of %s hold %.3f of the events, want %.2f to %.2f", tc.what, s, tc.lo, tc.hi)
		}
	}
	// Without hot ratios (ratio 1: never hot) the skew disappears.
	cfg := DefaultConfig()
	cfg.HotAuctionRatio = 1
	g = newGen(t, cfg)
	clear(auctions)
	for n := range int64(100000) {
		if g.Generate(n, &e); e.Kind == BidKind {
			auctions[e.Bid.Auction]++
		}
	}
	if s := topShare(auctions, 60); s > 0.1 {
		t.Errorf("hot auction ratio 1: top 1%% of auctions hold %.3f of the bids", s)
	}
}
