package nexmark

import (
	"strings"
	"testing"
	"time"
	"unsafe"
)

func TestProportionsPerEpoch(t *testing.T) {
	g := newGen(t, DefaultConfig())
	for epoch := range int64(40) {
		var count [3]int
		for k := range int64(50) {
			var e Event
			g.Generate(epoch*50+k, &e)
			count[e.Kind]++
			want := BidKind
			switch {
			case k == 0:
				want = PersonKind
			case k <= 3:
				want = AuctionKind
			}
			if e.Kind != want {
				t.Fatalf("event %d: %v, want %v", epoch*50+k, e.Kind, want)
			}
		}
		if count != [3]int{1, 3, 46} {
			t.Fatalf("epoch %d: person/auction/bid = %v, want [1 3 46]", epoch, count)
		}
	}
}

func TestOutOfOrderGroupsShuffleWithinGroups(t *testing.T) {
	cfg := DefaultConfig()
	cfg.OutOfOrderGroupSize = 10
	cfg.EventRate = 100 // 10 ms apart, so shuffled times differ
	g := newGen(t, cfg)
	// 350 events are 35 whole groups and 7 whole epochs: the ids are a
	// permutation of 0..349, so the proportions stay exact.
	seen := map[int64]bool{}
	var count [3]int
	inOrder := true
	var prev int64 = -1
	for n := range int64(350) {
		var e Event
		g.Generate(n, &e)
		if e.ID/10 != n/10 {
			t.Fatalf("event %d has id %d, outside its group", n, e.ID)
		}
		if seen[e.ID] {
			t.Fatalf("id %d generated twice", e.ID)
		}
		seen[e.ID] = true
		count[e.Kind]++
		if e.Time < prev {
			inOrder = false
		}
		prev = e.Time
		if w := g.Watermark(n); w > e.Time {
			t.Fatalf("event %d at %d is before the watermark %d", n, e.Time, w)
		}
		if w := g.Watermark(n + 1); w < g.Watermark(n) {
			t.Fatalf("watermark goes back at event %d", n+1)
		}
	}
	if count != [3]int{7, 21, 322} {
		t.Errorf("person/auction/bid = %v, want [7 21 322]", count)
	}
	if inOrder {
		t.Error("event times are in order with out-of-order groups of 10")
	}
	in := newGen(t, DefaultConfig())
	for n := range int64(100) {
		if id := in.EventID(n); id != n {
			t.Fatalf("in order: event %d has id %d", n, id)
		}
	}
}

func TestEventTimeFollowsEventRate(t *testing.T) {
	base := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC).UnixNano()
	for _, tc := range []struct {
		rate float64
		id   int64
		want time.Duration
	}{
		{10000, 0, 0},
		{10000, 9, 0}, // ten events share each millisecond
		{10000, 10, time.Millisecond},
		{10000, 10000, time.Second},
		{10000, 123457, 12345 * time.Millisecond},
		{1000, 7, 7 * time.Millisecond},
		// 2 × 333333.33 µs truncates to 666 ms: whole microseconds, then
		// whole milliseconds, as the reference computes it.
		{3, 2, 666 * time.Millisecond},
		{3, 3, time.Second},
		{0.5, 3, 6 * time.Second},
	} {
		cfg := DefaultConfig()
		cfg.BaseTime, cfg.EventRate = base, tc.rate
		g := newGen(t, cfg)
		if got := g.Time(tc.id); got != base+int64(tc.want) {
			t.Errorf("rate %v, id %d: time %v after base, want %v", tc.rate, tc.id, time.Duration(got-base), tc.want)
		}
	}
	cfg := DefaultConfig()
	cfg.BaseTime, cfg.EventRate = base, 2500
	g := newGen(t, cfg)
	events := generate(g, 0, 25000)
	for i := range events {
		e := &events[i]
		if e.Time < base || (i > 0 && e.Time < events[i-1].Time) {
			t.Fatalf("event %d: time %d goes back", i, e.Time)
		}
		var dt int64
		switch e.Kind {
		case PersonKind:
			dt = e.Person.DateTime
		case AuctionKind:
			dt = e.Auction.DateTime
		default:
			dt = e.Bid.DateTime
		}
		if dt != e.Time {
			t.Fatalf("event %d: date_time %d, event time %d", i, dt, e.Time)
		}
	}
	if span := time.Duration(events[len(events)-1].Time - base); span != 9999*time.Millisecond {
		t.Errorf("25000 events at 2500/s span %v, want 9.999s", span)
	}
}

