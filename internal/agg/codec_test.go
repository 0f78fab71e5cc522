package agg

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/axiomhq/hyperloglog"

	"github.com/greenwave/greenwave/internal/event"
)

// TestMarshalRoundTrip: a decoded Set gives the same results as the one
// encoded, and keeps behaving the same as more events arrive, also when
// decoded by a layout built apart from the same aggregates.
func TestMarshalRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{0, 1, 500, 12_000} { // 12k: dense count_distinct sketches
		src := mustLayout(t, allFunctions...).New()
		src.AddBatch(randomEvents(rng, n))
		data, err := src.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		dst := mustLayout(t, allFunctions...).New()
		dst.AddBatch(randomEvents(rng, 50)) // replaced by the decoded state
		if err := dst.UnmarshalBinary(data); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		for i := range dst.tops {
			checkTopK(t, &dst.tops[i])
		}
		if dst.Count() != src.Count() {
			t.Errorf("n=%d: count %d, want %d", n, dst.Count(), src.Count())
		}
		more := randomEvents(rng, 300)
		for step := 0; step < 2; step++ {
			want, got := results(src), results(dst)
			for i := range want {
				if !same(got[i], want[i], 0) {
					t.Errorf("n=%d step %d: %s: decoded %s, encoded %s", n, step, allFunctions[i], show(got[i]), show(want[i]))
				}
			}
			src.AddBatch(more)
			dst.AddBatch(more)
		}
		// The encoding appends to a buffer and is self-delimiting only by
		// length: AppendBinary keeps the prefix.
		buf, err := src.AppendBinary([]byte("prefix"))
		if err != nil || !strings.HasPrefix(string(buf), "prefix") {
			t.Errorf("AppendBinary lost the prefix (%v)", err)
		}
	}
}

// TestUnmarshalErrors: foreign, corrupt, truncated and mismatched data is
// refused with an error and leaves the Set empty.
func TestUnmarshalErrors(t *testing.T) {
	l := mustLayout(t, allFunctions...)
	src := l.New()
	src.AddBatch(randomEvents(rand.New(rand.NewPCG(17, 18)), 400))
	good, err := src.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	other, err := mustLayout(t, "count()").New().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 0x40
	badVersion := append([]byte(nil), good...)
	badVersion[3] = 99
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not an aggregate state encoding"},
		{"foreign", []byte("hello, world"), "not an aggregate state encoding"},
		{"version", badVersion, "aggregate state encoding version 99, want 1"},
		{"corrupt", flipped, "aggregate state is corrupt (checksum mismatch)"},
		{"truncated", good[:len(good)-9], "aggregate state is corrupt (checksum mismatch)"},
		{"other layout", other, errFingerprint.Error()},
	}
	for _, c := range cases {
		s := l.New()
		s.AddBatch(randomEvents(rand.New(rand.NewPCG(19, 20)), 10))
		err := s.UnmarshalBinary(c.data)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
		if s.Count() != 0 || !results(s)[4].IsNull() {
			t.Errorf("%s: the Set is not empty after a failed decode", c.name)
		}
	}
	if err := l.New().UnmarshalBinary(other); !errors.Is(err, errFingerprint) {
		t.Errorf("error %v does not wrap errFingerprint", err)
	}
}

// TestDecoderRejectsBadBodies: a body with a valid checksum but malformed
// content is reported, not trusted.
func TestDecoderRejectsBadBodies(t *testing.T) {
	l := mustLayout(t, "top_k(cdn, 1)")
	s := l.New()
	d := &decoder{b: []byte{5, 200, 1}} // n=5, then 200 counters > capacity
	s.tops[0].decode(d)
	if d.err == nil || !strings.Contains(d.err.Error(), "too many top_k counters") {
		t.Errorf("error %v, want too many counters", d.err)
	}
	d = &decoder{b: []byte{0x80}}
	if d.uvarint(); d.err == nil {
		t.Error("truncated varint accepted")
	}
	d = &decoder{b: []byte{9}}
	if d.value(); d.err == nil {
		t.Error("bad value kind accepted")
	}
}

