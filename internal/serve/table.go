package serve

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrStateLimit is wrapped by Apply's error when a new row does not fit
// the table's max_rows or max_state under when_state_full: fail.
var ErrStateLimit = errors.New("state limit reached")

// rowOverhead estimates the bytes a row costs besides its texts: the row
// and Msg structs, the index entry and the slot in the rows slice.
const rowOverhead = 160

// Table is one served table: the latest row per key, its sequence, its
// checksum, its window of recent deltas and its subscribers.
//
// Apply and Expire change it; they are called by one goroutine at a time
// (the sink's actor) and never wait for a subscriber: they hold the
// table's mutex only to commit a batch (and a snapshot holds it only to
// copy the row pointers). Everything else — Snapshot, Subscribe, Stats —
// is safe from any goroutine.
type Table struct {
	cfg Config
	// session names this run of the table (16 hex digits, new for every
	// table made, fresh or restored): sequence numbers of another session
	// are not comparable with this one's.
	session string

	// w is owned by the goroutine that calls Apply and Expire.
	w struct {
		index map[string]*row
		// The rows' dense key ids (conflation indexes by them). Within
		// the window an id stands for one key: a deleted key's id is
		// held (parked, by key) until its delete leaves the window, and
		// the key takes it back if it returns before; then it is free
		// for any new key.
		freeIDs []uint32
		nextID  uint32
		parked  map[string]parkedID
		parkedQ []parkedID
		parkedH int
		seq     uint64 // last sequence number given
		count   int64
		bytes   int64
		sum     uint64
		// recency of updates, for evict_oldest and ttl (nil when neither).
		fifo      []recent
		fifoHead  int
		fifoStale int
		gen       uint64
		ops       []op
		evicted   uint64
		expired   uint64
	}

	mu struct {
		sync.Mutex
		rows   []*row // in no order; row.pos is the index
		seq    uint64
		sum    uint64
		snap   *Snapshot
		closed bool
	}

	// window holds the recent deltas; it has its own synchronisation.
	window *window
	// watermark is the latest event time received (unix ns, 0: none).
	watermark atomic.Int64

	hub hub
	srv struct{ http, tcp *server }

	// Published figures, single writer (the Apply goroutine).
	pub struct {
		rows, bytes      atomic.Int64
		deltas           atomic.Uint64
		evicted, expired atomic.Uint64
	}
}

// row is one key's current row. Its key and row texts are slices of the
// delta message that set it, so a change is encoded once.
type row struct {
	msg       *Msg
	key, data []byte
	hash      uint64
	size      int64
	pos       int    // index in Table.mu.rows (under the mutex)
	gen       uint64 // recency generation (Apply goroutine)
	touched   int64  // unix nanoseconds of its last update
	live      bool
	id        uint32 // dense key id (Apply goroutine)
}

// parkedID is a deleted key's id, held until the delete at seq leaves the
// window.
type parkedID struct {
	seq uint64
	key string
	id  uint32
}

type recent struct {
	r   *row
	gen uint64
}

// op is one change of a batch, committed under the mutex.
type op struct {
	put *row // upserted row, or nil
	del *row // row it replaces or deletes, or nil
	msg *Msg
}

// Change is one change handed to Apply: Key is the key's JSON text, Row
// the row's JSON object (nil deletes the key). Apply copies both.
type Change struct {
	Key, Row []byte
}

// NewTable returns an empty table at sequence 0. It starts the table's
// writer goroutines; Close stops them.
func NewTable(cfg Config) (*Table, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	t := &Table{cfg: cfg, session: string(appendChecksum(nil, rand.Uint64()))}
	t.w.index = map[string]*row{}
	if cfg.Evict || cfg.TTL > 0 {
		t.w.fifo = []recent{}
	}
	t.window = newWindow(cfg.Retain, cfg.RetainBytes)
	t.hub.init(t)
	return t, nil
}

// Name returns the table's name.
func (t *Table) Name() string { return t.cfg.Name }

// Session returns the table's session: 16 hex digits that differ for
// every table made, so that a client resuming with ?from=SEQ&session=X
// after a restart (when the sequence numbers after the checkpoint are
// given again, perhaps to other changes) gets a snapshot instead of
// deltas that do not follow its copy.
func (t *Table) Session() string { return t.session }

// Config returns the table's configuration.
func (t *Table) Config() Config { return t.cfg }

// Seq returns the sequence number of the table's latest change.
func (t *Table) Seq() uint64 { return t.window.head.Load() }

