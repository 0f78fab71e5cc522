package connect

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// nexmarkRun holds what a nexmark source emitted, by output.
type nexmarkRun struct {
	inst                       *component.Instance
	main, person, auction, bid []event.Event
}

// readNexmark builds a nexmark source with opts plus count n and reads it
// to the end in batches of limit, cloning every event.
func readNexmark(t *testing.T, opts map[string]any, n, limit int) *nexmarkRun {
	t.Helper()
	opts["count"] = int64(n)
	ctx, _ := newCtx(t, "nx", opts)
	run := &nexmarkRun{inst: mustNew(t, nexmarkSpec(), ctx)}
	var out component.Output
	for range n/limit + 2 {
		out.Reset()
		res, err := run.inst.Source.Read(&out, limit)
		if err != nil {
			t.Fatal(err)
		}
		if total := out.Side(0).Len() + out.Side(1).Len() + out.Side(2).Len(); total > limit {
			t.Fatalf("read %d events with limit %d", total, limit)
		}
		for _, dst := range []struct {
			o   *component.Output
			all *[]event.Event
		}{{&out, &run.main}, {out.Side(0), &run.person}, {out.Side(1), &run.auction}, {out.Side(2), &run.bid}} {
			for _, e := range dst.o.Events() {
				*dst.all = append(*dst.all, e.Clone())
			}
		}
		if res.Done {
			return run
		}
	}
	t.Fatalf("nexmark source not done after %d events", n)
	return nil
}

// get returns the named field of e, whose schema is s.
func get(t *testing.T, s *event.Schema, e *event.Event, name string) event.Value {
	t.Helper()
	if e.Schema != s.ID {
		t.Fatalf("event of schema %d, want %q (%d)", e.Schema, s.Name, s.ID)
	}
	return field(t, s, e, name)
}

func TestNexmarkSchemas(t *testing.T) {
	ctx, _ := newCtx(t, "nx", nil)
	inst := mustNew(t, nexmarkSpec(), ctx)
	want := map[string]string{
		"person":  "id:int name:string email_address:string credit_card:string city:string state:string date_time:time extra:string",
		"auction": "id:int item_name:string description:string initial_bid:int reserve:int date_time:time expires:time seller:int category:int extra:string",
		"bid":     "auction:int bidder:int price:int channel:string url:string date_time:time extra:string",
	}
	describe := func(s *event.Schema) string {
		var d string
		for i, f := range s.Fields {
			if i > 0 {
				d += " "
			}
			d += f.Name + ":" + f.Kind.String()
		}
		return d
	}
	spec := nexmarkSpec()
	if !slices.Equal(spec.SideOutputs, []string{"person", "auction", "bid"}) {
		t.Fatalf("side outputs %v", spec.SideOutputs)
	}
	for i, name := range spec.SideOutputs {
		s := inst.SideSchemas[i]
		if s.Name != name || s.ID == 0 || describe(s) != want[name] {
			t.Errorf("side output %s: schema %q (id %d) %s, want %s", name, s.Name, s.ID, describe(s), want[name])
		}
		if ctx.Registry.Schema(s.ID) != s {
			t.Errorf("schema %q is not the registered one", name)
		}
	}
	wide := inst.Schema
	if wide.Name != "nexmark_event" || wide.Fields[0].Name != "event_type" || wide.Width() != 1+8+10+7 {
		t.Fatalf("main schema %q: %s", wide.Name, describe(wide))
	}
	for _, name := range []string{"person_email_address", "auction_expires", "bid_price", "bid_url"} {
		if _, ok := wide.Slot(name); !ok {
			t.Errorf("main schema lacks %q", name)
		}
	}
}

