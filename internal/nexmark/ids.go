package nexmark

// Event numbers, event ids and times.
//
// Event number n is the position of an event in the generated stream
// (0, 1, 2, ...). Its event id is n itself unless out-of-order groups are
// on, in which case ids are shuffled within each group of
// OutOfOrderGroupSize numbers. The id decides the event's kind (id modulo
// the total proportion) and seeds its random stream; the event time is that
// of its id, so a shuffled event carries a shuffled time.

// outOfOrderStride is the reference's multiplier that shuffles the numbers
// of a group (a permutation when it is coprime with the group size).
const outOfOrderStride = 953

// EventID returns the id of event number n (the reference's
// nextAdjustedEventNumber).
func (g *Generator) EventID(n int64) int64 {
	k := g.cfg.OutOfOrderGroupSize
	if k == 1 {
		return n
	}
	return n/k*k + n*outOfOrderStride%k
}

// Time returns the event time, in unix nanoseconds, of the event with id
// (the reference's timestampForEvent): the base time plus the inter-event
// delay times id, truncated to microseconds and then to milliseconds.
func (g *Generator) Time(id int64) int64 {
	return g.cfg.BaseTime + g.offsetMs(id)*1e6
}

// offsetMs is the event-time offset of id from the base time, in whole
// milliseconds.
func (g *Generator) offsetMs(id int64) int64 {
	return int64(float64(id)*g.delayUs) / 1000
}

// Watermark returns a lower bound of the event times of events number n and
// later (the reference's nextEventNumberForWatermark): with out-of-order
// groups, the time of the first id of n's group.
func (g *Generator) Watermark(n int64) int64 {
	k := g.cfg.OutOfOrderGroupSize
	return g.Time(n / k * k)
}

// KindOf returns the kind of the event with id.
func (g *Generator) KindOf(id int64) Kind {
	switch rem := id % g.total; {
	case rem < g.cfg.PersonProportion:
		return PersonKind
	case rem < g.cfg.PersonProportion+g.cfg.AuctionProportion:
		return AuctionKind
	}
	return BidKind
}

// lastBase0PersonID returns the index (id - FirstPersonID) of the last
// person generated at or before event id; it is the new person's own index
// when id is a person.
func (g *Generator) lastBase0PersonID(id int64) int64 {
	epoch, offset := id/g.total, id%g.total
	if offset >= g.cfg.PersonProportion {
		offset = g.cfg.PersonProportion - 1
	}
	return epoch*g.cfg.PersonProportion + offset
}

// lastBase0AuctionID returns the index (id - FirstAuctionID) of the last
// auction generated at or before event id; it is the new auction's own
// index when id is an auction, and -1 before the first auction.
func (g *Generator) lastBase0AuctionID(id int64) int64 {
	epoch, offset := id/g.total, id%g.total
	switch {
	case offset < g.cfg.PersonProportion:
		epoch--
		offset = g.cfg.AuctionProportion - 1
	case offset >= g.cfg.PersonProportion+g.cfg.AuctionProportion:
		offset = g.cfg.AuctionProportion - 1
	default:
		offset -= g.cfg.PersonProportion
	}
	return epoch*g.cfg.AuctionProportion + offset
}

// nextBase0PersonID draws a person index among the NumActivePeople most
// recent people, or up to PersonIDLead people not generated yet.
func (g *Generator) nextBase0PersonID(id int64, r *rng) int64 {
	numPeople := g.lastBase0PersonID(id) + 1
	active := min(numPeople, g.cfg.NumActivePeople)
	return numPeople - active + r.intn(active+PersonIDLead)
}

// nextBase0AuctionID draws an auction index among the NumInFlightAuctions
// most recent auctions, or up to AuctionIDLead auctions not generated yet.
func (g *Generator) nextBase0AuctionID(id int64, r *rng) int64 {
	last := g.lastBase0AuctionID(id)
	first := max(last-g.cfg.NumInFlightAuctions, 0)
	return first + r.intn(last-first+1+AuctionIDLead)
}
