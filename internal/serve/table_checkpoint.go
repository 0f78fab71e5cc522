package serve

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/greenwave/greenwave/internal/agg"
)

// A table's state, as the serve sink checkpoints it (AppendState) and a
// restarted sink restores it (RestoreState):
//
//	version(1)
//	seq(uvarint) checksum(u64) watermark(varint) evicted(uvarint) expired(uvarint)
//	rows(uvarint), then per row in the table's row order:
//	    key(uvarint length, text) row(uvarint length, text)
//	    touched(varint, unix ns) size(uvarint)
//	recency(uvarint: 0, or the row count), then that many row indexes,
//	    least recently updated first
//	crc32c(4, little-endian) of everything before it
//
// touched is the processing time (the sink's clock) of the row's last
// update, absolute: a restored row expires ttl after that update by the
// wall clock, however long the restart took, not ttl after the restore, so
// rows whose ttl passed while the process was down are deleted at the
// restored sink's first tick, as delete deltas S+1, S+2, …. size is the
// row's share of max_state as it was counted (with the delta that set it),
// so the restored table fills up and evicts as the old one would have. The
// key ids, recency generations and the window of recent deltas are not
// kept: a restored table starts with an empty window at its sequence
// number, each row holding a copy of its key and row texts.
const stateVersion = 1

// ErrBadState is wrapped by the error of RestoreState given bytes that are
// not a table state of this version: another version, truncated, altered,
// or inconsistent (a repeated key, a checksum its rows do not add up to).
var ErrBadState = errors.New("bad serve table state")

var stateCRC = crc32.MakeTable(crc32.Castagnoli)

// AppendState appends the table's state to dst: its sequence number,
// checksum, rows, their recency and update times, the latest event time
// and the eviction and expiry counters. It must be called by the goroutine
// that calls Apply and Expire, between two calls; it takes no lock, does
// no I/O, and allocates nothing but dst's growth.
func (t *Table) AppendState(dst []byte) []byte {
	start := len(dst)
	b := append(dst, stateVersion)
	b = binary.AppendUvarint(b, t.w.seq)
	b = binary.LittleEndian.AppendUint64(b, t.w.sum)
	b = binary.AppendVarint(b, t.watermark.Load())
	b = binary.AppendUvarint(b, t.w.evicted)
	b = binary.AppendUvarint(b, t.w.expired)
	// mu.rows is written only by commit, on this goroutine: no lock.
	rows := t.mu.rows
	if int64(len(rows)) != t.w.count {
		panic("BUG: serve: the table's rows and its count differ between batches")
	}
	b = binary.AppendUvarint(b, uint64(len(rows)))
	for _, r := range rows {
		b = binary.AppendUvarint(b, uint64(len(r.key)))
		b = append(b, r.key...)
		b = binary.AppendUvarint(b, uint64(len(r.data)))
		b = append(b, r.data...)
		b = binary.AppendVarint(b, r.touched)
		b = binary.AppendUvarint(b, uint64(r.size))
	}
	if t.w.fifo == nil {
		b = binary.AppendUvarint(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(rows)))
		n := 0
		for _, e := range t.w.fifo[t.w.fifoHead:] {
			if e.r.live && e.r.gen == e.gen {
				b = binary.AppendUvarint(b, uint64(e.r.pos))
				n++
			}
		}
		if n != len(rows) {
			panic(fmt.Sprintf("BUG: serve: the recency order holds %d of %d rows", n, len(rows)))
		}
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], stateCRC))
}

// tableState is a decoded state, checked whole, ready to install.
type tableState struct {
	seq, sum         uint64
	watermark        int64
	evicted, expired uint64
	rows             []*row // in the table's row order
	index            map[string]*row
	order            []int // row indexes, least recently updated first (nil: none saved)
	bytes            int64
}

// RestoreState replaces the state of a new table (at sequence 0, not yet
// served or applied to) with one AppendState wrote: the table is then at
// the saved sequence number S with the saved rows and checksum, its
// window empty (a subscriber resuming from before S gets a snapshot) and
// its next delta S+1. No delta is produced. On an error the table is left
// as it was, empty.
func (t *Table) RestoreState(src []byte) error {
	st, err := decodeState(src)
	if err != nil {
		return err
	}
	return t.install(st)
}

