package nexmark

// Auction is an item put up for auction.
type Auction struct {
	ID          int64
	ItemName    string
	Description string
	// InitialBid and Reserve are prices in cents; Reserve is at least
	// InitialBid.
	InitialBid int64
	Reserve    int64
	// DateTime is the opening time and Expires the closing time, in unix
	// nanoseconds; Expires is at least a millisecond after DateTime.
	DateTime int64
	Expires  int64
	// Seller is the id of the person selling the item.
	Seller int64
	// Category is in [FirstCategoryID, FirstCategoryID+NumCategories).
	Category int64
	// Extra pads the auction to the configured average size.
	Extra string
}

// auction fills a with the auction of event id at time ts (the reference's
// AuctionGenerator.nextAuction).
func (g *Generator) auction(id, ts int64, r *rng, a *Auction) {
	a.ID = g.lastBase0AuctionID(id) + FirstAuctionID
	if r.intn(g.cfg.HotSellersRatio) > 0 {
		// The hot seller: the first person of the current group.
		a.Seller = g.lastBase0PersonID(id) / HotGroup * HotGroup
	} else {
		a.Seller = g.nextBase0PersonID(id, r)
	}
	a.Seller += FirstPersonID
	a.Category = FirstCategoryID + r.intn(NumCategories)
	a.InitialBid = nextPrice(r)
	a.DateTime = ts
	a.Expires = ts + g.nextAuctionLengthMs(id, r)*1e6
	a.ItemName = g.nextString(r, 20)
	a.Description = g.nextString(r, 100)
	a.Reserve = a.InitialBid + nextPrice(r)
	size := 8 + len(a.ItemName) + len(a.Description) + 8 + 8 + 8 + 8 + 8
	a.Extra = g.nextExtra(r, size, g.cfg.AvgAuctionByteSize)
}

// nextAuctionLengthMs returns an auction length in milliseconds, uniform in
// [1, 2 × horizon], where the horizon is the event time it takes to
// generate NumInFlightAuctions more auctions: so about that many auctions
// are open at any time. The reference measures the horizon from the
// event's own (shuffled) id, as here.
func (g *Generator) nextAuctionLengthMs(id int64, r *rng) int64 {
	horizon := g.offsetMs(id+g.auctionLeadEvents) - g.offsetMs(id)
	return 1 + r.intn(max(2*horizon, 1))
}
