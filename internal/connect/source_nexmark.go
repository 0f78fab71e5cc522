package connect

import (
	"slices"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/diag"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/nexmark"
)

// defaultNexmarkEventRate is the reference's firstEventRate.
const defaultNexmarkEventRate = 10000.0

// Side outputs of the nexmark source, one per event kind, in the order of
// nexmark.Kind so that a kind indexes its output.
var nexmarkSides = []string{
	nexmark.PersonKind:  "person",
	nexmark.AuctionKind: "auction",
	nexmark.BidKind:     "bid",
}

// The typed schemas, fields in the order the fill functions write them.
var nexmarkFields = [...][]event.Field{
	nexmark.PersonKind: {
		{Name: "id", Kind: event.Int, Required: true},
		{Name: "name", Kind: event.String, Required: true},
		{Name: "email_address", Kind: event.String, Required: true},
		{Name: "credit_card", Kind: event.String, Required: true},
		{Name: "city", Kind: event.String, Required: true},
		{Name: "state", Kind: event.String, Required: true},
		{Name: "date_time", Kind: event.Time, Required: true},
		{Name: "extra", Kind: event.String, Required: true},
	},
	nexmark.AuctionKind: {
		{Name: "id", Kind: event.Int, Required: true},
		{Name: "item_name", Kind: event.String, Required: true},
		{Name: "description", Kind: event.String, Required: true},
		{Name: "initial_bid", Kind: event.Int, Required: true},
		{Name: "reserve", Kind: event.Int, Required: true},
		{Name: "date_time", Kind: event.Time, Required: true},
		{Name: "expires", Kind: event.Time, Required: true},
		{Name: "seller", Kind: event.Int, Required: true},
		{Name: "category", Kind: event.Int, Required: true},
		{Name: "extra", Kind: event.String, Required: true},
	},
	nexmark.BidKind: {
		{Name: "auction", Kind: event.Int, Required: true},
		{Name: "bidder", Kind: event.Int, Required: true},
		{Name: "price", Kind: event.Int, Required: true},
		{Name: "channel", Kind: event.String, Required: true},
		{Name: "url", Kind: event.String, Required: true},
		{Name: "date_time", Kind: event.Time, Required: true},
		{Name: "extra", Kind: event.String, Required: true},
	},
}

// nexmarkEventType is the field of the combined schema naming the kind.
const nexmarkEventType = "event_type"

// nexmarkCombinedFields returns the fields of the combined nexmark_event
// schema: event_type, then every typed field prefixed by its kind
// (person_id, ..., auction_id, ..., bid_auction, ...), none required.
func nexmarkCombinedFields() []event.Field {
	fields := []event.Field{{Name: nexmarkEventType, Kind: event.String}}
	for k, fs := range nexmarkFields {
		for _, f := range fs {
			fields = append(fields, event.Field{Name: nexmarkSides[k] + "_" + f.Name, Kind: f.Kind})
		}
	}
	return fields
}

