package connect

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"time"
	"unsafe"

	"github.com/greenwave/greenwave/internal/diag"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/valyala/fastjson"
	"github.com/valyala/fastjson/fastfloat"
)

// Numbers in time fields: below unixNanoThreshold (in absolute value) they
// are unix milliseconds, from it on unix nanoseconds. 1e15 ms is far past
// the int64-nanosecond range (year 2262) and 1e15 ns is 1970-01-12, so
// neither reading of a real timestamp is ambiguous.
const (
	unixNanoThreshold = 1e15
	maxUnixMillis     = math.MaxInt64 / int64(time.Millisecond)
)

// kindNames lists the kinds a declared schema may use, for messages.
var kindNames = []string{"bool", "int", "float", "string", "time"}

// maxJSONMessage bounds the JSON parser's message quoted in a bad line's
// report.
const maxJSONMessage = 200

// Interning bounds: strings up to internMaxLen bytes are shared. A
// field's table starts with internMinSlots slots and grows fourfold, up to
// internMaxSlots, after a window of internWindow look-ups that missed more
// than one in internGrowMisses; at its largest it turns itself off for
// good after a window that missed more than it hit.
const (
	internMaxLen     = 64
	internMinSlots   = 64
	internMaxSlots   = 4096
	internWindow     = 4096
	internGrowMisses = 32
	internWays       = 4
)

// maxKeyMemo bounds the key positions a decoder remembers; keys further
// into a line are looked up by name.
const maxKeyMemo = 256

// fileField is one declared field of the file source.
type fileField struct {
	name   string
	kind   event.Kind
	slot   int // slot in the registered schema
	intern internTable
}

// decoder turns one JSON line into an event of the declared schema. It
// allocates only for string values that are not interned. Not safe for
// concurrent use; give each goroutine its own (newDecoder copies nothing
// from the fields it is given but their names, kinds and slots).
//
// A line goes first through scan, which reads a flat object (scalar values,
// no escape sequences) straight into the event's slots; anything else, and
// any line scan finds fault with, is decoded again by the fastjson parser,
// whose result and error messages are the reference: scan accepts only
// lines the parser reads the same way. Both find a key's field through
// keys, which remembers which field the key at each position of the
// previous line named, so lines whose keys come in the same order as the
// line before need no map look-up.
type decoder struct {
	fields   []fileField
	byName   map[string]int
	required []int // indexes into fields
	width    int
	p        fastjson.Parser
	visitFn  func(key []byte, v *fastjson.Value)

	// keys[i] is the key at position i of the last line that had one
	// there, and the index of the field it names (-1: undeclared); nkey
	// is the position of the next key the parser visits.
	keys []keyMemo
	nkey int
	// parseOnly skips scan (tests compare the two paths).
	parseOnly bool

	// State of the line being decoded; seen[i] == gen marks field i present.
	seen    []uint32
	gen     uint32
	cur     []event.Value
	err     error
	scratch []byte

	// keepUnknown collects the non-null values of undeclared keys in
	// unknown (valid until the next decode) for run-time type discovery.
	keepUnknown bool
	unknown     []unknownKey
}

// keyMemo is a key seen at one position of a line, and its field.
type keyMemo struct {
	key   []byte
	field int
}

// unknownKey is an undeclared key of the line being decoded and its value.
type unknownKey struct {
	key []byte
	v   *fastjson.Value
}

func newDecoder(fields []fileField, required []int, width int) *decoder {
	own := make([]fileField, len(fields))
	for i, f := range fields {
		own[i] = fileField{name: f.name, kind: f.kind, slot: f.slot}
	}
	fields = own
	d := &decoder{fields: fields, required: required, width: width, seen: make([]uint32, len(fields))}
	d.byName = make(map[string]int, len(fields))
	for i, f := range fields {
		d.byName[f.name] = i
	}
	d.visitFn = d.visit // bound once: Visit then allocates nothing per line
	return d
}

// clone returns a decoder of the same fields with state of its own (its
// own parser, key memory and interning), for another goroutine.
func (d *decoder) clone() *decoder {
	c := newDecoder(d.fields, d.required, d.width)
	c.keepUnknown = d.keepUnknown
	return c
}

