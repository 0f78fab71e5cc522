package ops

import (
	"cmp"
	"slices"
	"strings"

	"github.com/greenwave/greenwave/internal/event"
)

// countTable holds count's groups. A group is found by the hash of its key
// through index, which maps a hash to the newest group with that hash;
// groups sharing a hash are chained through next and told apart by their key
// values. Looking up an existing group does not allocate.
type countTable struct {
	// nk is the number of key values per group; 0 when the key is the
	// event's partition key, which is then the hash itself.
	nk     int
	index  map[uint64]int32
	groups []countGroup
	keys   []event.Value // nk per group, in group order
	dirty  []int32       // groups changed since the last interval emit
}

type countGroup struct {
	hash  uint64
	next  int32 // older group with the same hash, or -1
	count int64
	// time and created are those of the last event counted.
	time, created int64
	dirty         bool
}

func newCountTable(nk int) countTable {
	return countTable{nk: nk, index: map[uint64]int32{}}
}

// find returns the group of e's key (the values in slots, whose hash is h),
// adding it when new.
func (t *countTable) find(h uint64, e *event.Event, slots []int) int32 {
	head, ok := t.index[h]
	if ok {
		for g := head; g >= 0; g = t.groups[g].next {
			if t.matches(g, e, slots) {
				return g
			}
		}
	} else {
		head = -1
	}
	g := int32(len(t.groups))
	t.groups = append(t.groups, countGroup{hash: h, next: head})
	for _, s := range slots {
		v := e.Get(s)
		// A copy of its own: a short key sliced out of a long line would
		// otherwise keep the whole line alive as long as the group.
		v.S = strings.Clone(v.S)
		t.keys = append(t.keys, v)
	}
	t.index[h] = g
	return g
}

func (t *countTable) matches(g int32, e *event.Event, slots []int) bool {
	ks := t.key(g)
	for j, s := range slots {
		if ks[j] != e.Get(s) {
			return false
		}
	}
	return true
}

// key returns the key values of group g.
func (t *countTable) key(g int32) []event.Value {
	i := int(g) * t.nk
	return t.keys[i : i+t.nk]
}

// mark records that group g changed since the last interval emit.
func (t *countTable) mark(g int32) {
	if !t.groups[g].dirty {
		t.groups[g].dirty = true
		t.dirty = append(t.dirty, g)
	}
}

// sort orders groups by their key values (by the key as a signed int when
// the key is the partition key).
func (t *countTable) sort(groups []int32) {
	slices.SortFunc(groups, func(a, b int32) int {
		if t.nk == 0 {
			return cmp.Compare(int64(t.groups[a].hash), int64(t.groups[b].hash))
		}
		ka, kb := t.key(a), t.key(b)
		for j := range ka {
			if c := compareValues(ka[j], kb[j]); c != 0 {
				return c
			}
		}
		return 0
	})
}

// compareValues orders values by kind (null first), then by value.
func compareValues(a, b event.Value) int {
	if a.Kind != b.Kind {
		return cmp.Compare(a.Kind, b.Kind)
	}
	switch a.Kind {
	case event.Float:
		return cmp.Compare(a.Float(), b.Float())
	case event.String:
		return strings.Compare(a.S, b.S)
	}
	return cmp.Compare(int64(a.N), int64(b.N))
}