// TestValueCodec: AppendValue and ReadValue round-trip every kind, one
// value after another, and refuse truncated or unknown encodings.
func TestValueCodec(t *testing.T) {
	vals := []event.Value{{}, event.BoolValue(true), event.BoolValue(false), event.IntValue(-5), event.IntValue(math.MaxInt64),
		event.FloatValue(-0.25), event.FloatValue(math.Inf(1)), event.StringValue(""), event.StringValue("héllo"),
		event.TimeValue(1_700_000_000_000_000_000)}
	var b []byte
	for _, v := range vals {
		b = AppendValue(b, v)
	}
	rest := b
	for i, want := range vals {
		got, r, err := ReadValue(rest)
		if err != nil || got != want {
			t.Fatalf("value %d: %v (%v), want %v", i, got, err, want)
		}
		rest = r
	}
	if len(rest) != 0 {
		t.Fatalf("%d bytes left", len(rest))
	}
	for _, bad := range [][]byte{nil, {byte(event.Int)}, {byte(event.Float), 1, 2}, {byte(event.String), 5, 'a'}, {42}} {
		if _, _, err := ReadValue(bad); err == nil {
			t.Errorf("%x: no error", bad)
		}
	}
}

// TestFingerprint: layouts of the same state shape share a fingerprint
// (whatever their names and arithmetic), others do not.
func TestFingerprint(t *testing.T) {
	a := mustLayout(t, "sum(bitrate_kbps)", "percentile(startup_ms, 0.5)")
	b := mustLayout(t, "avg(bitrate_kbps)", "percentile(startup_ms, 0.9) * 2")
	c := mustLayout(t, "sum(buffering_ms)", "percentile(startup_ms, 0.5)")
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("layouts of one state shape have different fingerprints")
	}
	if a.Fingerprint() == c.Fingerprint() {
		t.Error("layouts over different fields share a fingerprint")
	}
}

// TestStateRoundTrip: AppendState without header or checksum delimits
// itself: Sets encoded one after another decode in turn into Sets that
// give the same results, and every truncation is an error that leaves the
// Set empty.
func TestStateRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	l := mustLayout(t, allFunctions...)
	var b []byte
	var srcs []*Set
	for _, n := range []int{0, 1, 300, 3000} {
		s := l.New()
		s.AddBatch(randomEvents(rng, n))
		var err error
		if b, err = s.AppendState(b); err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, s)
	}
	rest := b
	for i, src := range srcs {
		dst := l.New()
		var err error
		if rest, err = dst.DecodeState(rest); err != nil {
			t.Fatalf("set %d: %v", i, err)
		}
		want, got := results(src), results(dst)
		for j := range want {
			if !same(got[j], want[j], 0) {
				t.Errorf("set %d: %s: decoded %s, encoded %s", i, allFunctions[j], show(got[j]), show(want[j]))
			}
		}
	}
	if len(rest) != 0 {
		t.Fatalf("%d bytes left", len(rest))
	}
	one, err := srcs[2].AppendState(nil)
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(one) {
		s := l.New()
		s.AddBatch(randomEvents(rng, 5))
		if _, err := s.DecodeState(one[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(one))
		}
		if s.Count() != 0 {
			t.Fatalf("truncated to %d: the Set is not empty after a failed decode", n)
		}
	}
}

// TestAppendStateDoesNotAllocate: encoding a Set into a buffer with room
// allocates nothing, with or without percentile sketches (a checkpoint
// encodes a million of them in a row).
func TestAppendStateDoesNotAllocate(t *testing.T) {
	for _, fns := range [][]string{
		{"count()", "sum(bitrate_kbps)", "max(startup_ms)", "first(cdn)"},
		{"count()", "percentile(bitrate_kbps, 0.9)", "count_distinct(cdn)"},
	} {
		s := mustLayout(t, fns...).New()
		s.AddBatch(randomEvents(rand.New(rand.NewPCG(23, 24)), 100))
		buf := make([]byte, 0, 64<<10)
		if n := testing.AllocsPerRun(100, func() { _, _ = s.AppendState(buf[:0]) }); n != 0 {
			t.Errorf("%v: %v allocations per AppendState", fns, n)
		}
	}
}

