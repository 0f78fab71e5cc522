package agg

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/greenwave/greenwave/internal/event"
)

// counter is one Space-Saving counter: a value, an upper bound of its
// count, by how much that bound may exceed the true count, and the
// counter's position in the heap.
type counter struct {
	v     event.Value
	count int64
	err   int64
	pos   int32
}

// topK is the Space-Saving summary of one field (Metwally et al., 2005),
// shared by every top_k of it: at most capacity counters, a min-heap of
// them by count, and an index from value to counter. While the field has
// at most capacity distinct values every count is exact. Past that, a new
// value takes over the smallest counter, inheriting its count as error, so
// every count overestimates by at most n/capacity, and any value seen more
// than n/capacity times holds a counter.
//
// Counters stay where they are; the heap orders their indices, and each
// counter knows its heap position, so reordering touches no map. The index
// is keyed by the string of a string field and by the payload bits of any
// other kind, which hashes faster than a whole event.Value.
type topK struct {
	field
	capacity int
	n        int64 // values counted
	counters []counter
	heap     []int32
	strIdx   map[string]int32
	numIdx   map[uint64]int32
	// scratch and buf are reused by merge and result.
	scratch []counter
	buf     []byte
}

// lookup returns the counter holding v.
func (t *topK) lookup(v event.Value) (int32, bool) {
	if t.kind == event.String {
		i, ok := t.strIdx[v.S]
		return i, ok
	}
	i, ok := t.numIdx[v.N]
	return i, ok
}

func (t *topK) setIndex(v event.Value, i int32) {
	if t.kind == event.String {
		if t.strIdx == nil {
			t.strIdx = make(map[string]int32, min(t.capacity, 16))
		}
		t.strIdx[v.S] = i
		return
	}
	if t.numIdx == nil {
		t.numIdx = make(map[uint64]int32, min(t.capacity, 16))
	}
	t.numIdx[v.N] = i
}

func (t *topK) unindex(v event.Value) {
	if t.kind == event.String {
		delete(t.strIdx, v.S)
	} else {
		delete(t.numIdx, v.N)
	}
}

func (t *topK) add(v event.Value) {
	if v = prep(v, t.kind); v.Kind == event.Null {
		return
	}
	t.n++
	if i, ok := t.lookup(v); ok {
		c := &t.counters[i]
		c.count++
		t.down(int(c.pos))
		return
	}
	if len(t.counters) < t.capacity {
		i := int32(len(t.counters))
		t.counters = append(t.counters, counter{v: v, count: 1, pos: i})
		t.heap = append(t.heap, i)
		t.setIndex(v, i)
		t.up(int(i))
		return
	}
	// Full: the new value takes over the smallest counter.
	i := t.heap[0]
	c := &t.counters[i]
	t.unindex(c.v)
	*c = counter{v: v, count: c.count + 1, err: c.count, pos: 0}
	t.setIndex(v, i)
	t.down(0)
}

// floor is the count any value without a counter may have had at most:
// the smallest count once the summary is full, 0 before.
func (t *topK) floor() int64 {
	if len(t.counters) < t.capacity {
		return 0
	}
	return t.counters[t.heap[0]].count
}

// merge folds o in. A value tracked by only one side gets the other side's
// floor added to its count and error, which keeps counts upper bounds; the
// capacity largest are kept. The merged error stays within
// (n + o.n)/capacity, and the result is exact when both sides are.
func (t *topK) merge(o *topK) {
	if o.n == 0 {
		return
	}
	tf, of := t.floor(), o.floor()
	all := t.scratch[:0]
	for _, c := range t.counters {
		if j, ok := o.lookup(c.v); ok {
			c.count += o.counters[j].count
			c.err += o.counters[j].err
		} else {
			c.count += of
			c.err += of
		}
		all = append(all, c)
	}
	for _, c := range o.counters {
		if _, ok := t.lookup(c.v); !ok {
			c.count += tf
			c.err += tf
			all = append(all, c)
		}
	}
	slices.SortFunc(all, byCountDesc)
	if len(all) > t.capacity {
		all = all[:t.capacity]
	}
	n := t.n + o.n
	t.reset()
	t.n = n
	t.load(all)
	clear(all)
	t.scratch = all[:0]
}

// load replaces the (empty) summary's counters with cs, rebuilding the heap
// and the index.
func (t *topK) load(cs []counter) {
	t.counters = append(t.counters[:0], cs...)
	t.heap = t.heap[:0]
	for i := range t.counters {
		t.counters[i].pos = int32(i)
		t.heap = append(t.heap, int32(i))
		t.setIndex(t.counters[i].v, int32(i))
	}
	for i := len(t.heap)/2 - 1; i >= 0; i-- {
		t.down(i)
	}
}

func (t *topK) reset() {
	t.n = 0
	clear(t.counters)
	t.counters = t.counters[:0]
	t.heap = t.heap[:0]
	clear(t.strIdx)
	clear(t.numIdx)
}

// result formats the k most frequent values as "value:count,...", in
// descending count and then ascending value; null when nothing was added.
// It allocates the string.
func (t *topK) result(k int) event.Value {
	if len(t.counters) == 0 {
		return event.Value{}
	}
	all := append(t.scratch[:0], t.counters...)
	slices.SortFunc(all, byCountDesc)
	b := t.buf[:0]
	for i, c := range all[:min(k, len(all))] {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPlain(b, c.v)
		b = append(b, ':')
		b = strconv.AppendInt(b, c.count, 10)
	}
	clear(all)
	t.scratch, t.buf = all[:0], b
	return event.StringValue(string(b))
}

// byCountDesc orders counters by descending count, then ascending value.
func byCountDesc(a, b counter) int {
	if c := cmp.Compare(b.count, a.count); c != 0 {
		return c
	}
	return compareValues(a.v, b.v)
}

// compareValues orders values of one kind (and kinds among themselves).
func compareValues(a, b event.Value) int {
	if a.Kind != b.Kind {
		return cmp.Compare(a.Kind, b.Kind)
	}
	switch a.Kind {
	case event.String:
		return cmp.Compare(a.S, b.S)
	case event.Float:
		return cmp.Compare(a.Float(), b.Float())
	}
	return cmp.Compare(int64(a.N), int64(b.N))
}

// appendPlain appends v as text without JSON quoting: strings as they are,
// times in RFC 3339.
func appendPlain(dst []byte, v event.Value) []byte {
	switch v.Kind {
	case event.String:
		return append(dst, v.S...)
	case event.Time:
		return time.Unix(0, int64(v.N)).UTC().AppendFormat(dst, time.RFC3339Nano)
	}
	return v.AppendText(dst)
}

// up and down restore the heap order after the counter at heap position
// i got smaller or larger.
func (t *topK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if t.counters[t.heap[p]].count <= t.counters[t.heap[i]].count {
			return
		}
		t.swap(i, p)
		i = p
	}
}

func (t *topK) down(i int) {
	n := len(t.heap)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if r := c + 1; r < n && t.counters[t.heap[r]].count < t.counters[t.heap[c]].count {
			c = r
		}
		if t.counters[t.heap[i]].count <= t.counters[t.heap[c]].count {
			return
		}
		t.swap(i, c)
		i = c
	}
}

func (t *topK) swap(i, j int) {
	t.heap[i], t.heap[j] = t.heap[j], t.heap[i]
	t.counters[t.heap[i]].pos = int32(i)
	t.counters[t.heap[j]].pos = int32(j)
}