// nexmarkSpec describes the nexmark source: the nexmark package's generator
// behind the generate source's pacing, each kind on its own side output
// (see the nexmark package doc for why typed side outputs rather than one
// wide stream).
func nexmarkSpec() *component.Spec {
	return &component.Spec{
		Type: "nexmark",
		Kind: component.KindSource,
		Doc: "Generates the Nexmark benchmark's online auction events, as the reference generator of the " +
			"nexmark/nexmark repository does: people, auctions and bids in proportion 1:3:46, ids from 1000, " +
			"hot sellers, auctions and bidders, log-scale prices, and extra padding to average sizes. " +
			"Deterministic given seed. Each kind goes to its own side output with its own schema: " +
			"`<name>.person` (id, name, email_address, credit_card, city, state, date_time, extra), " +
			"`<name>.auction` (id, item_name, description, initial_bid, reserve, date_time, expires, seller, " +
			"category, extra) and `<name>.bid` (auction, bidder, price, channel, url, date_time, extra). " +
			"The main output, schema nexmark_event (event_type plus every field prefixed by its kind, the " +
			"other kinds' fields null), carries every event only with combined: true. Event time " +
			"(Event.Time and date_time) is start + the reference's inter-event delay at event_rate, in " +
			"milliseconds; rate only paces the wall clock.",
		SideOutputs: slices.Clone(nexmarkSides),
		Options: []component.Option{
			{Name: "seed", Type: component.Int, Default: int64(1),
				Doc: "Seed of the pseudo-random generator; the same seed gives the same events."},
			{Name: "count", Type: component.Int, Default: int64(0), HasMin: true,
				Doc: "Number of events (of all kinds) to generate before the source is done; 0 is unbounded."},
			{Name: "rate", Type: component.Float, Default: float64(0), HasMin: true,
				Doc: "Events per second of wall clock; 0 generates as fast as the pipeline reads. " +
					"Paced output is never early; after a stall it catches up by at most one batch and then drops the rest of the backlog."},
			{Name: "event_rate", Type: component.Float, HasMin: true, ExclusiveMin: true,
				Doc: "Events per second of event time (the reference's first_event_rate). Default: rate when rate > 0, else 10000."},
			{Name: "start", Type: component.String, Default: defaultStart,
				Doc: "Event time of the first event, as an RFC 3339 time."},
			{Name: "out_of_order_group", Type: component.Int, Default: int64(1), HasMin: true, Min: 1,
				Doc: "Events are shuffled, ids and times, within groups of this many (the reference's out_of_order_group_size); 1 keeps them in order."},
			{Name: "avg_person_bytes", Type: component.Int, Default: int64(200), HasMin: true, HasMax: true, Max: nexmark.MaxAvgByteSize,
				Doc: "Average size of a person in the reference's accounting; the extra field pads to it."},
			{Name: "avg_auction_bytes", Type: component.Int, Default: int64(500), HasMin: true, HasMax: true, Max: nexmark.MaxAvgByteSize,
				Doc: "Average size of an auction; the extra field pads to it."},
			{Name: "avg_bid_bytes", Type: component.Int, Default: int64(100), HasMin: true, HasMax: true, Max: nexmark.MaxAvgByteSize,
				Doc: "Average size of a bid; the extra field pads to it."},
			{Name: "combined", Type: component.Bool, Default: false,
				Doc: "Also emit every event on the main output, as one nexmark_event row; off, the main output stays empty and costs nothing."},
		},
		New: newNexmark,
	}
}

func newNexmark(ctx *component.Context) (*component.Instance, error) {
	r := component.NewReader(nexmarkSpec(), ctx.Options)
	cfg := nexmark.DefaultConfig()
	cfg.Seed = uint64(r.Int("seed"))
	count := r.Int("count")
	rate := finite(r, "rate")
	cfg.EventRate = defaultNexmarkEventRate
	if rate > 0 {
		cfg.EventRate = rate
	}
	if r.Given("event_rate") {
		cfg.EventRate = finite(r, "event_rate")
	}
	startText := r.String("start")
	start, perr := time.Parse(time.RFC3339Nano, startText)
	if perr != nil {
		r.Fail(r.At("start"), "%s is not an RFC 3339 time (like %q)", diag.Quote(startText), defaultStart)
	}
	cfg.BaseTime = start.UnixNano()
	cfg.OutOfOrderGroupSize = r.Int("out_of_order_group")
	cfg.AvgPersonByteSize = int(r.Int("avg_person_bytes"))
	cfg.AvgAuctionByteSize = int(r.Int("avg_auction_bytes"))
	cfg.AvgBidByteSize = int(r.Int("avg_bid_bytes"))
	combined := r.Bool("combined")
	if err := r.Err(); err != nil {
		return nil, err
	}
	gen, err := nexmark.New(cfg)
	if err != nil {
		return nil, err
	}
	p := &nexmarkProfile{gen: gen, combined: combined}
	inst := &component.Instance{}
	if err := p.bind(ctx, inst); err != nil {
		return nil, err
	}
	g := &generator{prof: p, count: count, now: ctx.Now, rate: rate}
	if g.now == nil {
		g.now = time.Now
	}
	if rate > 0 {
		g.period = 1e9 / rate
	}
	inst.Source = g
	return inst, nil
}

// nexmarkLayout is where one kind's fields go: slots[i] is the slot of
// field i of its typed schema, wide[i] that of the same field in the
// combined schema.
type nexmarkLayout struct {
	schema *event.Schema
	slots  []int
	wide   []int
	width  int
	// exact is set when the schema has no fields beyond ours, so every
	// slot is written and none needs clearing.
	exact bool
}

// fields readies dst for an event of the layout's schema and returns its
// Fields, nulls where the layout writes nothing.
func (l *nexmarkLayout) fields(dst *event.Event) []event.Value {
	dst.Schema = l.schema.ID
	f := fieldsOf(dst, l.width)
	if !l.exact {
		clear(f)
	}
	return f
}

