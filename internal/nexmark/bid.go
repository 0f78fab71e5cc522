package nexmark

// Bid is a bid on an auction.
type Bid struct {
	// Auction is the id of the auction bid on.
	Auction int64
	// Bidder is the id of the person bidding.
	Bidder int64
	// Price is in cents.
	Price int64
	// Channel is where the bid came from ("Google", ..., "channel-1234"),
	// and URL the page it was placed on.
	Channel string
	URL     string
	// DateTime is the bid's time in unix nanoseconds.
	DateTime int64
	// Extra pads the bid to the configured average size.
	Extra string
}

// bidFixedSize is the reference's size of a bid before padding: four
// 8-byte fields (channel and URL are not counted).
const bidFixedSize = 8 + 8 + 8 + 8

// bid fills b with the bid of event id at time ts (the reference's
// BidGenerator.nextBid).
func (g *Generator) bid(id, ts int64, r *rng, b *Bid) {
	if r.intn(g.cfg.HotAuctionRatio) > 0 {
		// The hot auction: the first auction of the current group.
		b.Auction = g.lastBase0AuctionID(id) / HotGroup * HotGroup
	} else {
		b.Auction = g.nextBase0AuctionID(id, r)
	}
	b.Auction += FirstAuctionID
	if r.intn(g.cfg.HotBiddersRatio) > 0 {
		// The hot bidder: the second person of the current group, so
		// that hot bidders and hot sellers differ.
		b.Bidder = g.lastBase0PersonID(id)/HotGroup*HotGroup + 1
	} else {
		b.Bidder = g.nextBase0PersonID(id, r)
	}
	b.Bidder += FirstPersonID
	b.Price = nextPrice(r)
	if r.intn(hotChannelsRatio) > 0 {
		i := r.intn(int64(len(hotChannel)))
		b.Channel, b.URL = hotChannel[i], g.tab.hotURLs[i]
	} else {
		c := r.intn(numChannels)
		b.Channel, b.URL = g.tab.channels[c], g.tab.urls[c]
	}
	b.DateTime = ts
	b.Extra = g.nextExtra(r, bidFixedSize, g.cfg.AvgBidByteSize)
}