// Apply applies a batch of changes in order: each upsert that changes a
// row and each delete of a present key becomes a delta with the next
// sequence number (an upsert of an identical row changes nothing but the
// row's age). A new key that does not fit max_rows or max_state evicts
// the least recently updated rows first (each eviction a delete delta)
// under Evict, or fails with ErrStateLimit, after committing the changes
// before it. eventTime is the latest event time of the batch (0: none),
// reported as the watermark of progress messages; now is the wall clock,
// for ttl.
func (t *Table) Apply(changes []Change, eventTime int64, now time.Time) error {
	var err error
	nowNs := now.UnixNano()
	for i := range changes {
		c := &changes[i]
		if c.Row == nil {
			if r := t.w.index[string(c.Key)]; r != nil {
				t.delete(r)
			}
			continue
		}
		old := t.w.index[string(c.Key)]
		if old != nil && bytes.Equal(old.data, c.Row) {
			t.touch(old, nowNs)
			continue
		}
		if old == nil {
			if err = t.makeRoom(int64(len(c.Key)*2 + len(c.Row) + deltaSize(t.w.seq+1, len(c.Key), len(c.Row)) + rowOverhead)); err != nil {
				break
			}
		}
		t.upsert(c.Key, c.Row, old, nowNs)
	}
	t.commit(eventTime)
	return err
}

// Expire deletes the rows not updated for the table's ttl before now, as
// delete deltas. It does nothing without a ttl.
func (t *Table) Expire(now time.Time) {
	if t.cfg.TTL <= 0 {
		return
	}
	limit := now.Add(-t.cfg.TTL).UnixNano()
	for {
		r := t.oldest()
		if r == nil || r.touched > limit {
			break
		}
		t.delete(r)
		t.w.expired++
	}
	t.commit(0)
}

// makeRoom evicts rows until one more row of b bytes fits, or says why it
// cannot.
func (t *Table) makeRoom(b int64) error {
	for t.w.count+1 > t.cfg.MaxRows || t.w.bytes+b > t.cfg.MaxBytes {
		if !t.cfg.Evict {
			if t.w.count+1 > t.cfg.MaxRows {
				return fmt.Errorf("table %q: %w: max_rows %d (when_state_full: fail)", t.cfg.Name, ErrStateLimit, t.cfg.MaxRows)
			}
			return fmt.Errorf("table %q: %w: max_state %d bytes (when_state_full: fail; %d held, %d more needed)",
				t.cfg.Name, ErrStateLimit, t.cfg.MaxBytes, t.w.bytes, b)
		}
		r := t.oldest()
		if r == nil {
			return fmt.Errorf("table %q: %w: a row of %d bytes is larger than max_state %d bytes",
				t.cfg.Name, ErrStateLimit, b, t.cfg.MaxBytes)
		}
		t.delete(r)
		t.w.evicted++
	}
	return nil
}

// upsert sequences a new row for key, replacing old (nil for a new key).
func (t *Table) upsert(key, data []byte, old *row, now int64) {
	t.w.seq++
	seq := t.w.seq
	hashed := RowHash(key, data)
	sum := t.w.sum + hashed
	if old != nil {
		sum -= old.hash
	}
	every := t.cfg.ChecksumEvery
	buf := make([]byte, 0, deltaSize(seq, len(key), len(data))+len(deltaChecksum)+checksumDigits+2)
	buf, keyAt, rowAt, sumAt := appendDelta(buf, seq, key, data, every > 0 && seq%every == 0, sum)
	var id uint32
	if old != nil {
		id = old.id
	} else if p, ok := t.w.parked[string(key)]; ok {
		id = p.id
		delete(t.w.parked, string(key))
	} else if n := len(t.w.freeIDs); n > 0 {
		id = t.w.freeIDs[n-1]
		t.w.freeIDs = t.w.freeIDs[:n-1]
	} else {
		id = t.w.nextID
		t.w.nextID++
	}
	m := &Msg{Kind: KindDelta, Seq: seq, Data: buf, keyID: id, Sum: sum, sumAt: sumAt, keyLen: int32(len(key))}
	r := &row{msg: m, key: buf[keyAt : keyAt+len(key)], data: buf[rowAt : rowAt+len(data)], hash: hashed, live: true, id: id}
	r.size = int64(len(key)+len(buf)) + rowOverhead
	t.w.sum = sum
	t.w.bytes += r.size
	if old != nil {
		old.live = false
		t.w.bytes -= old.size
		if t.w.fifo != nil && old.gen != 0 {
			t.w.fifoStale++
		}
	} else {
		t.w.count++
	}
	t.w.index[string(r.key)] = r
	t.touch(r, now)
	t.w.ops = append(t.w.ops, op{put: r, del: old, msg: m})
}

