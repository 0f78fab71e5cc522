package nexmark

import (
	"math/bits"
	"slices"
	"strconv"
	"sync"
)

// The reference's string tables, kept small so that queries filtering on
// them find results even in small data sets.
var (
	firstNames = [...]string{"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"}
	lastNames  = [...]string{"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"}
	usCities   = [...]string{"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"}
	usStates   = [...]string{"AZ", "CA", "ID", "OR", "WA", "WY"}
	hotChannel = [...]string{"Google", "Facebook", "Baidu", "Apple"}
)

const (
	// minStringLength is the shortest random string before trimming.
	minStringLength = 3
	// numChannels is the number of cold channels a bid may come from.
	numChannels = 10000
	// hotChannelsRatio makes a bid come from a hot channel with
	// probability 1 - 1/hotChannelsRatio.
	hotChannelsRatio = 2
	// lettersSize is the length of the shared string the extra padding is
	// cut from; at least twice the longest padding (1.2 × MaxAvgByteSize).
	lettersSize = 1 << 20
	// minLettersWindow is the least part of the letters padding is cut
	// from (see Generator.lettersWindow).
	minLettersWindow = 64 << 10
	// tablesSeed fixes the random parts of the shared tables (URLs and
	// letters), which are the same for every Config.
	tablesSeed = 0x6e65786d61726b // "nexmark"
)

// tables are the strings shared by every generator: immutable once built,
// safe to read from any number of goroutines.
type tables struct {
	names          [len(firstNames) * len(lastNames)]string
	hotURLs        [len(hotChannel)]string
	channels, urls [numChannels]string
	letters        string
}

// sharedTables builds the tables once per process.
var sharedTables = sync.OnceValue(buildTables)

func buildTables() *tables {
	t := &tables{}
	for i, f := range firstNames {
		for j, l := range lastNames {
			t.names[i*len(lastNames)+j] = f + " " + l
		}
	}
	r := rng{s: tablesSeed}
	for i := range t.hotURLs {
		t.hotURLs[i] = baseURL(&r)
	}
	for c := range numChannels {
		t.channels[c] = "channel-" + strconv.Itoa(c)
		u := baseURL(&r)
		if r.intn(10) > 0 {
			u += "&channel_id=" + strconv.Itoa(int(javaAbs(int32(bits.Reverse32(uint32(c))))))
		}
		t.urls[c] = u
	}
	letters := make([]byte, lettersSize)
	for i := range letters {
		letters[i] = byte('a' + r.intn(26))
	}
	t.letters = string(letters)
	return t
}

// javaAbs is Java's Math.abs on an int: the most negative value stays
// negative, as it does in the reference's channel ids.
func javaAbs(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// baseURL returns a random item URL, as the reference's getBaseUrl.
func baseURL(r *rng) string {
	b := []byte("https://www.nexmark.com/")
	for range 3 {
		b = appendRandom(b, r, 5, underscoreChars)
		b = append(b, '/')
	}
	return string(append(b, "item.htm?query=1"...))
}

// charOutcomes is the number of equally likely outcomes of one character
// of a random string: 13 × 26, one in 13 the special character.
const charOutcomes = 13 * 26

// charTable maps an outcome to a character: the special character for the
// first 26, else a lowercase letter, uniform (the reference's nextString
// draws nextInt(13) == 0 for the special character, else nextInt(26)).
type charTable [charOutcomes]byte

func newCharTable(special byte) *charTable {
	t := new(charTable)
	for v := range t {
		t[v] = byte('a' + v%26)
		if v < 26 {
			t[v] = special
		}
	}
	return t
}

var (
	spaceChars      = newCharTable(' ')
	underscoreChars = newCharTable('_')
)

// appendRandom appends a random string of minStringLength to maxLength-1
// characters (the reference's nextString before trimming). It draws three
// characters from each 64-bit random value, 21 bits each, mapped onto the
// 338 outcomes by multiply-shift (bias below 0.02%). It allocates only when
// dst lacks the capacity.
func appendRandom(dst []byte, r *rng, maxLength int64, chars *charTable) []byte {
	const bits21 = 1<<21 - 1
	n := int(minStringLength + r.intn(maxLength-minStringLength))
	start := len(dst)
	dst = slices.Grow(dst, n)[:start+n]
	b := dst[start:]
	for i := 0; i < len(b); i += 3 {
		v := r.next()
		b[i] = chars[(v&bits21)*charOutcomes>>21]
		if i+1 < len(b) {
			b[i+1] = chars[(v>>21&bits21)*charOutcomes>>21]
		}
		if i+2 < len(b) {
			b[i+2] = chars[(v>>42&bits21)*charOutcomes>>21]
		}
	}
	return dst
}

// nextString returns a random string as the reference's nextString: up to
// maxLength-1 characters, about one in 13 a space, trimmed.
func (g *Generator) nextString(r *rng, maxLength int64) string {
	start := g.arena.reserve(int(maxLength))
	g.arena.buf = trimmed(g.arena.buf, r, maxLength)
	return g.arena.str(start)
}

// trimmed appends the random string appendRandom makes, without its
// leading and trailing spaces.
func trimmed(dst []byte, r *rng, maxLength int64) []byte {
	start := len(dst)
	dst = appendRandom(dst, r, maxLength, spaceChars)
	for len(dst) > start && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	lead := start
	for lead < len(dst) && dst[lead] == ' ' {
		lead++
	}
	if lead == start {
		return dst
	}
	return append(dst[:start], dst[lead:]...)
}

// nextExtra returns padding such that currentSize plus its length is on
// average desiredAverage (the reference's nextExtra): a length uniform
// within 20% of the missing size, copied from the shared letters into the
// generator's padding arena. The copy starts at a random offset in the
// first lettersWindow bytes of the letters: a window that stays in the
// core's cache, as the bytes a source decoding real messages copies have
// just been read.
func (g *Generator) nextExtra(r *rng, currentSize, desiredAverage int) string {
	if currentSize > desiredAverage {
		return ""
	}
	want := int64(desiredAverage - currentSize)
	delta := (2*want + 5) / 10 // Math.round(want * 0.2)
	size := want - delta
	if delta > 0 {
		size += r.intn(2 * delta)
	}
	off := r.intn(g.lettersWindow - size + 1)
	// Copied, not sliced: every event carries padding bytes of its own, as
	// the reference's events (and any source decoding real messages) do.
	start := g.extras.reserve(int(size))
	g.extras.buf = append(g.extras.buf, g.tab.letters[off:off+size]...)
	return g.extras.str(start)
}