// decodeState reads and checks a state; it keeps no reference to src.
func decodeState(src []byte) (*tableState, error) {
	if len(src) < 1+4 {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadState, len(src))
	}
	if v := src[0]; v != stateVersion {
		return nil, fmt.Errorf("%w: encoding version %d, want %d", ErrBadState, v, stateVersion)
	}
	body := src[:len(src)-4]
	if crc32.Checksum(body, stateCRC) != binary.LittleEndian.Uint32(src[len(src)-4:]) {
		return nil, fmt.Errorf("%w: crc mismatch", ErrBadState)
	}
	d := agg.NewReader(body[1:], "serve table state")
	st := &tableState{seq: d.Uvarint(), sum: d.U64(), watermark: d.Varint(), evicted: d.Uvarint(), expired: d.Uvarint()}
	n := d.Count() // each row takes at least 4 bytes
	st.rows = make([]*row, 0, n/4)
	st.index = make(map[string]*row, n/4)
	var sum uint64
	for range n {
		key, data := d.Bytes(), d.Bytes()
		touched, size := d.Varint(), d.Uvarint()
		if d.Err(false) != nil {
			break
		}
		if len(key) == 0 || len(data) == 0 {
			d.Fail("a row with an empty key or row text")
			break
		}
		if size > 1<<48 {
			d.Fail(fmt.Sprintf("row size %d out of range", size))
			break
		}
		buf := make([]byte, len(key)+len(data))
		copy(buf, key)
		copy(buf[len(key):], data)
		r := &row{key: buf[:len(key)], data: buf[len(key):], touched: touched, size: int64(size), live: true}
		if _, dup := st.index[string(r.key)]; dup {
			d.Fail(fmt.Sprintf("key %.64q repeated", r.key))
			break
		}
		st.index[string(r.key)] = r
		r.hash = RowHash(r.key, r.data)
		sum += r.hash
		st.bytes += r.size
		st.rows = append(st.rows, r)
	}
	if m := d.Count(); d.Err(false) == nil && m > 0 {
		if m != len(st.rows) {
			d.Fail(fmt.Sprintf("the recency order holds %d of %d rows", m, len(st.rows)))
		}
		placed := make([]bool, len(st.rows))
		st.order = make([]int, 0, len(st.rows))
		for range m {
			i := d.Uvarint()
			if d.Err(false) != nil {
				break
			}
			if i >= uint64(len(st.rows)) || placed[i] {
				d.Fail(fmt.Sprintf("recency entry %d is out of range or repeated", i))
				break
			}
			placed[i] = true
			st.order = append(st.order, int(i))
		}
	}
	if err := d.Err(true); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadState, err)
	}
	if sum != st.sum {
		return nil, fmt.Errorf("%w: the rows add up to checksum %s, the state says %s", ErrBadState, FormatChecksum(sum), FormatChecksum(st.sum))
	}
	if uint64(len(st.rows)) > st.seq {
		return nil, fmt.Errorf("%w: %d rows at sequence %d", ErrBadState, len(st.rows), st.seq)
	}
	return st, nil
}

// install makes a new table hold st. It must run before the table is
// served or applied to.
func (t *Table) install(st *tableState) error {
	t.mu.Lock()
	fresh := t.w.seq == 0 && len(t.mu.rows) == 0 && t.mu.snap == nil && t.srv.http == nil
	t.mu.Unlock()
	if !fresh {
		return fmt.Errorf("table %q: cannot restore a table already in use", t.cfg.Name)
	}
	for i, r := range st.rows {
		r.pos = i
		r.id = uint32(i)
	}
	t.w.index = st.index
	t.w.nextID = uint32(len(st.rows))
	if t.w.fifo != nil {
		order := st.order
		if order == nil {
			// Saved without recency (its configuration had neither
			// ttl nor evict_oldest): the row order stands in for it.
			order = make([]int, len(st.rows))
			for i := range order {
				order[i] = i
			}
		}
		t.w.fifo = make([]recent, 0, len(order))
		for _, i := range order {
			r := st.rows[i]
			t.w.gen++
			r.gen = t.w.gen
			t.w.fifo = append(t.w.fifo, recent{r: r, gen: r.gen})
		}
	}
	t.w.seq, t.w.sum = st.seq, st.sum
	t.w.count, t.w.bytes = int64(len(st.rows)), st.bytes
	t.w.evicted, t.w.expired = st.evicted, st.expired
	t.watermark.Store(st.watermark)
	t.window.restart(st.seq)
	t.mu.Lock()
	t.mu.rows = st.rows
	t.mu.seq, t.mu.sum = st.seq, st.sum
	t.mu.Unlock()
	t.pub.rows.Store(t.w.count)
	t.pub.bytes.Store(t.w.bytes)
	t.pub.evicted.Store(t.w.evicted)
	t.pub.expired.Store(t.w.expired)
	t.pub.deltas.Store(t.w.seq)
	return nil
}
