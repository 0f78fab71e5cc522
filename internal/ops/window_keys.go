package ops

import "github.com/greenwave/greenwave/internal/event"

// keyTable finds a group by its key values: a map from the key's hash to
// the first group with that hash, and a chain through groups whose hashes
// collide. Group indexes are assigned in insertion order (0, 1, ...).
type keyTable struct {
	first map[uint64]int32
	next  []int32
	keys  [][]event.Value
}

func newKeyTable(width int) *keyTable {
	return &keyTable{first: map[uint64]int32{}}
}

// find returns the index of the group whose key equals e's values in slots.
func (t *keyTable) find(h uint64, e *event.Event, slots []int) (int, bool) {
	i, ok := t.first[h]
	for ok && i >= 0 {
		if t.keys[i] != nil && keyMatches(t.keys[i], e, slots) {
			return int(i), true
		}
		i = t.next[i]
	}
	return -1, false
}

// remove makes group idx unfindable (its key was evicted); it stays in
// its hash chain, skipped, and a later group of the same key is found
// instead.
func (t *keyTable) remove(idx int) { t.keys[idx] = nil }

// insert records key (of hash h) as group idx, which must be len of the
// groups inserted so far.
func (t *keyTable) insert(h uint64, idx int, key []event.Value) {
	if idx != len(t.keys) {
		panic("BUG: keyTable.insert out of order")
	}
	prev, ok := t.first[h]
	if !ok {
		prev = -1
	}
	t.next = append(t.next, prev)
	t.keys = append(t.keys, key)
	t.first[h] = int32(idx)
}

func keyMatches(key []event.Value, e *event.Event, slots []int) bool {
	for i, s := range slots {
		if !key[i].Equal(e.Get(s)) && !(key[i].IsNull() && e.Get(s).IsNull()) {
			return false
		}
	}
	return true
}
