package agg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"sync"

	"github.com/greenwave/greenwave/internal/event"
)

// The encoding of a Set, all integers little-endian or varint:
//
//	"GWA" version(1) fingerprint(8) events(uvarint)
//	per stat:     n(uvarint), and when n > 0 the sum, least and greatest
//	              (varints for int kinds, 8-byte floats, length-prefixed strings)
//	per edge:     has(1), and when set: first time(varint) value, last time value
//	per quantile: length(4) DDSketch encoding (without its index mapping)
//	per distinct: 0 n(uvarint) n hashes(8 each), or 1 length(4) HyperLogLog encoding
//	per top_k:    n(uvarint) counters(uvarint), each value count(uvarint) err(uvarint)
//	crc32c of all the above (4)
//
// AppendState writes the same without the header and the checksum.
//
// A value is its kind byte followed by nothing (null), a varint (bool, int,
// time), 8 bytes (float) or a length-prefixed string.
const (
	codecMagic   = "GWA"
	codecVersion = 1
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// errFingerprint is returned when encoded state belongs to another layout.
var errFingerprint = errors.New("aggregate state was written for different aggregates")

// MarshalBinary returns the encoding of s (encoding.BinaryMarshaler).
func (s *Set) MarshalBinary() ([]byte, error) { return s.AppendBinary(nil) }

// AppendBinary appends the encoding of s to dst (encoding.BinaryAppender).
// The encoding holds the state, not the layout: it decodes only into a Set
// of a layout built from the same aggregates over the same fields.
func (s *Set) AppendBinary(dst []byte) ([]byte, error) {
	start := len(dst)
	b := append(dst, codecMagic...)
	b = append(b, codecVersion)
	b = binary.LittleEndian.AppendUint64(b, s.l.fingerprint)
	b, err := s.AppendState(b)
	if err != nil {
		return dst, err
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], crcTable)), nil
}

// encoders hold the slice headers sketches encode through (see AppendState).
var encoders = sync.Pool{New: func() any { return new([]byte) }}

// AppendState appends the state of s without the header and checksum of
// AppendBinary: for callers that keep many Sets of one layout and check
// the layout (Layout.Fingerprint) and the bytes' integrity once for all of
// them. DecodeState reads it back; the encoding delimits itself.
func (s *Set) AppendState(dst []byte) ([]byte, error) {
	b := binary.AppendUvarint(dst, uint64(s.events))
	for i := range s.stats {
		b = s.stats[i].appendBinary(b)
	}
	for i := range s.edges {
		b = s.edges[i].appendBinary(b)
	}
	for i := range s.quants {
		at := len(b)
		b = append(b, 0, 0, 0, 0)
		if sk := s.quants[i].sk; sk != nil && !sk.IsEmpty() {
			// The sketch appends through a pointer to a slice; a local's
			// address would escape and cost an allocation per sketch, so
			// the pointer comes from a pool.
			enc := encoders.Get().(*[]byte)
			*enc = b
			sk.Encode(enc, true)
			b = *enc
			*enc = nil
			encoders.Put(enc)
		}
		binary.LittleEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	}
	for i := range s.distincts {
		var err error
		if b, err = s.distincts[i].appendBinary(b); err != nil {
			return dst, err
		}
	}
	for i := range s.tops {
		t := &s.tops[i]
		b = binary.AppendUvarint(b, uint64(t.n))
		b = binary.AppendUvarint(b, uint64(len(t.counters)))
		for _, c := range t.counters {
			b = appendValue(b, c.v)
			b = binary.AppendUvarint(b, uint64(c.count))
			b = binary.AppendUvarint(b, uint64(c.err))
		}
	}
	return b, nil
}

// UnmarshalBinary replaces the state of s with an encoding made by
// AppendBinary (encoding.BinaryUnmarshaler). The data must be the whole
// encoding and belong to the same aggregates; otherwise, or when it is
// corrupt, UnmarshalBinary reports an error and leaves s empty. It does not
// retain data.
func (s *Set) UnmarshalBinary(data []byte) error {
	s.Reset()
	if err := s.decode(data); err != nil {
		s.Reset()
		return err
	}
	return nil
}