// delete sequences the deletion of r.
func (t *Table) delete(r *row) {
	t.w.seq++
	seq := t.w.seq
	t.w.sum -= r.hash
	every := t.cfg.ChecksumEvery
	buf := make([]byte, 0, deltaSize(seq, len(r.key), -1)+len(deltaChecksum)+checksumDigits+2)
	buf, _, _, sumAt := appendDelta(buf, seq, r.key, nil, every > 0 && seq%every == 0, t.w.sum)
	r.live = false
	delete(t.w.index, string(r.key))
	t.w.count--
	t.w.bytes -= r.size
	if t.w.fifo != nil {
		t.w.fifoStale++
	}
	m := &Msg{Kind: KindDelta, Seq: seq, Data: buf, keyID: r.id, Sum: t.w.sum, sumAt: sumAt, keyLen: int32(len(r.key)), del: true}
	if t.w.parked == nil {
		t.w.parked = map[string]parkedID{}
	}
	p := parkedID{seq: seq, key: string(r.key), id: r.id}
	t.w.parked[p.key] = p
	t.w.parkedQ = append(t.w.parkedQ, p)
	t.w.ops = append(t.w.ops, op{del: r, msg: m})
}

// releaseIDs frees the ids of deleted keys whose delete has left the
// window (unless the key came back and took its id again).
func (t *Table) releaseIDs() {
	first := t.window.first.Load()
	q := t.w.parkedQ
	for t.w.parkedH < len(q) && q[t.w.parkedH].seq < first {
		p := q[t.w.parkedH]
		q[t.w.parkedH] = parkedID{}
		t.w.parkedH++
		if cur, ok := t.w.parked[p.key]; ok && cur.seq == p.seq {
			delete(t.w.parked, p.key)
			t.w.freeIDs = append(t.w.freeIDs, p.id)
		}
	}
	if t.w.parkedH > 1024 && t.w.parkedH*2 > len(q) {
		n := copy(q, q[t.w.parkedH:])
		t.w.parkedQ, t.w.parkedH = q[:n], 0
	}
}

// touch records an update of r for evict_oldest and ttl.
func (t *Table) touch(r *row, now int64) {
	r.touched = now
	if t.w.fifo == nil {
		return
	}
	if r.gen != 0 {
		t.w.fifoStale++ // its previous entry
	}
	t.w.gen++
	r.gen = t.w.gen
	t.w.fifo = append(t.w.fifo, recent{r: r, gen: r.gen})
}

// oldest returns the least recently updated live row, or nil.
func (t *Table) oldest() *row {
	f := t.w.fifo
	for t.w.fifoHead < len(f) {
		e := f[t.w.fifoHead]
		if e.r.live && e.r.gen == e.gen {
			return e.r
		}
		f[t.w.fifoHead] = recent{}
		t.w.fifoHead++
		t.w.fifoStale--
	}
	return nil
}

// compact drops stale recency entries once they outnumber the live ones.
func (t *Table) compact() {
	f := t.w.fifo
	if f == nil || t.w.fifoStale < 1024 || t.w.fifoStale < len(f)-t.w.fifoHead-t.w.fifoStale {
		return
	}
	n := 0
	for _, e := range f[t.w.fifoHead:] {
		if e.r.live && e.r.gen == e.gen {
			f[n] = e
			n++
		}
	}
	clear(f[n:])
	t.w.fifo, t.w.fifoHead, t.w.fifoStale = f[:n], 0, 0
}

// commit publishes the batch's changes: the deltas to the window (no
// lock: readers check what they load), then the rows, sequence and
// checksum under the mutex, which only snapshots take besides; then it
// wakes the writers.
func (t *Table) commit(eventTime int64) {
	ops := t.w.ops
	if eventTime > t.watermark.Load() {
		t.watermark.Store(eventTime)
	}
	if len(ops) == 0 {
		return
	}
	for i := range ops {
		t.window.push(ops[i].msg)
	}
	t.window.publish(t.w.seq)
	t.releaseIDs()
	t.mu.Lock()
	rows := t.mu.rows
	for i := range ops {
		o := &ops[i]
		switch {
		case o.put != nil && o.del != nil:
			o.put.pos = o.del.pos
			rows[o.put.pos] = o.put
		case o.put != nil:
			o.put.pos = len(rows)
			rows = append(rows, o.put)
		default:
			last := len(rows) - 1
			rows[o.del.pos] = rows[last]
			rows[o.del.pos].pos = o.del.pos
			rows[last] = nil
			rows = rows[:last]
		}
	}
	t.mu.rows = rows
	t.mu.seq = t.w.seq
	t.mu.sum = t.w.sum
	t.mu.Unlock()
	clear(ops)
	t.w.ops = ops[:0]
	t.compact()
	t.pub.rows.Store(t.w.count)
	t.pub.bytes.Store(t.w.bytes)
	t.pub.evicted.Store(t.w.evicted)
	t.pub.expired.Store(t.w.expired)
	t.pub.deltas.Store(t.w.seq)
	t.hub.publish(t.w.seq)
}

