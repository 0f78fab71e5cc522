package ops

import (
	"unsafe"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// intervalJoin is a join in interval mode: left event l and right event r
// of one key pair up when l.time+lower <= r.time <= l.time+upper (and
// r.time <= l[until] when until is set). Each arriving event is matched
// against the stored events of the other side and the pairs are emitted at
// once; then it is stored for as long as a later event of the other side
// can still match it: a left event until the watermark passes the last
// right time it matches, a right event until the watermark passes
// r.time-lower (both plus the allowed lateness).
//
// An event more than the allowed lateness behind the watermark is late:
// some of its partners may be gone already, so rather than join it with
// what is left it goes to the side output late. Every other event is
// joined with every partner: a partner that could match it is still stored,
// because its bound lies at or after the event's own time. So the output is
// exactly the pairs of the events that are not late, each once. Owned by
// one actor.
type intervalJoin struct {
	*joinBase
	lower, upper int64
	hasUpper     bool
	untilSlot    int // -1: no until field
	lateness     int64
	wm           int64

	rows     [2]rowStore // prev/next chain a key's rows per side; owner is the key
	index    map[uint64]int32
	keys     []intervalKey
	freeKeys []int32
	expiry   [2]expiryQueue // per side: when each row can go
	skipped  int64          // events that can match nothing: null key, null until, empty range
}

// intervalKey lists one key's stored rows per side, oldest first. Keys of
// equal hash chain through next. A key with no rows is freed.
type intervalKey struct {
	hash       uint64
	next       int32
	head, tail [2]int32
}

// intervalKeyBytes is the bytes estimate of a key: its struct and its
// index entry.
const intervalKeyBytes = int64(unsafe.Sizeof(intervalKey{})) + 32

func newIntervalJoin(b *joinBase, c joinConf, untilSlot int, inputs []*event.Schema) *intervalJoin {
	j := &intervalJoin{joinBase: b, lower: c.lower, upper: c.upper, hasUpper: c.hasUpper, untilSlot: untilSlot,
		lateness: c.lateness, wm: event.MinWatermark, index: map[uint64]int32{}}
	// Per row beside the store: its expiry.
	j.rows[leftSide].sizeRows(inputs[leftSide], int64(unsafe.Sizeof(expiry{})))
	j.rows[rightSide].sizeRows(inputs[rightSide], int64(unsafe.Sizeof(expiry{})))
	return j
}

func (j *intervalJoin) Process(port int, in []event.Event, out *component.Output) error {
	checkPort(port)
	defer j.lim.publish()
	for i := range in {
		e := &in[i]
		h, null := j.hash(port, e.Fields)
		if err := j.checkPartition(port, e, h); err != nil {
			return err
		}
		if null {
			j.skipped++
			continue
		}
		var err error
		if port == leftSide {
			err = j.addLeft(e, h, out)
		} else {
			err = j.addRight(e, h, out)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// room makes sure a row of side holding e, of key k, fits, once e has been
// matched: it evicts the rows due to go first when the policy allows, and
// fails otherwise. It returns e's key, which it finds again when an
// eviction freed k.
func (j *intervalJoin) room(side int, e *event.Event, k int32, h uint64) (int32, error) {
	b := j.rows[side].bytesOf(e.Fields)
	if j.lim.fits(b) {
		return k, nil
	}
	if !j.lim.evict {
		return k, j.lim.full(true, b)
	}
	// Every key in the index holds a row (key compares with its first), so
	// a key made for e alone goes while rows are evicted; key makes it
	// again after.
	j.freeIfEmpty(k)
	for !j.lim.fits(b) {
		l, r := &j.expiry[leftSide], &j.expiry[rightSide]
		var from int
		switch {
		case l.len() == 0 && r.len() == 0:
			return k, j.lim.full(true, b)
		case l.len() == 0:
			from = rightSide
		case r.len() == 0 || l.peek().at <= r.peek().at:
			from = leftSide
		default:
			from = rightSide
		}
		j.drop(from, j.expiry[from].pop().row)
		j.lim.evicted++
	}
	return j.key(side, e.Fields, h), nil
}

// behind reports whether the watermark has passed t plus the allowed
// lateness: an event of time t is late, a row of bound t can go.
func (j *intervalJoin) behind(t int64) bool {
	return j.wm != event.MinWatermark && j.wm > addSat(t, j.lateness)
}

func (j *intervalJoin) addLeft(e *event.Event, h uint64, out *component.Output) error {
	lo := addSat(e.Time, j.lower)
	hi := event.MaxWatermark
	if j.hasUpper {
		hi = addSat(e.Time, j.upper)
	}
	if j.untilSlot >= 0 {
		u := e.Get(j.untilSlot)
		if u.IsNull() {
			j.skipped++
			return nil
		}
		hi = min(hi, u.Int())
	}
	if hi < lo {
		j.skipped++ // no right time can match
		return nil
	}
	if j.behind(e.Time) {
		j.emitLate(out, leftSide, e)
		return nil
	}
	k := j.key(leftSide, e.Fields, h)
	for r := j.keys[k].head[rightSide]; r >= 0; r = j.rows[rightSide].meta[r].next {
		if t := j.rows[rightSide].meta[r].time; t >= lo && t <= hi {
			rm := &j.rows[rightSide].meta[r]
			j.emit(out, e.Fields, j.rows[rightSide].fields(r), max(e.Time, t), max(e.Created, rm.created), h)
		}
	}
	if j.behind(hi) {
		j.freeIfEmpty(k) // no later right event can match
		return nil
	}
	k, err := j.room(leftSide, e, k, h)
	if err != nil {
		return err
	}
	row := j.store(leftSide, k, e, h)
	j.rows[leftSide].meta[row].until = hi
	j.expiry[leftSide].push(expiry{at: addSat(hi, j.lateness), row: row})
	return nil
}

func (j *intervalJoin) addRight(e *event.Event, h uint64, out *component.Output) error {
	bound := addSat(e.Time, -max(j.lower, event.MinWatermark+1)) // the latest left time that can match
	if j.behind(e.Time) {
		j.emitLate(out, rightSide, e)
		return nil
	}
	t := e.Time
	k := j.key(rightSide, e.Fields, h)
	for l := j.keys[k].head[leftSide]; l >= 0; l = j.rows[leftSide].meta[l].next {
		lm := &j.rows[leftSide].meta[l]
		if t >= addSat(lm.time, j.lower) && t <= lm.until {
			lf := j.rows[leftSide].fields(l)
			j.emit(out, lf, e.Fields, max(lm.time, t), max(lm.created, e.Created), lm.hash)
		}
	}
	if j.behind(bound) {
		j.freeIfEmpty(k) // no later left event can match
		return nil
	}
	k, err := j.room(rightSide, e, k, h)
	if err != nil {
		return err
	}
	row := j.store(rightSide, k, e, h)
	j.expiry[rightSide].push(expiry{at: addSat(bound, j.lateness), row: row})
	return nil
}

// key returns the index of the key f has on side, creating it.
func (j *intervalJoin) key(side int, f []event.Value, h uint64) int32 {
	first, ok := j.index[h]
	if ok {
		for i := first; i >= 0; i = j.keys[i].next {
			k := &j.keys[i]
			s := leftSide
			if k.head[leftSide] < 0 {
				s = rightSide
			}
			if j.sameKey(side, f, s, j.rows[s].fields(k.head[s])) {
				return i
			}
		}
	} else {
		first = -1
	}
	var i int32
	if n := len(j.freeKeys); n > 0 {
		i = j.freeKeys[n-1]
		j.freeKeys = j.freeKeys[:n-1]
	} else {
		i = int32(len(j.keys))
		j.keys = append(j.keys, intervalKey{})
	}
	j.keys[i] = intervalKey{hash: h, next: first, head: [2]int32{-1, -1}, tail: [2]int32{-1, -1}}
	j.index[h] = i
	j.lim.grow(intervalKeyBytes)
	return i
}

// store keeps a copy of e at the tail of key k's rows of side.
func (j *intervalJoin) store(side int, k int32, e *event.Event, h uint64) int32 {
	rs := &j.rows[side]
	j.lim.add(rs.bytesOf(e.Fields))
	row := rs.add(e, h)
	m := &rs.meta[row]
	key := &j.keys[k]
	m.owner, m.next, m.prev = k, -1, key.tail[side]
	if key.tail[side] >= 0 {
		rs.meta[key.tail[side]].next = row
	} else {
		key.head[side] = row
	}
	key.tail[side] = row
	return row
}

// OnWatermark drops the rows no later event can match; at the final
// watermark that is every row.
func (j *intervalJoin) OnWatermark(wm int64, _ *component.Output) error {
	if wm <= j.wm {
		return nil
	}
	j.wm = wm
	defer j.lim.publish()
	for side := range j.expiry {
		x := &j.expiry[side]
		for x.len() > 0 && (x.peek().at < wm || wm == event.MaxWatermark) {
			j.drop(side, x.pop().row)
		}
	}
	return nil
}

// drop unlinks and releases a row, and frees its key when it has no rows
// left.
func (j *intervalJoin) drop(side int, row int32) {
	rs := &j.rows[side]
	m := rs.meta[row]
	k := &j.keys[m.owner]
	if m.prev >= 0 {
		rs.meta[m.prev].next = m.next
	} else {
		k.head[side] = m.next
	}
	if m.next >= 0 {
		rs.meta[m.next].prev = m.prev
	} else {
		k.tail[side] = m.prev
	}
	j.lim.remove(rs.rowBytes(row))
	rs.release(row)
	j.freeIfEmpty(m.owner)
}

// freeIfEmpty frees key i when it holds no rows.
func (j *intervalJoin) freeIfEmpty(i int32) {
	if k := &j.keys[i]; k.head[leftSide] < 0 && k.head[rightSide] < 0 {
		j.freeKey(i)
	}
}

// freeKey removes key i from its hash chain and keeps its slot for reuse.
func (j *intervalJoin) freeKey(i int32) {
	k := &j.keys[i]
	if first := j.index[k.hash]; first == i {
		if k.next >= 0 {
			j.index[k.hash] = k.next
		} else {
			delete(j.index, k.hash)
		}
	} else {
		p := first
		for j.keys[p].next != i {
			p = j.keys[p].next
		}
		j.keys[p].next = k.next
	}
	*k = intervalKey{}
	j.freeKeys = append(j.freeKeys, i)
	j.lim.grow(-intervalKeyBytes)
}

// Flush has nothing to do: pairs are emitted as they form.
func (j *intervalJoin) Flush(*component.Output) error { return nil }

// stored is the number of rows held per side (for tests and stats).
func (j *intervalJoin) stored() [2]int {
	return [2]int{j.rows[leftSide].live(), j.rows[rightSide].live()}
}

// openKeys is the number of keys holding rows.
func (j *intervalJoin) openKeys() int { return len(j.keys) - len(j.freeKeys) }
