package ops

import "github.com/greenwave/greenwave/internal/event"

// rowStore keeps copies of one join input's events as fixed-width rows (the
// input schema's slots) in one slab, with per-row metadata beside them.
// Released rows are reused, so storing an event allocates only while the
// slab grows to its high-water mark. A released row's values are cleared so
// that the slab keeps no strings alive. The zero rowStore has width 0; set
// width before the first add. Not safe for concurrent use.
type rowStore struct {
	width int
	vals  []event.Value
	meta  []rowMeta
	free  []int32
}

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
