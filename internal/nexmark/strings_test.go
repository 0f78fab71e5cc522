package nexmark

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	emailRE      = regexp.MustCompile(`^([a-z]([a-z ]*[a-z])?)?@([a-z]([a-z ]*[a-z])?)?\.com$`)
	creditCardRE = regexp.MustCompile(`^\d{4} \d{4} \d{4} \d{4}$`)
	randomRE     = regexp.MustCompile(`^([a-z]([a-z ]*[a-z])?)?$`) // trimmed
	lettersRE    = regexp.MustCompile(`^[a-z]*$`)
	urlRE        = regexp.MustCompile(`^https://www\.nexmark\.com/[a-z_]{3,4}/[a-z_]{3,4}/[a-z_]{3,4}/item\.htm\?query=1(&channel_id=-?\d+)?$`)
)

func TestPersonStrings(t *testing.T) {
	g := newGen(t, DefaultConfig())
	var e Event
	spaces, chars := 0, 0
	for n := int64(0); n < 500*50; n += 50 {
		g.Generate(n, &e)
		p := &e.Person
		first, last, ok := strings.Cut(p.Name, " ")
		if !ok || !slices.Contains(firstNames[:], first) || !slices.Contains(lastNames[:], last) {
			t.Fatalf("name %q", p.Name)
		}
		if !emailRE.MatchString(p.EmailAddress) || len(p.EmailAddress) > 6+1+4+4 {
			t.Fatalf("email %q", p.EmailAddress)
		}
		local, _, _ := strings.Cut(p.EmailAddress, "@")
		spaces += strings.Count(local, " ")
		chars += len(local)
		if !creditCardRE.MatchString(p.CreditCard) {
			t.Fatalf("credit card %q", p.CreditCard)
		}
		if !slices.Contains(usCities[:], p.City) || !slices.Contains(usStates[:], p.State) {
			t.Fatalf("city %q, state %q", p.City, p.State)
		}
		if !lettersRE.MatchString(p.Extra) {
			t.Fatalf("extra %q", p.Extra)
		}
	}
	// About one character in 13 is a space (fewer, as trimming drops
	// some), but not none.
	if f := float64(spaces) / float64(chars); f < 0.02 || f > 1.0/13 {
		t.Errorf("%.3f of email characters are spaces, want a little under 1/13", f)
	}
}

func TestAuctionStrings(t *testing.T) {
	g := newGen(t, DefaultConfig())
	var e Event
	lengths := map[int]bool{}
	for n := int64(1); n < 500*50; n += 50 {
		g.Generate(n, &e)
		a := &e.Auction
		if !randomRE.MatchString(a.ItemName) || len(a.ItemName) > 19 {
			t.Fatalf("item name %q", a.ItemName)
		}
		if !randomRE.MatchString(a.Description) || len(a.Description) > 99 {
			t.Fatalf("description %q", a.Description)
		}
		lengths[len(a.Description)] = true
	}
	if len(lengths) < 50 {
		t.Errorf("descriptions take only %d lengths, want lengths spread over 3..99", len(lengths))
	}
}

func TestBidChannelsAndURLs(t *testing.T) {
	g := newGen(t, DefaultConfig())
	var e Event
	hot, withID, bids := 0, 0, 0
	channels := map[string]string{}
	for n := range int64(20000) {
		if g.Generate(n, &e); e.Kind != BidKind {
			continue
		}
		b := &e.Bid
		bids++
		if slices.Contains(hotChannel[:], b.Channel) {
			hot++
		} else if !strings.HasPrefix(b.Channel, "channel-") {
			t.Fatalf("channel %q", b.Channel)
		}
		if !urlRE.MatchString(b.URL) {
			t.Fatalf("url %q", b.URL)
		}
		if strings.Contains(b.URL, "&channel_id=") {
			withID++
		}
		if u, ok := channels[b.Channel]; ok && u != b.URL {
			t.Fatalf("channel %q has urls %q and %q", b.Channel, u, b.URL)
		}
		channels[b.Channel] = b.URL
	}
	// Half the bids come from the 4 hot channels; 9 in 10 cold channel
	// URLs carry a channel id.
	if f := float64(hot) / float64(bids); math.Abs(f-0.5) > 0.02 {
		t.Errorf("%.3f of bids from hot channels, want 0.5", f)
	}
	if f := float64(withID) / float64(bids-hot); math.Abs(f-0.9) > 0.02 {
		t.Errorf("%.3f of cold-channel bids have a channel id, want 0.9", f)
	}
	if got := sharedTables().urls[1]; !strings.HasSuffix(got, "&channel_id=-2147483648") && strings.Contains(got, "channel_id") {
		t.Errorf("channel 1 url %q: the reference's Math.abs(Integer.reverse(1)) is -2147483648", got)
	}
}

// TestExtraReachesAverageSizes checks the padding against the sizes the
// reference counts: 8 plus the string lengths for a person, 8 + 40 plus the
// strings for an auction, 32 for a bid.
func TestExtraReachesAverageSizes(t *testing.T) {
	for _, sizes := range [][3]int{{200, 500, 100}, {1000, 3000, 250}, {80, 150, 40}} {
		cfg := DefaultConfig()
		cfg.AvgPersonByteSize, cfg.AvgAuctionByteSize, cfg.AvgBidByteSize = sizes[0], sizes[1], sizes[2]
		g := newGen(t, cfg)
		var sum, count [3]float64
		var e Event
		for n := range int64(100000) {
			g.Generate(n, &e)
			var size int
			switch e.Kind {
			case PersonKind:
				p := &e.Person
				size = 8 + len(p.Name) + len(p.EmailAddress) + len(p.CreditCard) + len(p.City) + len(p.State) + len(p.Extra)
			case AuctionKind:
				a := &e.Auction
				size = 8 + len(a.ItemName) + len(a.Description) + 40 + len(a.Extra)
			default:
				size = 32 + len(e.Bid.Extra)
			}
			sum[e.Kind] += float64(size)
			count[e.Kind]++
		}
		for k := range 3 {
			avg := sum[k] / count[k]
			if want := float64(sizes[k]); math.Abs(avg-want) > 0.02*want {
				t.Errorf("sizes %v: average %v size %.1f, want %v ± 2%%", sizes, Kind(k), avg, want)
			}
		}
	}
	// An average below the fixed size gets no padding.
	cfg := DefaultConfig()
	cfg.AvgBidByteSize = 0
	g := newGen(t, cfg)
	var e Event
	if g.Generate(10, &e); e.Bid.Extra != "" {
		t.Errorf("average bid size 0: extra %q, want none", e.Bid.Extra)
	}
	// The largest average still fits the shared letters.
	cfg.AvgBidByteSize = MaxAvgByteSize
	g = newGen(t, cfg)
	for n := int64(4); n < 50*20; n += 50 {
		if g.Generate(n, &e); len(e.Bid.Extra) < MaxAvgByteSize*3/4 {
			t.Fatalf("average bid size %d: extra of %d bytes", MaxAvgByteSize, len(e.Bid.Extra))
		}
	}
}