// Snapshot is the table as of one sequence number. It is immutable and
// shared: every subscriber that starts from the same sequence gets the
// same snapshot and the same encoded messages.
type Snapshot struct {
	Seq      uint64
	Checksum uint64
	Session  string
	rows     []*row
	taken    time.Time

	once sync.Once
	msgs []*Msg
}

// snapshotChunk is the most rows one snapshot message holds.
const snapshotChunk = 1000

// Snapshot returns the table as of its latest change. It holds the
// table's mutex while it copies the row pointers (a memmove of 8 bytes a
// row), or not at all when the table has not changed since the last one.
func (t *Table) Snapshot() *Snapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := t.mu.snap; s != nil && s.Seq == t.mu.seq {
		return s
	}
	s := &Snapshot{Seq: t.mu.seq, Checksum: t.mu.sum, Session: t.session, rows: slices.Clone(t.mu.rows), taken: time.Now()}
	t.mu.snap = s
	return s
}

// subscriberSnapshot returns the snapshot a new or resyncing subscriber
// starts from: the latest one taken, when the window still holds every
// delta after it and they are few enough for a subscriber's queue (the
// writers then send them right after it) and it is less than a second
// old; else a new one. Subscribers joining together so share one
// snapshot and its encoding instead of each copying and encoding the
// table.
func (t *Table) subscriberSnapshot() *Snapshot {
	t.mu.Lock()
	s := t.mu.snap
	if s != nil && s.Seq+1 >= t.window.first.Load() && t.mu.seq-s.Seq <= uint64(t.cfg.QueueMessages/2) &&
		time.Since(s.taken) < time.Second {
		t.mu.Unlock()
		return s
	}
	t.mu.Unlock()
	return t.Snapshot()
}

// Len is the number of rows.
func (s *Snapshot) Len() int { return len(s.rows) }

// Messages returns the snapshot as protocol messages: one or more
// {"type":"snapshot"} messages of at most 1000 rows, then
// {"type":"snapshot_end"} (with the checksum and the session). They are
// encoded once per snapshot.
func (s *Snapshot) Messages() []*Msg {
	s.once.Do(func() {
		rows := s.rows
		for first := true; first || len(rows) > 0; first = false {
			n := min(len(rows), snapshotChunk)
			b := make([]byte, 0, 64+chunkBytes(rows[:n]))
			b = append(b, `{"type":"snapshot","seq":`...)
			b = appendUint(b, s.Seq)
			b = append(b, `,"rows":`...)
			b = appendRows(b, rows[:n])
			s.msgs = append(s.msgs, &Msg{Kind: KindSnapshot, Seq: s.Seq, Data: append(b, '}')})
			rows = rows[n:]
		}
		b := append([]byte(`{"type":"snapshot_end","seq":`), appendUint(nil, s.Seq)...)
		b = append(b, `,"checksum":"`...)
		b = appendChecksum(b, s.Checksum)
		b = append(b, `","session":"`...)
		b = append(b, s.Session...)
		s.msgs = append(s.msgs, &Msg{Kind: KindSnapshotEnd, Seq: s.Seq, Data: append(b, `"}`...)})
	})
	return s.msgs
}

// AppendJSON appends the snapshot as the document GET .../snapshot
// returns: {"seq":S,"checksum":"...","session":"...","rows":[{"key":K,"row":R},...]}.
func (s *Snapshot) AppendJSON(b []byte) []byte {
	b = append(b, `{"seq":`...)
	b = appendUint(b, s.Seq)
	b = append(b, `,"checksum":"`...)
	b = appendChecksum(b, s.Checksum)
	b = append(b, `","session":"`...)
	b = append(b, s.Session...)
	b = append(b, `","rows":`...)
	b = appendRows(b, s.rows)
	return append(b, '}')
}

func chunkBytes(rows []*row) int {
	n := 2
	for _, r := range rows {
		n += len(r.key) + len(r.data) + 18
	}
	return n
}

func appendRows(b []byte, rows []*row) []byte {
	b = append(b, '[')
	for i, r := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"key":`...)
		b = append(b, r.key...)
		b = append(b, `,"row":`...)
		b = append(b, r.data...)
		b = append(b, '}')
	}
	return append(b, ']')
}

// WindowFrom returns the retained deltas from seq on (none when seq is
// older than the window).
func (t *Table) WindowFrom(seq uint64) []*Msg {
	out, from := t.window.appendFrom(nil, seq)
	if from != seq {
		return nil
	}
	return out
}
