package ops

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/greenwave/greenwave/internal/agg"
	"github.com/greenwave/greenwave/internal/event"
)

// The pieces of an operator's state body. Integers are varints (zig-zag for
// signed ones), values use agg's value encoding, aggregate sets their
// state encoding (which delimits itself). Encoding appends to a caller's buffer and does not
// allocate beyond growing it.

func appendVarint(b []byte, v int64) []byte   { return binary.AppendVarint(b, v) }
func appendUvarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// appendValues appends vs, without their count (the reader knows it).
func appendValues(b []byte, vs []event.Value) []byte {
	for _, v := range vs {
		b = agg.AppendValue(b, v)
	}
	return b
}

// appendEvent appends an event's times, partition key and fields (not its
// schema id or edge sequence number, which mean nothing in another run).
func appendEvent(b []byte, e *event.Event) []byte {
	b = appendVarint(b, e.Time)
	b = appendVarint(b, e.Created)
	b = binary.LittleEndian.AppendUint64(b, e.Key)
	b = appendUvarint(b, uint64(len(e.Fields)))
	return appendValues(b, e.Fields)
}

// appendSet appends the state of s (agg.Set.AppendState: the layout is
// checked once, by the blob's description, and the blob's checksum covers
// it).
func appendSet(b []byte, s *agg.Set) ([]byte, error) { return s.AppendState(b) }

// stateDecoder reads a state body. The first problem sticks in err (wrapping
// ErrStateCorrupt) and makes every later read return zero values, so a
// decoder may read on and check err once; lengths are checked against the
// bytes left before anything is allocated for them.
type stateDecoder struct {
	b   []byte
	err error
}

func (d *stateDecoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrStateCorrupt, fmt.Sprintf(format, args...))
	}
	d.b = nil
}

// end reports an error when bytes are left over or a read failed.
func (d *stateDecoder) end() error {
	if d.err == nil && len(d.b) > 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	return d.err
}

func (d *stateDecoder) u8() byte {
	if len(d.b) < 1 {
		d.fail("truncated")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *stateDecoder) bool() bool {
	switch d.u8() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("bad flag")
	return false
}

func (d *stateDecoder) uvarint() uint64 {
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *stateDecoder) varint() int64 {
	x, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *stateDecoder) u64() uint64 {
	if len(d.b) < 8 {
		d.fail("truncated")
		return 0
	}
	x := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return x
}

// count reads a number of items that take at least each bytes apiece, and
// fails when the bytes left cannot hold them.
func (d *stateDecoder) count(each int) int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)/max(each, 1)) {
		d.fail("%d items do not fit in the %d bytes left", n, len(d.b))
		return 0
	}
	return int(n)
}

// index reads an index below n.
func (d *stateDecoder) index(n int, what string) int32 {
	i := d.uvarint()
	if d.err == nil && (i >= uint64(n) || i > math.MaxInt32) {
		d.fail("%s %d out of range (%d)", what, i, n)
		return 0
	}
	return int32(i)
}

func (d *stateDecoder) value() event.Value {
	if d.err != nil {
		return event.Value{}
	}
	v, rest, err := agg.ReadValue(d.b)
	if err != nil {
		d.fail("%v", err)
		return event.Value{}
	}
	d.b = rest
	return v
}

// values reads n values into a new slice.
func (d *stateDecoder) values(n int) []event.Value {
	if d.err != nil || n > len(d.b) {
		d.fail("truncated")
		return make([]event.Value, n)
	}
	vs := make([]event.Value, n)
	for i := range vs {
		vs[i] = d.value()
	}
	return vs
}

// event reads what appendEvent wrote into e, reusing e's Fields array.
func (d *stateDecoder) event(e *event.Event) {
	e.Time, e.Created, e.Key = d.varint(), d.varint(), d.u64()
	n := d.count(1)
	e.Fields = e.Fields[:0]
	for range n {
		e.Fields = append(e.Fields, d.value())
	}
}

// set decodes the state of an aggregate set into s.
func (d *stateDecoder) set(s *agg.Set) {
	if d.err != nil {
		return
	}
	rest, err := s.DecodeState(d.b)
	if err != nil {
		d.fail("%v", err)
		return
	}
	d.b = rest
}
