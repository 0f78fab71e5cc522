package agg

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/greenwave/greenwave/internal/event"
)

// counter is one Space-Saving counter: a value, an upper bound of its
// count, and by how much that bound may exceed the true count.
type counter struct {
	v     event.Value
	count int64
	err   int64
}

// topK is the Space-Saving summary of one field (Metwally et al., 2005),
// shared by every top_k of it: at most capacity counters in a min-heap by
// count, with an index from value to heap position. While the field has at
// most capacity distinct values every count is exact. Past that, a new
// value takes over the smallest counter, inheriting its count as error, so
// every count overestimates by at most n/capacity, and any value seen more
// than n/capacity times holds a counter.
type topK struct {
	field
	capacity int
	n        int64 // values counted
	heap     []counter
	index    map[event.Value]int32
	// scratch is reused by merge and result.
	scratch []counter
	buf     []byte
}

func (t *topK) add(v event.Value) {
	if v = prep(v, t.kind); v.Kind == event.Null {
		return
	}
	t.n++
	if t.index == nil {
		t.index = make(map[event.Value]int32, min(t.capacity, 16))
	}
	if i, ok := t.index[v]; ok {
		t.heap[i].count++
		t.down(int(i))
		return
	}
	if len(t.heap) < t.capacity {
		t.heap = append(t.heap, counter{v: v, count: 1})
		t.index[v] = int32(len(t.heap) - 1)
		t.up(len(t.heap) - 1)
		return
	}
	// Full: the new value takes over the smallest counter.
	m := &t.heap[0]
	delete(t.index, m.v)
	*m = counter{v: v, count: m.count + 1, err: m.count}
	t.index[v] = 0
	t.down(0)
}

// floor is the count any value without a counter may have had at most:
// the smallest count once the summary is full, 0 before.
func (t *topK) floor() int64 {
	if len(t.heap) < t.capacity {
		return 0
	}
	return t.heap[0].count
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
	for _, c := range t.heap {
		if j, ok := o.index[c.v]; ok {
			c.count += o.heap[j].count
			c.err += o.heap[j].err
		} else {
			c.count += of
			c.err += of
		}
		all = append(all, c)
	}
	for _, c := range o.heap {
		if _, ok := t.index[c.v]; !ok {
			c.count += tf
			c.err += tf
			all = append(all, c)
		}
	}
	slices.SortFunc(all, byCountDesc)
	if len(all) > t.capacity {
		clear(all[t.capacity:])
		all = all[:t.capacity]
	}
	t.n += o.n
	t.heap = append(t.heap[:0], all...)
	clear(all)
	t.scratch = all[:0]
	// A list sorted by descending count, reversed, is a valid min-heap.
	slices.Reverse(t.heap)
	if t.index == nil {
		t.index = make(map[event.Value]int32, len(t.heap))
	}
	clear(t.index)
	for i := range t.heap {
		t.index[t.heap[i].v] = int32(i)
	}
}

func (t *topK) reset() {
	t.n = 0
	clear(t.heap)
	t.heap = t.heap[:0]
	clear(t.index)
}

// result formats the k most frequent values as "value:count,...", in
// descending count and then ascending value; null when nothing was added.
// It allocates the string.
func (t *topK) result(k int) event.Value {
	if len(t.heap) == 0 {
		return event.Value{}
	}
	all := append(t.scratch[:0], t.heap...)
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

// up and down restore the heap order after t.heap[i] got smaller or
// larger, keeping the index in step.
func (t *topK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if t.heap[p].count <= t.heap[i].count {
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
		if r := c + 1; r < n && t.heap[r].count < t.heap[c].count {
			c = r
		}
		if t.heap[i].count <= t.heap[c].count {
			return
		}
		t.swap(i, c)
		i = c
	}
}

func (t *topK) swap(i, j int) {
	t.heap[i], t.heap[j] = t.heap[j], t.heap[i]
	t.index[t.heap[i].v] = int32(i)
	t.index[t.heap[j].v] = int32(j)
}