func TestDeterministicPerSeed(t *testing.T) {
	cfg := DefaultConfig()
	a := generate(newGen(t, cfg), 0, 20000)
	// The same events from a fresh generator, generated backwards.
	g := newGen(t, cfg)
	var e Event
	for n := int64(len(a)) - 1; n >= 0; n-- {
		g.Generate(n, &e)
		if e.Kind != a[n].Kind || e.ID != a[n].ID || e.Time != a[n].Time || record(&e) != record(&a[n]) {
			t.Fatalf("event %d differs when regenerated:\n%+v\n%+v", n, record(&e), record(&a[n]))
		}
	}
	cfg.Seed = 2
	b := generate(newGen(t, cfg), 0, 20000)
	same := 0
	for i := range a {
		if record(&a[i]) == record(&b[i]) {
			same++
		}
	}
	if same > len(a)/100 {
		t.Errorf("seeds 1 and 2 share %d of %d events", same, len(a))
	}
}

func TestArenaStringsAreNeverOverwritten(t *testing.T) {
	g := newGen(t, DefaultConfig())
	kept := generate(g, 0, 50000) // people and auctions fill many chunks
	again := generate(newGen(t, DefaultConfig()), 0, 50000)
	for i := range kept {
		if record(&kept[i]) != record(&again[i]) {
			t.Fatalf("event %d changed after later events were generated", i)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"zero rate", func(c *Config) { c.EventRate = 0 }, "event rate"},
		{"zero group", func(c *Config) { c.OutOfOrderGroupSize = 0 }, "out-of-order group size"},
		{"no people", func(c *Config) { c.PersonProportion = 0 }, "person proportion"},
		{"zero ratio", func(c *Config) { c.HotBiddersRatio = 0 }, "hot bidders ratio"},
		{"huge bids", func(c *Config) { c.AvgBidByteSize = MaxAvgByteSize + 1 }, "average bid size"},
		{"negative size", func(c *Config) { c.AvgPersonByteSize = -1 }, "average person size"},
	} {
		cfg := DefaultConfig()
		tc.change(&cfg)
		_, err := New(cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one about %q", tc.name, err, tc.want)
		}
	}
	if _, err := New(DefaultConfig()); err != nil {
		t.Errorf("default config: %v", err)
	}
}

func TestEventsAllocateOnlyChunks(t *testing.T) {
	g := newGen(t, DefaultConfig())
	var e Event
	n := int64(10) // a bid
	bids := testing.AllocsPerRun(5000, func() {
		g.Generate(n, &e)
		n += 50
	})
	if e.Kind != BidKind || bids > 0.005 {
		t.Errorf("bids: %v allocations per event (kind %v), want below 0.005 (a chunk per 500 bids)", bids, e.Kind)
	}
	n = 0
	all := testing.AllocsPerRun(50000, func() {
		g.Generate(n, &e)
		n++
	})
	if all > 0.02 {
		t.Errorf("all events: %v allocations per event, want below 0.02", all)
	}
}

func TestExtraIsCopiedPerEvent(t *testing.T) {
	g := newGen(t, DefaultConfig())
	letters := g.tab.letters
	lo := uintptr(unsafe.Pointer(unsafe.StringData(letters)))
	hi := lo + uintptr(len(letters))
	var e Event
	for n := range int64(300) {
		g.Generate(n, &e)
		var x string
		switch e.Kind {
		case PersonKind:
			x = e.Person.Extra
		case AuctionKind:
			x = e.Auction.Extra
		default:
			x = e.Bid.Extra
		}
		if x == "" {
			t.Fatalf("event %d has no padding", n)
		}
		if p := uintptr(unsafe.Pointer(unsafe.StringData(x))); p >= lo && p < hi {
			t.Fatalf("event %d: padding points into the shared letters, want a copy", n)
		}
		if !strings.Contains(letters, x) {
			t.Fatalf("event %d: padding %q is not cut from the letters", n, x)
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{PersonKind: "person", AuctionKind: "auction", BidKind: "bid", Kind(9): "kind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, want)
		}
	}
}
