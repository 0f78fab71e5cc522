package ops

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strings"

	"github.com/greenwave/greenwave/internal/event"
)

// countTable holds count's groups and finds them with an open-addressing
// hash table: a power-of-two array of slots, linear probing, grown to twice
// its size when more than 70% full. Looking up an existing group does not
// allocate; adding one allocates only when an array grows.
//
// A slot holds a tag and the group's index. How a key becomes a tag, and
// whether equal tags prove equal keys, depends on the key's shape:
//
//   - exact: the tag and the slot's kind are the key itself: the partition
//     key (nk = 0), or the payload of a one-field key holding a value that
//     is not a string. Matching tag and kind is matching keys; no key value
//     is read.
//   - hashed: the tag is a hash of the key values (one-field string keys,
//     hashed with maphash, and keys of several fields); a slot with the
//     same tag is checked against the group's stored key values.
//
// Each key always takes the same path (it depends only on nk and the kinds
// of its values), so the two kinds of slot never need to be told apart for
// one key. The group keeps the key's partition hash (chained Value.Hash,
// as key_by computes it), computed once when the group is added.
type countTable struct {
	// nk is the number of key values per group; 0 when the key is the
	// event's partition key, which is then the hash itself.
	nk     int
	slots  []tableSlot
	shift  uint8 // 64 - log2(len(slots))
	used   int   // slots holding a group
	groups []countGroup
	keys   []event.Value // nk per group, in group order
	dirty  []int32       // groups changed since the last interval emit
	// marked tells, per group, whether it is in dirty (apart from groups
	// so that a group fills half a cache line).
	marked []bool
	seed   maphash.Seed // of the hashed path's string hashes
}

// tableSlot is one slot of countTable's hash table.
type tableSlot struct {
	tag uint64
	// g is the group's index plus one; 0 marks an empty slot.
	g int32
	// kind is the kind of an exact key's value (kindPartition for the
	// partition key), or kindHashed.
	kind event.Kind
}

// Slot kinds that are not value kinds.
const (
	kindPartition event.Kind = 0xfe
	kindHashed    event.Kind = 0xff
)

const (
	initialSlots = 64
	// The table grows when used*loadDen > len(slots)*loadNum.
	loadNum, loadDen = 7, 10
)

type countGroup struct {
	hash  uint64 // the key's partition hash
	count int64
	// time and created are those of the last event counted.
	time, created int64
}

func newCountTable(nk int) countTable {
	t := countTable{nk: nk, seed: maphash.MakeSeed()}
	t.resize(initialSlots)
	return t
}

// home returns the slot where the probe sequence of tag starts (Fibonacci
// hashing: tags that differ only in their low bits, such as small ints,
// spread over the table).
func (t *countTable) home(tag uint64) uint64 { return (tag * 0x9e3779b97f4a7c15) >> t.shift }

// findPartition returns the group of partition key k, adding it when new.
func (t *countTable) findPartition(k uint64) int32 {
	mask := uint64(len(t.slots) - 1)
	for i := t.home(k); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.tag == k && s.kind == kindPartition && s.g != 0 {
			return s.g - 1
		}
		if s.g == 0 {
			return t.add(i, k, kindPartition, k, nil)
		}
	}
}

// group returns the group of e's key, adding it when new: by the partition
// key an upstream key_by set (shapePartition), by the one field in
// keySlots, or by the several fields in keySlots.
func (t *countTable) group(shape keyShape, keySlots []int, e *event.Event) int32 {
	switch shape {
	case shapePartition:
		return t.findPartition(e.Key)
	case shapeOne:
		s := keySlots[0]
		if s >= len(e.Fields) {
			return t.findOne(&missingKey)
		}
		v := &e.Fields[s]
		if v.Kind == event.String {
			return t.findString(v.S)
		}
		return t.findOne(v)
	}
	return t.find(t.tagOf(e, keySlots), e, keySlots)
}

