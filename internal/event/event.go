package event

// Event is one typed record. The zero Event is empty and valid.
//
// Events travel through rings by value: a ring slot owns its Fields backing
// array and CopyFrom reuses it, so steady-state traffic does not allocate.
// An Event obtained from a ring or an operator's output is only valid until
// the batch it belongs to is released; keep a copy (Clone) to hold on to it.
type Event struct {
	// Schema is the id of the event's schema in the registry.
	Schema uint32
	// Time is the event time in unix nanoseconds (0 when the source has none).
	Time int64
	// Created is the wall-clock time in unix nanoseconds at which the source
	// created the event; sinks use it to measure end-to-end latency.
	Created int64
	// Seq is the sequence number the event was given on the edge it last
	// crossed. Under a drop policy, a consumer sees dropped events as gaps.
	Seq uint64
	// Key is the partition key hash set by key_by (0 when unkeyed).
	Key uint64
	// Fields holds one Value per schema slot. It may be shorter than the
	// schema (trailing fields missing) but never longer.
	Fields []Value
}

// CopyFrom makes e a copy of src, reusing e's Fields backing array when it is
// large enough. It allocates only when e.Fields is too small.
func (e *Event) CopyFrom(src *Event) {
	f, sf := e.Fields, src.Fields
	n := len(sf)
	if cap(f) < n {
		f = make([]Value, n)
	}
	// An element loop beats append's typedslicecopy for the few fields an
	// event has.
	f = f[:n]
	for i := range f {
		f[i] = sf[i]
	}
	// The header field by field: Fields keeps its array, so only its
	// length changes (no pointer is written when the array is reused).
	e.Schema, e.Time, e.Created, e.Seq, e.Key = src.Schema, src.Time, src.Created, src.Seq, src.Key
	if cap(e.Fields) < n {
		e.Fields = f
	} else {
		e.Fields = e.Fields[:n]
	}
}

// Clone returns a deep copy of e that shares nothing with it.
func (e *Event) Clone() Event {
	c := *e
	c.Fields = append([]Value(nil), e.Fields...)
	return c
}

// Get returns the value in slot i, or a Null value if the event is shorter.
func (e *Event) Get(slot int) Value {
	if slot < len(e.Fields) {
		return e.Fields[slot]
	}
	return Value{}
}

// Set stores v in slot i, growing Fields with nulls if needed.
func (e *Event) Set(slot int, v Value) {
	for len(e.Fields) <= slot {
		e.Fields = append(e.Fields, Value{})
	}
	e.Fields[slot] = v
}

// Reset empties e but keeps its Fields capacity for reuse.
func (e *Event) Reset() {
	// Field by field: Fields keeps its array pointer, so no pointer is
	// written.
	e.Schema, e.Time, e.Created, e.Seq, e.Key = 0, 0, 0, 0, 0
	e.Fields = e.Fields[:0]
}