// DecodeState replaces the state of s with one AppendState encoded at the
// start of src, by a Set of a layout with the same fingerprint, and returns
// the rest of src. Malformed or truncated state is an error and leaves s
// empty; state of another layout is not detected (the caller checks the
// fingerprint). It does not retain src.
func (s *Set) DecodeState(src []byte) ([]byte, error) {
	s.Reset()
	d := &decoder{b: src}
	if err := s.decodeState(d); err != nil {
		s.Reset()
		return nil, err
	}
	return d.b, nil
}

func (s *Set) decode(data []byte) error {
	const header = len(codecMagic) + 1 + 8
	if len(data) < header+4 || string(data[:len(codecMagic)]) != codecMagic {
		return errors.New("not an aggregate state encoding")
	}
	if v := data[len(codecMagic)]; v != codecVersion {
		return fmt.Errorf("aggregate state encoding version %d, want %d", v, codecVersion)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, crcTable) != sum {
		return errors.New("aggregate state is corrupt (checksum mismatch)")
	}
	if binary.LittleEndian.Uint64(data[len(codecMagic)+1:]) != s.l.fingerprint {
		return errFingerprint
	}
	d := &decoder{b: body[header:]}
	if err := s.decodeState(d); err != nil {
		return err
	}
	if len(d.b) > 0 {
		d.fail("trailing bytes")
	}
	return d.err
}

// decodeState reads what AppendState wrote from d.
func (s *Set) decodeState(d *decoder) error {
	s.events = int64(d.uvarint())
	for i := range s.stats {
		s.stats[i].decode(d)
	}
	for i := range s.edges {
		s.edges[i].decode(d)
	}
	for i := range s.quants {
		if frame := d.frame(); len(frame) > 0 && d.err == nil {
			if err := s.quants[i].decode(frame); err != nil {
				return err
			}
		}
	}
	for i := range s.distincts {
		if err := s.distincts[i].decode(d); err != nil {
			return err
		}
	}
	for i := range s.tops {
		s.tops[i].decode(d)
	}
	return d.err
}

func (st *stat) appendBinary(b []byte) []byte {
	b = binary.AppendUvarint(b, uint64(st.n))
	if st.n == 0 {
		return b
	}
	switch st.kind {
	case event.Float:
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(st.fsum))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(st.flo))
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(st.fhi))
	case event.String:
		return appendString(appendString(b, st.slo), st.shi)
	case event.Null:
		return b
	}
	b = binary.AppendVarint(b, st.isum)
	b = binary.AppendVarint(b, st.lo)
	return binary.AppendVarint(b, st.hi)
}

func (st *stat) decode(d *decoder) {
	st.n = int64(d.uvarint())
	if st.n == 0 {
		return
	}
	switch st.kind {
	case event.Float:
		st.fsum = math.Float64frombits(d.u64())
		st.flo = math.Float64frombits(d.u64())
		st.fhi = math.Float64frombits(d.u64())
	case event.String:
		st.slo, st.shi = d.str(), d.str()
	case event.Null:
	default:
		st.isum, st.lo, st.hi = d.varint(), d.varint(), d.varint()
	}
}

func (ds *distinct) appendBinary(b []byte) ([]byte, error) {
	if !ds.dense {
		b = append(b, 0)
		b = binary.AppendUvarint(b, uint64(ds.n))
		for _, h := range ds.hashes {
			if h != 0 {
				b = binary.LittleEndian.AppendUint64(b, h)
			}
		}
		return b, nil
	}
	b = append(b, 1)
	at := len(b)
	b = append(b, 0, 0, 0, 0)
	b, err := ds.sk.AppendBinary(b)
	if err != nil {
		return b, fmt.Errorf("cannot encode count_distinct state: %w", err)
	}
	binary.LittleEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	return b, nil
}

