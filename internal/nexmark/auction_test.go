package nexmark

import (
	"math"
	"testing"
	"time"
)

func TestAuctionExpiry(t *testing.T) {
	g := newGen(t, DefaultConfig())
	// 100 in-flight auctions take 100 × 50 / 3 = 1666 events, 166 ms at
	// 10000 events/s: lengths are uniform in [1 ms, 333 ms].
	var sum float64
	var count int
	var e Event
	for n := int64(1); n < 100000; n += 50 {
		for k := range int64(3) {
			g.Generate(n+k, &e)
			a := &e.Auction
			d := time.Duration(a.Expires - a.DateTime)
			if d < time.Millisecond || d > 333*time.Millisecond || d%time.Millisecond != 0 {
				t.Fatalf("event %d: auction lasts %v", n+k, d)
			}
			sum += d.Seconds()
			count++
		}
	}
	if mean := sum / float64(count); math.Abs(mean-0.1665) > 0.01 {
		t.Errorf("mean auction length %.4fs, want about 0.1665s", mean)
	}
	// At 100 events/s, auctions last 100 times longer.
	cfg := DefaultConfig()
	cfg.EventRate = 100
	g = newGen(t, cfg)
	g.Generate(1, &e)
	if d := time.Duration(e.Auction.Expires - e.Auction.DateTime); d <= 333*time.Millisecond || d > 33333*time.Millisecond {
		t.Errorf("at 100 events/s an auction lasts %v, want up to 33.3s", d)
	}
}

func TestPricesAreLogUniform(t *testing.T) {
	g := newGen(t, DefaultConfig())
	var e Event
	var bids int
	var decades [6]int
	for n := range int64(100000) {
		g.Generate(n, &e)
		switch e.Kind {
		case AuctionKind:
			a := &e.Auction
			if a.InitialBid < 100 || a.InitialBid > 100_000_000 || a.Reserve < a.InitialBid+100 {
				t.Fatalf("auction prices %d, %d", a.InitialBid, a.Reserve)
			}
		case BidKind:
			p := e.Bid.Price
			if p < 100 || p > 100_000_000 {
				t.Fatalf("bid price %d", p)
			}
			bids++
			decades[min(int(math.Log10(float64(p)/100)), 5)]++
		}
	}
	// 10^(6u) × 100 cents: each decade from $1 to $1M gets a sixth.
	for d, c := range decades {
		if f := float64(c) / float64(bids); math.Abs(f-1.0/6) > 0.01 {
			t.Errorf("decade %d holds %.3f of the prices, want 1/6", d, f)
		}
	}
}