// decode parses line into e, setting e.Fields to the registered schema's
// width. Unknown keys are ignored, null counts as absent, and a key given
// twice keeps its last value. The error names the field and the bad value
// but not the file and line, which the caller adds.
func (d *decoder) decode(line []byte, e *event.Event) error {
	d.begin(e)
	if !d.keepUnknown && !d.parseOnly && d.scan(line) {
		return d.checkRequired()
	}
	v, err := d.p.ParseBytes(line)
	if err != nil {
		// The parser's message nests one clause per level and quotes the
		// rest of the line: a deep or long line would make a huge report.
		return fmt.Errorf("invalid JSON: %s", diag.Cap(strings.TrimPrefix(err.Error(), "cannot parse JSON: "), maxJSONMessage))
	}
	if t := v.Type(); t != fastjson.TypeObject {
		return fmt.Errorf("expected a JSON object, got %s", t)
	}
	o, _ := v.Object()
	d.begin(e) // scan may have filled some slots
	d.err = nil
	d.unknown = d.unknown[:0]
	d.nkey = 0
	o.Visit(d.visitFn)
	if d.err != nil {
		return d.err
	}
	return d.checkRequired()
}

// begin starts a line: e's fields cleared to the schema's width, none seen.
func (d *decoder) begin(e *event.Event) {
	d.gen++
	if d.gen == 0 {
		clear(d.seen)
		d.gen = 1
	}
	d.cur = fieldsOf(e, d.width)
	clear(d.cur)
}

// checkRequired reports the first required field the line lacks.
func (d *decoder) checkRequired() error {
	for _, i := range d.required {
		if d.seen[i] != d.gen {
			return fmt.Errorf("missing required field %q", d.fields[i].name)
		}
	}
	return nil
}

// fieldOf returns the index of the field key names (-1: undeclared), key
// being at position pos of its line.
func (d *decoder) fieldOf(pos int, key []byte) int {
	if pos >= maxKeyMemo {
		if i, ok := d.byName[string(key)]; ok {
			return i
		}
		return -1
	}
	for pos >= len(d.keys) {
		d.keys = append(d.keys, keyMemo{field: -2})
	}
	m := &d.keys[pos]
	if m.field != -2 && string(m.key) == string(key) {
		return m.field
	}
	m.key = append(m.key[:0], key...)
	m.field = -1
	if i, ok := d.byName[string(key)]; ok {
		m.field = i
	}
	return m.field
}

func (d *decoder) visit(key []byte, v *fastjson.Value) {
	i := d.fieldOf(d.nkey, key)
	d.nkey++
	if d.err != nil || v.Type() == fastjson.TypeNull {
		return
	}
	if i < 0 {
		if d.keepUnknown {
			d.unknown = append(d.unknown, unknownKey{key: key, v: v})
		}
		return
	}
	f := &d.fields[i]
	val, ok := d.value(f, v)
	if !ok {
		d.err = fmt.Errorf("field %q: expected %s, got %s", f.name, f.kind, d.show(v))
		return
	}
	d.cur[f.slot] = val
	d.seen[i] = d.gen
}

// value converts v to f's kind; ok is false when v is of another kind or
// out of range.
func (d *decoder) value(f *fileField, v *fastjson.Value) (event.Value, bool) {
	switch f.kind {
	case event.String:
		if b, err := v.StringBytes(); err == nil {
			return event.StringValue(f.intern.get(b)), true
		}
	case event.Int:
		if n, err := v.Int64(); err == nil {
			return event.IntValue(n), true
		}
	case event.Float:
		if x, err := v.Float64(); err == nil {
			return event.FloatValue(x), true
		}
	case event.Bool:
		if b, err := v.Bool(); err == nil {
			return event.BoolValue(b), true
		}
	case event.Time:
		if t, ok := d.timeValue(v); ok {
			return event.TimeValue(t), true
		}
	}
	return event.Value{}, false
}

// extraValue is value for an undeclared field: a string field also takes
// an object or array, as its JSON text.
func (d *decoder) extraValue(f *fileField, v *fastjson.Value) (event.Value, bool) {
	if f.kind == event.String {
		if t := v.Type(); t == fastjson.TypeObject || t == fastjson.TypeArray {
			return event.StringValue(string(v.MarshalTo(nil))), true
		}
	}
	return d.value(f, v)
}

// timeValue reads an RFC 3339 string or a unix ms/ns number.
func (d *decoder) timeValue(v *fastjson.Value) (int64, bool) {
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return parseTime(b)
	case fastjson.TypeNumber:
		d.scratch = v.MarshalTo(d.scratch[:0])
		return timeFromNumber(d.scratch)
	}
	return 0, false
}