func (ds *distinct) decode(d *decoder) error {
	switch d.u8() {
	case 0:
		n := d.uvarint()
		if n > ExactDistinct || n*8 > uint64(len(d.b)) {
			d.fail("bad count_distinct set")
			return nil
		}
		for i := uint64(0); i < n; i++ {
			ds.insert(d.u64())
		}
		if uint64(ds.n) != n {
			d.fail("duplicate count_distinct hashes")
		}
	case 1:
		frame := d.frame()
		if d.err != nil {
			return nil
		}
		// Sketches of another precision, or sparse ones, would not merge
		// with this layout's: the library accepts them, so check here.
		if len(frame) < 4 || frame[1] != DistinctPrecision || frame[3] != 0 {
			d.fail("count_distinct sketch of another precision or form")
			return nil
		}
		ds.toDense()
		if err := ds.sk.UnmarshalBinary(frame); err != nil {
			return fmt.Errorf("cannot decode count_distinct state: %w", err)
		}
	default:
		d.fail("bad count_distinct mode")
	}
	return nil
}

// decode merges a DDSketch encoding into q's (empty) sketch. The library
// panics on some malformed encodings (a bin index beyond its store's
// range): that is reported as an error like any other, and the sketch,
// whose state is then unknown, is dropped.
func (q *quant) decode(frame []byte) (err error) {
	if q.sk == nil {
		q.sk = newQuantileSketch()
	}
	defer func() {
		if r := recover(); r != nil {
			q.sk = nil
			err = fmt.Errorf("cannot decode percentile state: malformed sketch (%v)", r)
		}
	}()
	if err := q.sk.DecodeAndMergeWith(frame); err != nil {
		return fmt.Errorf("cannot decode percentile state: %w", err)
	}
	return nil
}

