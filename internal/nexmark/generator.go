package nexmark

import "fmt"

// Kind is the type of a Nexmark event.
type Kind uint8

// The event kinds.
const (
	PersonKind Kind = iota
	AuctionKind
	BidKind
)

var kindNames = [...]string{"person", "auction", "bid"}

// String returns "person", "auction" or "bid".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Event is one generated event. Only the record of its Kind is filled in;
// the other two keep whatever they held, so one Event can be reused for
// every event without clearing.
type Event struct {
	Kind Kind
	// Number is the event's position in the stream (0, 1, 2, ...).
	Number int64
	// ID is the event id: Number, shuffled within out-of-order groups.
	ID int64
	// Time is the event time in unix nanoseconds; it equals the DateTime of
	// the record.
	Time    int64
	Person  Person
	Auction Auction
	Bid     Bid
}

// Generator makes the events of one Config. Events depend only on the
// Config and their number, so any event can be generated at any time, in
// any order. A Generator is not safe for concurrent use.
type Generator struct {
	cfg   Config
	key   uint64 // mixed seed
	total int64  // events per epoch
	// delayUs is the inter-event delay in microseconds.
	delayUs float64
	// auctionLeadEvents is the number of events it takes to generate
	// NumInFlightAuctions auctions.
	auctionLeadEvents int64
	tab               *tables
	arena             arena
	// extras holds the events' padding, copied per event.
	extras arena
	// lettersWindow is how much of the shared letters padding is cut
	// from: minLettersWindow, or twice the longest padding the config
	// can ask for, whichever is more.
	lettersWindow int64
}

// New returns a generator for cfg, or an error naming the first invalid
// parameter.
func New(cfg Config) (*Generator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid nexmark config: %w", err)
	}
	total := cfg.TotalProportion()
	return &Generator{
		cfg:               cfg,
		key:               mix64(cfg.Seed ^ 0x243f6a8885a308d3),
		total:             total,
		delayUs:           1e6 / cfg.EventRate,
		auctionLeadEvents: cfg.NumInFlightAuctions * total / cfg.AuctionProportion,
		tab:               sharedTables(),
		extras:            arena{chunk: extraChunk},
		lettersWindow:     lettersWindow(cfg),
	}, nil
}

// lettersWindow returns the part of the letters cfg's padding is cut from:
// a padding is at most 1.2 times an average size (plus one), and the
// window holds two of the longest.
func lettersWindow(cfg Config) int64 {
	longest := int64(max(cfg.AvgPersonByteSize, cfg.AvgAuctionByteSize, cfg.AvgBidByteSize))*6/5 + 1
	return min(lettersSize, max(minLettersWindow, 2*longest))
}

// Config returns the generator's configuration.
func (g *Generator) Config() Config { return g.cfg }

// Generate fills e with event number n. It allocates only when one of its
// string chunks is full: about once per 500 bids, once per hundred people
// or auctions.
func (g *Generator) Generate(n int64, e *Event) {
	id := g.EventID(n)
	ts := g.Time(id)
	r := eventRNG(g.key, id)
	e.Number, e.ID, e.Time = n, id, ts
	switch e.Kind = g.KindOf(id); e.Kind {
	case PersonKind:
		g.person(id, ts, &r, &e.Person)
	case AuctionKind:
		g.auction(id, ts, &r, &e.Auction)
	default:
		g.bid(id, ts, &r, &e.Bid)
	}
}