func TestNexmarkEmitsEachKindOnItsSideOutput(t *testing.T) {
	run := readNexmark(t, map[string]any{}, 5000, 512)
	if len(run.main) != 0 || len(run.person) != 100 || len(run.auction) != 300 || len(run.bid) != 4600 {
		t.Fatalf("main/person/auction/bid = %d/%d/%d/%d, want 0/100/300/4600",
			len(run.main), len(run.person), len(run.auction), len(run.bid))
	}
	ps, as, bs := run.inst.SideSchemas[0], run.inst.SideSchemas[1], run.inst.SideSchemas[2]
	for i := range run.person {
		e := &run.person[i]
		if id := get(t, ps, e, "id").Int(); id != 1000+int64(i) {
			t.Fatalf("person %d has id %d", i, id)
		}
		if get(t, ps, e, "date_time") != event.TimeValue(e.Time) || get(t, ps, e, "extra").Str() == "" {
			t.Fatalf("person %d: %v", i, e.Fields)
		}
	}
	for i := range run.auction {
		e := &run.auction[i]
		if id := get(t, as, e, "id").Int(); id != 1000+int64(i) {
			t.Fatalf("auction %d has id %d", i, id)
		}
		if get(t, as, e, "expires").Int() <= e.Time || get(t, as, e, "seller").Int() < 1000 {
			t.Fatalf("auction %d: %v", i, e.Fields)
		}
		if c := get(t, as, e, "category").Int(); c < 10 || c > 14 {
			t.Fatalf("auction %d: category %d", i, c)
		}
	}
	for i := range run.bid {
		e := &run.bid[i]
		if a := get(t, bs, e, "auction").Int(); a < 1000 || a > 1000+300+10 {
			t.Fatalf("bid %d on auction %d", i, a)
		}
		if get(t, bs, e, "price").Int() < 100 || get(t, bs, e, "channel").Str() == "" || get(t, bs, e, "url").Str() == "" {
			t.Fatalf("bid %d: %v", i, e.Fields)
		}
		if get(t, bs, e, "date_time") != event.TimeValue(e.Time) {
			t.Fatalf("bid %d: date_time %v, time %d", i, get(t, bs, e, "date_time"), e.Time)
		}
	}
}

func TestNexmarkIsDeterministicPerSeed(t *testing.T) {
	a := readNexmark(t, map[string]any{"seed": int64(7)}, 3000, 1000)
	b := readNexmark(t, map[string]any{"seed": int64(7)}, 3000, 37)
	c := readNexmark(t, map[string]any{"seed": int64(8)}, 3000, 1000)
	if !sameEvents(a.person, b.person) || !sameEvents(a.auction, b.auction) || !sameEvents(a.bid, b.bid) {
		t.Error("same seed, different batch sizes: events differ")
	}
	if sameEvents(a.bid, c.bid) || sameEvents(a.person, c.person) {
		t.Error("seeds 7 and 8 gave identical events")
	}
}

func TestNexmarkEventTime(t *testing.T) {
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC).UnixNano()
	ms := int64(time.Millisecond)
	// Event i is at start + i ms at 1000 events/s: person k is event 50k,
	// auction j event 50(j/3) + 1 + j%3.
	run := readNexmark(t, map[string]any{"start": "2026-03-01T10:00:00Z", "event_rate": float64(1000)}, 1000, 100)
	for k, e := range run.person {
		if want := start + int64(50*k)*ms; e.Time != want {
			t.Fatalf("person %d at %d, want %d", k, e.Time, want)
		}
	}
	for j, e := range run.auction {
		if want := start + int64(50*(j/3)+1+j%3)*ms; e.Time != want {
			t.Fatalf("auction %d at %d, want %d", j, e.Time, want)
		}
	}
	// Defaults: 10000 events/s from 2026-01-01, so person 1 (event 50) is
	// 5 ms in; with rate 1000 and no event_rate, event time follows rate.
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	if got := readNexmark(t, map[string]any{}, 51, 51).person[1].Time; got != base+5*ms {
		t.Errorf("default: person 1 at %d, want %d", got, base+5*ms)
	}
	ctx, clk := newCtx(t, "nx", map[string]any{"rate": float64(1000)})
	src := mustNew(t, nexmarkSpec(), ctx).Source
	var out component.Output
	var people []event.Event
	for range 10 {
		out.Reset()
		if _, err := src.Read(&out, 100); err != nil {
			t.Fatal(err)
		}
		people = append(people, out.Side(0).Events()...)
		clk.advance(10 * time.Millisecond)
	}
	if len(people) != 2 || people[1].Time != base+50*ms || people[1].Created != clk.t.Add(-50*time.Millisecond).UnixNano() {
		t.Fatalf("paced at 1000/s for 100ms: %d people, person 1 at %v", len(people), people)
	}
}

func TestNexmarkCombinedMainOutput(t *testing.T) {
	run := readNexmark(t, map[string]any{"combined": true}, 500, 128)
	if len(run.main) != 500 {
		t.Fatalf("main output has %d events, want all 500", len(run.main))
	}
	wide := run.inst.Schema
	typed := map[string][]event.Event{"person": run.person, "auction": run.auction, "bid": run.bid}
	seen := map[string]int{}
	for i := range run.main {
		e := &run.main[i]
		kind := get(t, wide, e, "event_type").Str()
		src := &typed[kind][seen[kind]]
		seen[kind]++
		schema := run.inst.SideSchemas[slices.Index(nexmarkSides, kind)]
		if e.Time != src.Time || e.Created != src.Created {
			t.Fatalf("event %d: time %d/%d, typed %d/%d", i, e.Time, e.Created, src.Time, src.Created)
		}
		for slot, f := range wide.Fields[1:] {
			v := e.Fields[slot+1]
			prefix, name, _ := strings.Cut(f.Name, "_")
			if prefix != kind {
				if !v.IsNull() {
					t.Fatalf("event %d (%s): %s = %v, want null", i, kind, f.Name, v)
				}
				continue
			}
			if want := get(t, schema, src, name); v != want {
				t.Fatalf("event %d: %s = %v, typed %s = %v", i, f.Name, v, name, want)
			}
		}
	}
	if seen["person"] != 10 || seen["auction"] != 30 || seen["bid"] != 460 {
		t.Errorf("combined kinds %v", seen)
	}
}