// nexmarkProfile fills batches of the nexmark source through the generate
// source's pacing (see generator). It allocates nothing per bid, and for
// people and auctions only when the generator's string chunk is full.
type nexmarkProfile struct {
	gen      *nexmark.Generator
	ev       nexmark.Event
	layouts  [3]nexmarkLayout
	combined bool
	wide     *event.Schema
	wideType int // slot of event_type
}

// bind registers the schemas and sets inst's main and side schemas.
func (p *nexmarkProfile) bind(ctx *component.Context, inst *component.Instance) error {
	wide, wideSlots, err := bindSchema(ctx.Registry, event.MustSchema(ctx.Tenant, "nexmark_event", nexmarkCombinedFields()...))
	if err != nil {
		return err
	}
	p.wide, p.wideType = wide, wideSlots[0]
	inst.Schema = wide
	next := 1 // wideSlots[0] is event_type
	for k, fs := range nexmarkFields {
		s, slots, err := bindSchema(ctx.Registry, event.MustSchema(ctx.Tenant, nexmarkSides[k], fs...))
		if err != nil {
			return err
		}
		p.layouts[k] = nexmarkLayout{schema: s, slots: slots, wide: wideSlots[next : next+len(fs)],
			width: s.Width(), exact: s.Width() == len(fs)}
		next += len(fs)
		inst.SideSchemas = append(inst.SideSchemas, s)
	}
	return nil
}

func (p *nexmarkProfile) fill(out *component.Output, n int, b *genBatch) {
	sides := [3]*component.Output{out.Side(0), out.Side(1), out.Side(2)}
	e := &p.ev
	for k := range int64(n) {
		p.gen.Generate(b.first+k, e)
		dst := sides[e.Kind].Next()
		dst.Time, dst.Created = e.Time, b.created
		l := &p.layouts[e.Kind]
		f := l.fields(dst)
		s := l.slots
		switch e.Kind {
		case nexmark.PersonKind:
			x := &e.Person
			f[s[0]] = event.IntValue(x.ID)
			f[s[1]] = event.StringValue(x.Name)
			f[s[2]] = event.StringValue(x.EmailAddress)
			f[s[3]] = event.StringValue(x.CreditCard)
			f[s[4]] = event.StringValue(x.City)
			f[s[5]] = event.StringValue(x.State)
			f[s[6]] = event.TimeValue(x.DateTime)
			f[s[7]] = event.StringValue(x.Extra)
		case nexmark.AuctionKind:
			x := &e.Auction
			f[s[0]] = event.IntValue(x.ID)
			f[s[1]] = event.StringValue(x.ItemName)
			f[s[2]] = event.StringValue(x.Description)
			f[s[3]] = event.IntValue(x.InitialBid)
			f[s[4]] = event.IntValue(x.Reserve)
			f[s[5]] = event.TimeValue(x.DateTime)
			f[s[6]] = event.TimeValue(x.Expires)
			f[s[7]] = event.IntValue(x.Seller)
			f[s[8]] = event.IntValue(x.Category)
			f[s[9]] = event.StringValue(x.Extra)
		default:
			x := &e.Bid
			f[s[0]] = event.IntValue(x.Auction)
			f[s[1]] = event.IntValue(x.Bidder)
			f[s[2]] = event.IntValue(x.Price)
			f[s[3]] = event.StringValue(x.Channel)
			f[s[4]] = event.StringValue(x.URL)
			f[s[5]] = event.TimeValue(x.DateTime)
			f[s[6]] = event.StringValue(x.Extra)
		}
		if p.combined {
			p.emitCombined(out, dst, l, e.Kind)
		}
	}
}

// emitCombined appends typed event src, laid out by l, to the main output
// as a nexmark_event row.
func (p *nexmarkProfile) emitCombined(out *component.Output, src *event.Event, l *nexmarkLayout, kind nexmark.Kind) {
	w := out.Next()
	w.Schema, w.Time, w.Created = p.wide.ID, src.Time, src.Created
	f := fieldsOf(w, p.wide.Width())
	clear(f)
	f[p.wideType] = event.StringValue(nexmarkSides[kind])
	for i, slot := range l.slots {
		f[l.wide[i]] = src.Fields[slot]
	}
}