// findOne returns the group of the one-field key v, adding it when new. v
// must not be a string (those take the hashed path).
func (t *countTable) findOne(v *event.Value) int32 {
	mask := uint64(len(t.slots) - 1)
	for i := t.home(v.N); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.tag == v.N && s.kind == v.Kind && s.g != 0 {
			return s.g - 1
		}
		if s.g == 0 {
			return t.add(i, v.N, v.Kind, v.Hash(0), v)
		}
	}
}

// findString returns the group of the one-field key holding string s,
// adding it when new. Such a key takes the hashed path with maphash's hash
// of s as its tag; no other key of a one-field table does.
func (t *countTable) findString(s string) int32 {
	h := maphash.String(t.seed, s)
	mask := uint64(len(t.slots) - 1)
	for i := t.home(h); ; i = (i + 1) & mask {
		sl := &t.slots[i]
		if sl.g == 0 {
			v := event.StringValue(s)
			return t.add(i, h, kindHashed, v.Hash(0), &v)
		}
		if sl.tag == h && sl.kind == kindHashed && t.keys[sl.g-1].S == s {
			return sl.g - 1
		}
	}
}

// find returns the group of e's key (the values in slots), adding it when
// new. h is the key's tag: any hash of the key values that equal keys share
// (tagOf's, or the partition hash); the values tell apart keys with the same
// tag.
func (t *countTable) find(h uint64, e *event.Event, slots []int) int32 {
	mask := uint64(len(t.slots) - 1)
	for i := t.home(h); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.g == 0 {
			return t.addEvent(i, h, e, slots)
		}
		if s.tag == h && s.kind == kindHashed && t.matches(s.g-1, e, slots) {
			return s.g - 1
		}
	}
}

// tagOf returns the hashed path's tag of e's key: cheaper than the
// partition hash for strings (maphash rather than FNV byte by byte).
func (t *countTable) tagOf(e *event.Event, slots []int) uint64 {
	var h uint64
	for _, s := range slots {
		v := e.Get(s)
		x := v.N
		if v.Kind == event.String {
			x = maphash.String(t.seed, v.S)
		}
		h = (h ^ x ^ uint64(v.Kind)<<56) * 0x9e3779b97f4a7c15
		h ^= h >> 29
	}
	return h
}

// addEvent adds the group of e's key in free slot i, with tag h.
func (t *countTable) addEvent(i uint64, h uint64, e *event.Event, slots []int) int32 {
	g := t.add(i, h, kindHashed, hashKey(e, slots), nil)
	for _, s := range slots {
		t.keys = append(t.keys, t.own(e.Get(s)))
	}
	return g
}

// add adds a group in free slot i; key is its key value for a one-field
// exact key (the caller appends the key values otherwise).
func (t *countTable) add(i, tag uint64, kind event.Kind, hash uint64, key *event.Value) int32 {
	g := int32(len(t.groups))
	t.groups = append(t.groups, countGroup{hash: hash})
	if key != nil {
		t.keys = append(t.keys, t.own(*key))
	}
	t.slots[i] = tableSlot{tag: tag, g: g + 1, kind: kind}
	t.used++
	if t.used*loadDen > len(t.slots)*loadNum {
		t.resize(2 * len(t.slots))
	}
	return g
}

// own returns v with a string of its own: a short key sliced out of a long
// line would otherwise keep the whole line alive as long as the group.
func (t *countTable) own(v event.Value) event.Value {
	v.S = strings.Clone(v.S)
	return v
}

// resize rebuilds the hash table with n slots (a power of two).
func (t *countTable) resize(n int) {
	old := t.slots
	t.slots = make([]tableSlot, n)
	t.shift = uint8(64 - bitsOf(n))
	mask := uint64(n - 1)
	for _, s := range old {
		if s.g == 0 {
			continue
		}
		i := t.home(s.tag)
		for t.slots[i].g != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

// bitsOf returns log2(n) for a power of two n.
func bitsOf(n int) int {
	b := 0
	for n > 1 {
		n >>= 1
		b++
	}
	return b
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
	if int(g) >= len(t.marked) {
		t.marked = append(t.marked, make([]bool, len(t.groups)-len(t.marked))...)
	}
	if !t.marked[g] {
		t.marked[g] = true
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
