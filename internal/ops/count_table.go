package ops

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strings"
	"unsafe"

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
//
// Keys can be removed (evicted to make room, or expired by a ttl): the slot
// is emptied by backward-shift deletion, which keeps every probe run
// unbroken without tombstones, and the group's index is reused by the next
// new key. With a limit (setLimit), the table counts its keys and their
// estimated bytes and refuses or evicts a key that does not fit.
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

	// free holds the groups whose key was removed (evicted or expired),
	// reused before new ones are appended; a free group has count -1.
	free []int32
	// lim, when set, bounds the groups: a new key that does not fit evicts
	// the least recently updated one (rec) or makes group return -1.
	// keyBytes is the fixed estimate of one group's bytes, besides the
	// strings of its key.
	lim      *stateLimit
	keyBytes int64
	refused  int64 // the bytes of the last key that did not fit
	// rec, when set, orders the groups by their last update (the
	// operator calls touch for each event, at time now) for eviction and
	// ttl.
	rec *recency
	now int64
	// onRemove, when set, lets the operator drop what it keeps per group
	// beside the table when the group's key is removed.
	onRemove func(g int32)
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
	count int64  // -1: the group is free
	// time and created are those of the last event counted.
	time, created int64
}

// tableKeyBytes is the estimate of the bytes one key of an nk-value table
// takes: its group, its key values, its share of the hash table (at most
// 70% full and at least 35% after growing: up to three slots), its mark,
// and with recency tracking its stamp and up to two updates in the FIFO.
func tableKeyBytes(nk int, track bool) int64 {
	b := int64(unsafe.Sizeof(countGroup{})) + int64(nk)*valueBytes + 3*int64(unsafe.Sizeof(tableSlot{})) + 1
	if track {
		b += 8 + 2*int64(unsafe.Sizeof(touch{}))
	}
	return b
}

// valueBytes is the size of an event.Value, not counting its string.
const valueBytes = int64(unsafe.Sizeof(event.Value{}))

// setLimit bounds the table by lim: each key is charged tableKeyBytes plus
// extra (what the operator keeps per key beside the table) plus its
// strings. With track, the table orders its keys by their last update, for
// evict_oldest and ttl.
func (t *countTable) setLimit(lim *stateLimit, extra int64, track bool) {
	t.lim = lim
	t.keyBytes = tableKeyBytes(t.nk, track) + extra
	if track {
		t.rec = &recency{}
	}
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
			return t.add(i, k, kindPartition, k, nil, 0)
		}
	}
}

// group returns the group of e's key, adding it when new: by the partition
// key an upstream key_by set (shapePartition), by the one field in
// keySlots, or by the several fields in keySlots. It returns -1 when the
// key is new and the table's limit leaves no room for it (see full). With
// recency tracking on (rec), the caller records the update (touch).
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
			return t.add(i, v.N, v.Kind, v.Hash(0), v, stringBytes(*v))
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
			return t.add(i, h, kindHashed, v.Hash(0), &v, int64(len(s)))
		}
		if sl.tag == h && sl.kind == kindHashed && t.keys[sl.g-1].S == s {
			return sl.g - 1
		}
	}
}

// find returns the group of e's key (the values in slots), adding it when
// new. h is the key's tag, tagOf's (remove recomputes it from the stored
// values); the values tell apart keys with the same tag.
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
		h = t.mixTag(h, e.Get(s))
	}
	return h
}

// mixTag folds key value v into the hashed path's tag h.
func (t *countTable) mixTag(h uint64, v event.Value) uint64 {
	x := v.N
	if v.Kind == event.String {
		x = maphash.String(t.seed, v.S)
	}
	h = (h ^ x ^ uint64(v.Kind)<<56) * 0x9e3779b97f4a7c15
	return h ^ h>>29
}

// addEvent adds the group of e's key in free slot i, with tag h.
func (t *countTable) addEvent(i uint64, h uint64, e *event.Event, slots []int) int32 {
	var sb int64
	for _, s := range slots {
		sb += stringBytes(e.Get(s))
	}
	g := t.add(i, h, kindHashed, hashKey(e, slots), nil, sb)
	if g >= 0 {
		k := t.key(g)
		for j, s := range slots {
			k[j] = t.own(e.Get(s))
		}
	}
	return g
}

// add adds a group in free slot i; key is its key value for a one-field
// key (the caller writes the key values, at key(g), otherwise). strBytes
// is the bytes of the key's strings. When the limit leaves no room and
// none can be made, add adds nothing and returns -1.
func (t *countTable) add(i, tag uint64, kind event.Kind, hash uint64, key *event.Value, strBytes int64) int32 {
	if t.lim != nil {
		b := t.keyBytes + strBytes
		if !t.lim.fits(b) {
			if !t.makeRoom(b) {
				t.refused = b
				return -1
			}
			i = t.freeSlot(tag) // removals moved slots
		}
		t.lim.add(b)
	}
	var g int32
	if n := len(t.free); n > 0 {
		g = t.free[n-1]
		t.free = t.free[:n-1]
		t.groups[g] = countGroup{hash: hash}
	} else {
		g = int32(len(t.groups))
		t.groups = append(t.groups, countGroup{hash: hash})
		for range t.nk {
			t.keys = append(t.keys, event.Value{})
		}
	}
	if key != nil {
		t.keys[g] = t.own(*key)
	}
	t.slots[i] = tableSlot{tag: tag, g: g + 1, kind: kind}
	t.used++
	if t.used*loadDen > len(t.slots)*loadNum {
		t.resize(2 * len(t.slots))
	}
	return g
}

