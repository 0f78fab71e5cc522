package queries

import "github.com/greenwave/greenwave/internal/nexmark"

// winningBid is the highest bid on an auction among those placed while it
// was open (the earliest of equal highest ones), its time, and the times of
// the first and last of them.
type winningBid struct {
	auction     *nexmark.Auction
	price       int64
	at          int64
	first, last int64
}

// winningBids returns the winning bid of every auction that has a bid
// placed between its opening and its expiry, both included (q4's and q6's
// shared core), by auction id.
func winningBids(evs []nexmark.Event) map[int64]*winningBid {
	auctions := map[int64]*nexmark.Auction{}
	for i := range evs {
		if evs[i].Kind == nexmark.AuctionKind {
			auctions[evs[i].Auction.ID] = &evs[i].Auction
		}
	}
	wins := map[int64]*winningBid{}
	for i := range evs {
		b := &evs[i].Bid
		if evs[i].Kind != nexmark.BidKind {
			continue
		}
		a := auctions[b.Auction]
		if a == nil || b.DateTime < a.DateTime || b.DateTime > a.Expires {
			continue
		}
		w := wins[a.ID]
		if w == nil {
			wins[a.ID] = &winningBid{auction: a, price: b.Price, at: b.DateTime, first: b.DateTime, last: b.DateTime}
			continue
		}
		if b.Price > w.price || (b.Price == w.price && b.DateTime < w.at) {
			w.price, w.at = b.Price, b.DateTime
		}
		w.first, w.last = min(w.first, b.DateTime), max(w.last, b.DateTime)
	}
	return wins
}