func (ed *edge) appendBinary(b []byte) []byte {
	if !ed.has {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.AppendVarint(b, ed.ft)
	b = appendValue(b, ed.fv)
	b = binary.AppendVarint(b, ed.lt)
	return appendValue(b, ed.lv)
}

func (ed *edge) decode(d *decoder) {
	switch d.u8() {
	case 0:
	case 1:
		ed.has = true
		ed.ft, ed.fv = d.varint(), d.value()
		ed.lt, ed.lv = d.varint(), d.value()
	default:
		d.fail("bad first/last flag")
	}
}

func (t *topK) decode(d *decoder) {
	t.n = int64(d.uvarint())
	n := d.uvarint()
	if n > uint64(t.capacity) {
		d.fail("too many top_k counters")
		return
	}
	cs := t.scratch[:0]
	for i := 0; i < int(n) && d.err == nil; i++ {
		v := d.value()
		if v.Kind != t.kind {
			d.fail("top_k value of the wrong kind")
		}
		cs = append(cs, counter{v: v, count: int64(d.uvarint()), err: int64(d.uvarint())})
	}
	if d.err != nil {
		return
	}
	t.load(cs)
	clear(cs)
	t.scratch = cs[:0]
	if len(t.strIdx)+len(t.numIdx) != len(t.counters) {
		d.fail("duplicate top_k values")
	}
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// AppendValue appends the encoding of v to b: its kind byte followed by
// nothing (null), a varint (bool, int, time), 8 bytes (float) or a
// length-prefixed string. It is the value encoding of a Set's state, shared
// by the operators that checkpoint event values beside their Sets.
func AppendValue(b []byte, v event.Value) []byte { return appendValue(b, v) }

// ReadValue decodes a value AppendValue encoded at the start of src and
// returns it with the rest of src. The value's string is a copy: it does not
// retain src. Truncated or malformed input is an error.
func ReadValue(src []byte) (event.Value, []byte, error) {
	d := decoder{b: src}
	v := d.value()
	if d.err != nil {
		return event.Value{}, nil, d.err
	}
	return v, d.b, nil
}

func appendValue(b []byte, v event.Value) []byte {
	b = append(b, byte(v.Kind))
	switch v.Kind {
	case event.Null:
		return b
	case event.Float:
		return binary.LittleEndian.AppendUint64(b, v.N)
	case event.String:
		return appendString(b, v.S)
	}
	return binary.AppendVarint(b, int64(v.N))
}

// decoder reads an encoding; the first problem sticks in err and makes
// every later read return zero values.
type decoder struct {
	b   []byte
	err error
	// subject names what is decoded in errors ("" : aggregate state).
	subject string
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		subject := d.subject
		if subject == "" {
			subject = "aggregate state"
		}
		d.err = fmt.Errorf("malformed %s: %s", subject, what)
	}
	d.b = nil
}

// Reader reads an encoding made of this package's values (AppendValue) and
// encoding/binary's varints and little-endian words, for other packages'
// state encodings. The first problem sticks: Err reports it, naming the
// subject, and every later read returns a zero value. A Reader is not safe
// for concurrent use.
type Reader struct{ d decoder }

// NewReader reads b; subject names it in errors ("in-flight events").
func NewReader(b []byte, subject string) *Reader {
	return &Reader{d: decoder{b: b, subject: subject}}
}

// Uvarint reads an unsigned varint.
func (r *Reader) Uvarint() uint64 { return r.d.uvarint() }

// Varint reads a signed varint.
func (r *Reader) Varint() int64 { return r.d.varint() }

// U64 reads a little-endian 64-bit word.
func (r *Reader) U64() uint64 { return r.d.u64() }

// Str reads a length-prefixed string (a copy: it does not retain b).
func (r *Reader) Str() string { return r.d.str() }

// Bytes reads a length-prefixed string (a uvarint length, then the
// bytes) as a slice of b, without copying: valid as long as b is.
func (r *Reader) Bytes() []byte {
	n := r.d.uvarint()
	if n > uint64(len(r.d.b)) {
		r.d.fail("truncated string")
		return nil
	}
	s := r.d.b[:n:n]
	r.d.b = r.d.b[n:]
	return s
}

// Value reads a value AppendValue wrote.
func (r *Reader) Value() event.Value { return r.d.value() }

// Count reads a count of items that take at least one byte each, checked
// against the bytes left before anything is allocated for it.
func (r *Reader) Count() int {
	v := r.d.uvarint()
	if v > uint64(len(r.d.b)) {
		r.d.fail("count beyond the data")
		return 0
	}
	return int(v)
}

// Fail records a problem the caller found (what it read is out of range).
func (r *Reader) Fail(what string) { r.d.fail(what) }

// Err reports the first problem, or bytes left over once the caller says
// it has read everything (end true).
func (r *Reader) Err(end bool) error {
	if end && r.d.err == nil && len(r.d.b) > 0 {
		r.d.fail(fmt.Sprintf("%d trailing bytes", len(r.d.b)))
	}
	return r.d.err
}

func (d *decoder) u8() byte {
	if len(d.b) < 1 {
		d.fail("truncated")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *decoder) varint() int64 {
	x, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *decoder) u64() uint64 {
	if len(d.b) < 8 {
		d.fail("truncated")
		return 0
	}
	x := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return x
}

// frame returns the next length-prefixed (4 bytes) frame.
func (d *decoder) frame() []byte {
	if len(d.b) < 4 {
		d.fail("truncated")
		return nil
	}
	n := binary.LittleEndian.Uint32(d.b)
	if uint64(n) > uint64(len(d.b)-4) {
		d.fail("truncated sketch")
		return nil
	}
	f := d.b[4 : 4+n]
	d.b = d.b[4+n:]
	return f
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail("truncated string")
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) value() event.Value {
	k := event.Kind(d.u8())
	switch k {
	case event.Null:
		return event.Value{}
	case event.Float:
		return event.Value{Kind: k, N: d.u64()}
	case event.String:
		return event.StringValue(d.str())
	case event.Bool, event.Int, event.Time:
		return event.Value{Kind: k, N: uint64(d.varint())}
	}
	d.fail("bad value kind")
	return event.Value{}
}