// touch records an update of group g, at time now, for eviction and ttl;
// only when rec is set.
func (t *countTable) touch(g int32) { t.rec.update(g, t.now) }

// freeSlot returns the empty slot where a key of this tag goes.
func (t *countTable) freeSlot(tag uint64) uint64 {
	mask := uint64(len(t.slots) - 1)
	i := t.home(tag)
	for t.slots[i].g != 0 {
		i = (i + 1) & mask
	}
	return i
}

// makeRoom evicts the least recently updated groups until a new one of b
// bytes fits, and reports whether it does; it evicts nothing when the
// policy is to fail.
func (t *countTable) makeRoom(b int64) bool {
	if !t.lim.evict || t.rec == nil {
		return false
	}
	for !t.lim.fits(b) {
		g, _, ok := t.rec.oldest()
		if !ok {
			return false // b alone is more than max_state
		}
		t.remove(g)
		t.lim.evicted++
	}
	return true
}

// expire removes the groups not updated since before now-ttl (unix
// nanoseconds), counting each as expired.
func (t *countTable) expire(now, ttl int64) {
	for {
		g, at, ok := t.rec.oldest()
		if !ok || now-at < ttl {
			return
		}
		t.remove(g)
		t.lim.expired++
	}
}

// full returns the error of the key that group could not add.
func (t *countTable) full() error { return t.lim.full(true, t.refused) }

// live is the number of groups holding a key.
func (t *countTable) live() int { return len(t.groups) - len(t.free) }

// remove drops group g's key: its slot in the hash table, its key values
// and its recency; the operator's onRemove drops the rest, and the group
// is reused by a later new key.
func (t *countTable) remove(g int32) {
	tag, _ := t.slotTag(g)
	mask := uint64(len(t.slots) - 1)
	i := t.home(tag)
	for t.slots[i].g != g+1 {
		if t.slots[i].g == 0 {
			panic("BUG: countTable.remove: group not in the table")
		}
		i = (i + 1) & mask
	}
	t.deleteSlot(i)
	if t.lim != nil {
		b := t.keyBytes
		for _, v := range t.key(g) {
			b += stringBytes(v)
		}
		t.lim.remove(b)
	}
	clear(t.key(g)) // let the strings go
	t.groups[g] = countGroup{count: -1}
	t.free = append(t.free, g)
	if t.rec != nil {
		t.rec.forget(g)
	}
	if t.onRemove != nil {
		t.onRemove(g)
	}
}

// slotTag returns the tag and slot kind of group g's key, as the lookups
// that added it computed them.
func (t *countTable) slotTag(g int32) (uint64, event.Kind) {
	if t.nk == 0 {
		return t.groups[g].hash, kindPartition
	}
	k := t.key(g)
	if t.nk == 1 && k[0].Kind != event.String {
		return k[0].N, k[0].Kind
	}
	if t.nk == 1 {
		return maphash.String(t.seed, k[0].S), kindHashed
	}
	var tag uint64
	for _, v := range k {
		tag = t.mixTag(tag, v)
	}
	return tag, kindHashed
}

// deleteSlot empties slot i, moving back the later slots of its probe run
// that may take its place (backward-shift deletion keeps linear probing
// correct without tombstones).
func (t *countTable) deleteSlot(i uint64) {
	mask := uint64(len(t.slots) - 1)
	for j := (i + 1) & mask; t.slots[j].g != 0; j = (j + 1) & mask {
		// The slot at j may move to i when i lies between its home and j.
		if (j-t.home(t.slots[j].tag))&mask >= (j-i)&mask {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = tableSlot{}
	t.used--
}

// stringBytes is the bytes v's string holds (0 for other kinds).
func stringBytes(v event.Value) int64 {
	if v.Kind == event.String {
		return int64(len(v.S))
	}
	return 0
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

// dropFree removes the free groups from groups (changed keys that were
// removed since), unmarking them, and returns the rest in order.
func (t *countTable) dropFree(groups []int32) []int32 {
	kept := groups[:0]
	for _, g := range groups {
		if t.groups[g].count < 0 {
			t.marked[g] = false
			continue
		}
		kept = append(kept, g)
	}
	return kept
}

// liveGroups appends every group holding a key to dst.
func (t *countTable) liveGroups(dst []int32) []int32 {
	for g := range t.groups {
		if t.groups[g].count >= 0 {
			dst = append(dst, int32(g))
		}
	}
	return dst
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