// TestDecodeMalformedSketch: a DDSketch encoding the library panics on (a
// bin index far beyond its store's range, found by FuzzRestore in
// internal/ops) is an error, and the sketch is dropped.
func TestDecodeMalformedSketch(t *testing.T) {
	q := &quant{}
	err := q.decode([]byte("\x050\x8a\xd7٧000"))
	if err == nil || !strings.Contains(err.Error(), "malformed sketch") {
		t.Fatalf("error %v, want a malformed sketch", err)
	}
	if q.sk != nil {
		t.Fatal("the sketch of a failed decode is kept")
	}
	q.add(event.FloatValue(3))
	if got := q.result(0.5); got.IsNull() {
		t.Fatal("the quantile does not take values after a failed decode")
	}
}

// TestDecodeForeignDistinctSketch: a HyperLogLog sketch of another
// precision or in sparse form decodes in the library but would not merge
// with this layout's sketches: it is refused.
func TestDecodeForeignDistinctSketch(t *testing.T) {
	l := mustLayout(t, "count_distinct(viewer_id)")
	for _, sk := range []*hyperloglog.Sketch{hyperloglog.New16NoSparse(), hyperloglog.New14()} {
		sk.InsertHash(42)
		frame, err := sk.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		b := binary.AppendUvarint(nil, 1)
		b = append(b, 1)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(frame)))
		b = append(b, frame...)
		s := l.New()
		if _, err := s.DecodeState(b); err == nil || !strings.Contains(err.Error(), "another precision or form") {
			t.Errorf("error %v, want another precision or form", err)
		}
	}
}

// TestReader: a Reader reads back varints, words, strings (copied, or as
// slices of its input) and values; a
// count larger than the bytes left, a truncation or bytes left over at
// the end is an error naming the subject, and reads after it give zeros.
func TestReader(t *testing.T) {
	b := binary.AppendUvarint(nil, 2)
	b = binary.AppendVarint(b, -7)
	b = binary.LittleEndian.AppendUint64(b, 42)
	b = appendString(b, "cdn")
	b = AppendValue(b, event.IntValue(5))
	r := NewReader(b, "test state")
	if c, v, w, s, x := r.Count(), r.Varint(), r.U64(), r.Str(), r.Value(); c != 2 || v != -7 || w != 42 || s != "cdn" || x != event.IntValue(5) {
		t.Fatalf("read %d %d %d %q %v", c, v, w, s, x)
	}
	if err := r.Err(true); err != nil {
		t.Fatal(err)
	}
	r = NewReader(append(b, 0), "test state")
	r.Count()
	if err := r.Err(true); err == nil || !strings.Contains(err.Error(), "malformed test state") {
		t.Fatalf("trailing bytes: %v", err)
	}
	r = NewReader(binary.AppendUvarint(nil, 1000), "test state")
	if n := r.Count(); n != 0 || r.Err(false) == nil || r.U64() != 0 {
		t.Fatalf("a count beyond the data: %d, %v", n, r.Err(false))
	}
	// Bytes reads a string as a slice of the input; a length past the
	// end is an error.
	b = appendString(appendString(nil, "row"), "")
	r = NewReader(b, "test state")
	if s, e := r.Bytes(), r.Bytes(); string(s) != "row" || len(e) != 0 || &s[0] != &b[1] || r.Err(true) != nil {
		t.Fatalf("read %q %q, %v", s, e, r.Err(true))
	}
	r = NewReader(appendString(nil, "row")[:3], "test state")
	if s := r.Bytes(); s != nil || r.Err(false) == nil || !strings.Contains(r.Err(false).Error(), "truncated") {
		t.Fatalf("a truncated string: %q, %v", s, r.Err(false))
	}
}