func TestNexmarkExtendsARegisteredSchema(t *testing.T) {
	// The tenant already has a bid type with another field first: the
	// source writes its fields where the registry put them and leaves the
	// other one null.
	ctx, _ := newCtx(t, "nx", map[string]any{"count": int64(50)})
	pre := event.MustSchema("acme", "bid", event.Field{Name: "note", Kind: event.String}, event.Field{Name: "price", Kind: event.Int})
	if _, err := ctx.Registry.Register(pre); err != nil {
		t.Fatal(err)
	}
	inst := mustNew(t, nexmarkSpec(), ctx)
	bs := inst.SideSchemas[2]
	var out component.Output
	out.Side(2).Next().Fields = []event.Value{event.StringValue("stale"), {}, {}, {}, {}, {}, {}, {}, {}}
	out.Reset()
	if _, err := inst.Source.Read(&out, 50); err != nil {
		t.Fatal(err)
	}
	bids := out.Side(2).Events()
	if len(bids) != 46 || bs.Width() != 8 {
		t.Fatalf("%d bids, schema width %d", len(bids), bs.Width())
	}
	if v := get(t, bs, &bids[0], "note"); !v.IsNull() {
		t.Errorf("note = %v, want null", v)
	}
	if p := get(t, bs, &bids[0], "price").Int(); p < 100 {
		t.Errorf("price %d", p)
	}
	// A field registered with another kind is an error.
	ctx, _ = newCtx(t, "nx", nil)
	ctx.Registry.Register(event.MustSchema("acme", "person", event.Field{Name: "id", Kind: event.String}))
	if _, err := nexmarkSpec().New(ctx); err == nil {
		t.Error("person.id registered as a string: no error")
	}
}

func TestNexmarkRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		opt   string
		value any
	}{
		{"event_rate", float64(0)},
		{"event_rate", math.Inf(1)},
		{"rate", float64(-1)},
		{"rate", math.NaN()},
		{"count", int64(-1)},
		{"start", "yesterday"},
		{"out_of_order_group", int64(0)},
		{"avg_person_bytes", int64(-1)},
		{"avg_auction_bytes", int64(1 << 20)},
		{"avg_bid_bytes", int64(300000)},
	} {
		ctx, _ := newCtx(t, "nx", map[string]any{tc.opt: tc.value})
		_, err := nexmarkSpec().New(ctx)
		var oe *component.OptionError
		if !errors.As(err, &oe) || oe.Path.String() != tc.opt {
			t.Errorf("%s = %v: error %v, want one about that option", tc.opt, tc.value, err)
		}
	}
}

func TestNexmarkStopsAtCount(t *testing.T) {
	ctx, _ := newCtx(t, "nx", map[string]any{"count": int64(120)})
	src := mustNew(t, nexmarkSpec(), ctx).Source
	var out component.Output
	for i, want := range []struct {
		n    int
		done bool
	}{{50, false}, {50, false}, {20, true}, {0, true}} {
		out.Reset()
		res, err := src.Read(&out, 50)
		if err != nil {
			t.Fatal(err)
		}
		n := out.Side(0).Len() + out.Side(1).Len() + out.Side(2).Len()
		if n != want.n || res.Done != want.done || out.Len() != 0 {
			t.Fatalf("read %d: %d events (main %d), done %v; want %d, %v", i, n, out.Len(), res.Done, want.n, want.done)
		}
	}
}

func TestNexmarkAllocatesAlmostNothing(t *testing.T) {
	ctx, _ := newCtx(t, "nx", nil)
	src := mustNew(t, nexmarkSpec(), ctx).Source
	var out component.Output
	read := func() {
		out.Reset()
		if _, err := src.Read(&out, 1000); err != nil {
			t.Fatal(err)
		}
	}
	read() // warm up: the output's event slots get their Fields
	// Only the string chunk of people and auctions allocates: 4 KiB lasts
	// about 850 events.
	if per := testing.AllocsPerRun(100, read) / 1000; per > 0.003 {
		t.Errorf("%.4f allocations per event, want below 0.003", per)
	}
}