// timeFromNumber reads a JSON number's text as unix milliseconds (below
// unixNanoThreshold) or nanoseconds.
func timeFromNumber(text []byte) (int64, bool) {
	s := unsafe.String(unsafe.SliceData(text), len(text))
	if bytes.ContainsAny(text, ".eEnNiI") {
		x, err := fastfloat.Parse(s)
		switch {
		case err != nil || math.IsNaN(x) || math.Abs(x) >= math.MaxInt64:
			return 0, false
		case math.Abs(x) >= unixNanoThreshold:
			return int64(x), true
		case math.Abs(x) > float64(maxUnixMillis):
			return 0, false
		}
		// Whole and fractional milliseconds apart: x*1e6 in one
		// float64 would lose the sub-microsecond digits.
		whole, frac := math.Modf(x)
		return int64(whole)*int64(time.Millisecond) + int64(math.Round(frac*float64(time.Millisecond))), true
	}
	n, err := fastfloat.ParseInt64(s)
	if err != nil {
		return 0, false
	}
	if n >= unixNanoThreshold || n <= -unixNanoThreshold {
		return n, true
	}
	if n > maxUnixMillis || n < -maxUnixMillis {
		return 0, false
	}
	return n * int64(time.Millisecond), true
}

// show formats a bad value for a message: its JSON text, cut as diag.Quote
// cuts a quoted value (the first diag.MaxQuoted bytes, "…" and the total
// length).
func (d *decoder) show(v *fastjson.Value) string {
	d.scratch = v.MarshalTo(d.scratch[:0])
	return diag.Cap(string(d.scratch), diag.MaxQuoted)
}

// internTable returns shared copies of short strings, so a field of few
// values (a country, a device) or of values that repeat while they are
// current (a session id) costs no allocation per event. It is a
// set-associative cache of internWays strings per set, indexed by a hash of
// the value's first and last 8 bytes and its length, which each entry
// keeps beside its string: a value of up to 16 bytes is recognised from
// the entry alone, without reading the string's bytes (a longer one is
// compared too). A miss allocates the string and evicts the least recently
// used of its set. Memory is bounded (internMaxSlots strings of up to
// internMaxLen bytes per field); a field whose values never come back (an
// id per event) turns the table off, and then costs one allocation per
// value and no look-up. The zero value is ready to use. Not safe for
// concurrent use.
type internTable struct {
	slots        []internEntry // len a power of two, internWays per set; nil until the first look-up
	shift        uint          // 64 - log2(sets)
	hits, misses int
	off          bool
}

// internEntry is one slot of an internTable: a string and its key.
type internEntry struct {
	s      string
	lo, hi uint64
}

// internKey returns the first and last (up to) 8 bytes of b, which with
// its length are all of b when it has at most 16 bytes.
func internKey(b []byte) (lo, hi uint64) {
	if len(b) >= 8 {
		return binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[len(b)-8:])
	}
	for i, c := range b {
		lo |= uint64(c) << (8 * i)
	}
	return lo, 0
}

// internSet returns the index of the first slot of the set of a key and
// the length of its string.
func (t *internTable) internSet(lo, hi uint64, n int) int {
	h := (lo ^ bits.RotateLeft64(hi, 29) ^ uint64(n)<<58) * 0x9e3779b97f4a7c15
	return int(h>>t.shift) * internWays
}

func (t *internTable) get(b []byte) string {
	if t.off || len(b) > internMaxLen {
		return string(b)
	}
	if t.slots == nil {
		t.resize(internMinSlots)
	}
	lo, hi := internKey(b)
	i := t.internSet(lo, hi, len(b))
	set := t.slots[i : i+internWays : i+internWays]
	for w := range set {
		if e := set[w]; e.lo == lo && e.hi == hi && len(e.s) == len(b) && (len(b) <= 16 || e.s == string(b)) {
			// The most recent of a set comes first; a miss evicts the last.
			if w > 0 {
				copy(set[1:w+1], set[:w])
				set[0] = e
			}
			t.count(true)
			return e.s
		}
	}
	s := string(b)
	copy(set[1:], set[:internWays-1])
	set[0] = internEntry{s: s, lo: lo, hi: hi}
	t.count(false)
	return s
}

// count records a look-up and, at the end of a window, grows the table or
// turns it off.
func (t *internTable) count(hit bool) {
	if hit {
		t.hits++
	} else {
		t.misses++
	}
	if t.hits+t.misses < internWindow {
		return
	}
	switch {
	case t.misses*internGrowMisses <= internWindow:
	case len(t.slots) < internMaxSlots:
		t.resize(len(t.slots) * 4)
	case t.misses > t.hits:
		t.off, t.slots = true, nil
	}
	t.hits, t.misses = 0, 0
}

// resize makes the table n slots (a power of two, at least internWays),
// keeping what it holds.
func (t *internTable) resize(n int) {
	old := t.slots
	t.slots = make([]internEntry, n)
	t.shift = uint(64 - bits.TrailingZeros(uint(n/internWays)))
	for j := len(old) - 1; j >= 0; j-- {
		if e := old[j]; e.s != "" {
			i := t.internSet(e.lo, e.hi, len(e.s))
			set := t.slots[i : i+internWays]
			copy(set[1:], set[:internWays-1])
			set[0] = e
		}
	}
}
