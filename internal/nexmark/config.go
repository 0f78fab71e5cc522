package nexmark

import (
	"fmt"
	"math"
)

// Fixed parameters of the reference generator.
const (
	// FirstPersonID is the id of the first person; ids start high so that
	// queries find matches even in small data sets.
	FirstPersonID = 1000
	// FirstAuctionID is the id of the first auction.
	FirstAuctionID = 1000
	// FirstCategoryID is the lowest auction category.
	FirstCategoryID = 10
	// NumCategories is the number of auction categories, kept small so that
	// per-category queries find results.
	NumCategories = 5
	// PersonIDLead is how many not-yet-generated people a random person id
	// may refer to.
	PersonIDLead = 10
	// AuctionIDLead is how many not-yet-generated auctions a random auction
	// id may refer to.
	AuctionIDLead = 10
	// HotGroup is the size of the id groups whose first member is the hot
	// seller or auction and whose second member is the hot bidder (the
	// reference's HOT_SELLER_RATIO, HOT_AUCTION_RATIO and HOT_BIDDER_RATIO).
	HotGroup = 100
	// MaxAvgByteSize bounds the average event sizes, so the extra padding
	// always fits in the shared letters table.
	MaxAvgByteSize = 256 << 10
)

// Config holds the generator's parameters, those of the reference's
// NexmarkConfiguration that shape the events. The zero Config is not valid;
// start from DefaultConfig.
type Config struct {
	// Seed selects the pseudo-random streams; the same seed gives the same
	// events.
	Seed uint64
	// BaseTime is the event time of event 0, in unix nanoseconds.
	BaseTime int64
	// EventRate is the number of events per second of event time (the
	// reference's firstEventRate).
	EventRate float64
	// OutOfOrderGroupSize is the size of the groups of consecutive events
	// whose ids and times are shuffled among themselves; 1 keeps events in
	// order.
	OutOfOrderGroupSize int64

	// PersonProportion, AuctionProportion and BidProportion are the shares
	// of each kind in every epoch of PersonProportion + AuctionProportion +
	// BidProportion events.
	PersonProportion, AuctionProportion, BidProportion int64

	// AvgPersonByteSize, AvgAuctionByteSize and AvgBidByteSize are the
	// average idealized sizes of the events, reached by the extra field.
	AvgPersonByteSize, AvgAuctionByteSize, AvgBidByteSize int

	// HotAuctionRatio, HotSellersRatio and HotBiddersRatio make a bid go to
	// the hot auction, an auction be sold by the hot seller and a bid come
	// from the hot bidder with probability 1 - 1/ratio.
	HotAuctionRatio, HotSellersRatio, HotBiddersRatio int64

	// NumActivePeople bounds the people that random sellers and bidders
	// are drawn from: the most recent ones.
	NumActivePeople int64
	// NumInFlightAuctions bounds the auctions that random bids go to: the
	// most recent ones. It also sets the auction lengths.
	NumInFlightAuctions int64
}

// DefaultConfig returns the reference's defaults, with seed 1 and event 0 at
// the unix epoch.
func DefaultConfig() Config {
	return Config{
		Seed:                1,
		EventRate:           10000,
		OutOfOrderGroupSize: 1,
		PersonProportion:    1,
		AuctionProportion:   3,
		BidProportion:       46,
		AvgPersonByteSize:   200,
		AvgAuctionByteSize:  500,
		AvgBidByteSize:      100,
		HotAuctionRatio:     2,
		HotSellersRatio:     4,
		HotBiddersRatio:     4,
		NumActivePeople:     1000,
		NumInFlightAuctions: 100,
	}
}

// Validate reports the first parameter out of its range.
func (c *Config) Validate() error {
	if !(c.EventRate > 0) || math.IsInf(c.EventRate, 0) {
		return fmt.Errorf("event rate must be a positive number, got %v", c.EventRate)
	}
	ints := []struct {
		name string
		v    int64
	}{
		{"out-of-order group size", c.OutOfOrderGroupSize},
		{"person proportion", c.PersonProportion},
		{"auction proportion", c.AuctionProportion},
		{"bid proportion", c.BidProportion},
		{"hot auction ratio", c.HotAuctionRatio},
		{"hot sellers ratio", c.HotSellersRatio},
		{"hot bidders ratio", c.HotBiddersRatio},
		{"number of active people", c.NumActivePeople},
		{"number of in-flight auctions", c.NumInFlightAuctions},
	}
	for _, p := range ints {
		if p.v < 1 {
			return fmt.Errorf("%s must be at least 1, got %d", p.name, p.v)
		}
	}
	sizes := []struct {
		name string
		v    int
	}{
		{"average person size", c.AvgPersonByteSize},
		{"average auction size", c.AvgAuctionByteSize},
		{"average bid size", c.AvgBidByteSize},
	}
	for _, p := range sizes {
		if p.v < 0 || p.v > MaxAvgByteSize {
			return fmt.Errorf("%s must be between 0 and %d bytes, got %d", p.name, MaxAvgByteSize, p.v)
		}
	}
	if c.PersonProportion+c.AuctionProportion+c.BidProportion > 1<<20 {
		return fmt.Errorf("proportions must add up to at most %d, got %d", 1<<20, c.PersonProportion+c.AuctionProportion+c.BidProportion)
	}
	return nil
}

// TotalProportion is the number of events in one epoch.
func (c *Config) TotalProportion() int64 {
	return c.PersonProportion + c.AuctionProportion + c.BidProportion
}
