package ops

import (
	"unsafe"

	"github.com/greenwave/greenwave/internal/event"
)

// rowStore keeps copies of one join input's events as fixed-width rows (the
// input schema's slots) in one slab, with per-row metadata beside them.
// Released rows are reused, so storing an event allocates only while the
// slab grows to its high-water mark. A released row's values are cleared so
// that the slab keeps no strings alive. The zero rowStore has width 0;
// call sizeRows (or set width) before the first add. Not safe for
// concurrent use.
type rowStore struct {
	width int
	vals  []event.Value
	meta  []rowMeta
	free  []int32
	// base is the bytes estimate of a row besides its strings (see
	// sizeRows); strSlots are the slots that may hold strings.
	base     int64
	strSlots []int
}

// sizeRows sets the store's bytes estimate for rows of schema s: a row's
// values and metadata plus extra (what the join keeps per row elsewhere),
// and the slots whose strings count too. It also sets width.
func (s *rowStore) sizeRows(in *event.Schema, extra int64) {
	s.width = in.Width()
	s.base = int64(s.width)*valueBytes + int64(unsafe.Sizeof(rowMeta{})) + 4 + extra
	s.strSlots = s.strSlots[:0]
	for i, f := range in.Fields {
		if f.Kind == event.String {
			s.strSlots = append(s.strSlots, i)
		}
	}
}

// bytesOf is the bytes estimate of a row holding f's values.
func (s *rowStore) bytesOf(f []event.Value) int64 {
	b := s.base
	for _, i := range s.strSlots {
		if i < len(f) {
			b += stringBytes(f[i])
		}
	}
	return b
}

// rowBytes is the bytes estimate of row id.
func (s *rowStore) rowBytes(id int32) int64 { return s.bytesOf(s.fields(id)) }

// rowMeta is what a join keeps about a stored row besides its values. The
// modes use the link fields as they need: interval joins chain the rows of
// one key and side through prev/next and note the key in owner; table
// joins chain rows of equal hashes through next.
type rowMeta struct {
	time, created int64
	hash          uint64
	until         int64 // interval, left rows: the last right time it matches
	refs          int32 // window: how many panes hold the row
	prev, next    int32
	owner         int32
}

// add stores a copy of e's first width values (nulls where e is shorter)
// and returns the row's id.
func (s *rowStore) add(e *event.Event, hash uint64) int32 {
	var id int32
	if n := len(s.free); n > 0 {
		id = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		id = int32(len(s.meta))
		s.meta = append(s.meta, rowMeta{})
		s.vals = append(s.vals, make([]event.Value, s.width)...)
	}
	s.set(id, e, hash)
	return id
}

// set overwrites row id with a copy of e, keeping its links.
func (s *rowStore) set(id int32, e *event.Event, hash uint64) {
	f := s.fields(id)
	n := copy(f, e.Fields)
	clear(f[n:])
	m := &s.meta[id]
	m.time, m.created, m.hash = e.Time, e.Created, hash
}

// fields returns the values of row id; the slice is valid until the next add.
func (s *rowStore) fields(id int32) []event.Value {
	i := int(id) * s.width
	return s.vals[i : i+s.width : i+s.width]
}

// release frees row id for reuse.
func (s *rowStore) release(id int32) {
	clear(s.fields(id))
	s.meta[id] = rowMeta{}
	s.free = append(s.free, id)
}

// live is the number of rows held.
func (s *rowStore) live() int { return len(s.meta) - len(s.free) }
