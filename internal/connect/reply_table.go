package connect

import (
	"sync"
	"sync/atomic"
)

// Request/reply correlation. An http source in mode request_reply stamps
// each request's event with a request id, (table id << replySeqBits) |
// sequence number, and waits on its reply table; a reply sink anywhere in
// the same process looks the table up by the id's high bits and hands the
// row to the waiting request. Tables are registered process-wide by id, so
// the sink needs no option naming the source.

const replySeqBits = 40

var (
	replyTables sync.Map // uint64 table id → *replyTable
	nextReplyID atomic.Uint64
)

// replyTable holds the requests of one source that wait for their reply.
// Safe for concurrent use.
type replyTable struct {
	id   uint64
	seq  atomic.Uint64
	mu   sync.Mutex
	wait map[uint64]chan []byte
	// unmatched counts replies that found no waiting request (it timed
	// out, or the row was emitted twice).
	unmatched atomic.Uint64
}

// newReplyTable registers a table; unregister it with close.
func newReplyTable() *replyTable {
	t := &replyTable{id: nextReplyID.Add(1), wait: map[uint64]chan []byte{}}
	replyTables.Store(t.id, t)
	return t
}

// add registers a waiting request and returns its request id and the
// channel its reply arrives on (nil when the table is closed).
func (t *replyTable) add() (int64, chan []byte) {
	seq := t.seq.Add(1) & (1<<replySeqBits - 1)
	ch := make(chan []byte, 1)
	t.mu.Lock()
	if t.wait == nil {
		t.mu.Unlock()
		return 0, nil
	}
	t.wait[seq] = ch
	t.mu.Unlock()
	return int64(t.id<<replySeqBits | seq), ch
}

// cancel forgets a request that gave up waiting; it reports false when a
// reply was delivered meanwhile (it is then in the channel).
func (t *replyTable) cancel(rid int64) bool {
	seq := uint64(rid) & (1<<replySeqBits - 1)
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.wait[seq]; !ok {
		return false
	}
	delete(t.wait, seq)
	return true
}

// deliver hands body to the request rid waits for; it reports false when
// none does.
func (t *replyTable) deliver(rid int64, body []byte) bool {
	seq := uint64(rid) & (1<<replySeqBits - 1)
	t.mu.Lock()
	ch, ok := t.wait[seq]
	if ok {
		delete(t.wait, seq)
	}
	t.mu.Unlock()
	if !ok {
		t.unmatched.Add(1)
		return false
	}
	ch <- body
	return true
}

// close unregisters the table and wakes every waiting request with a nil
// reply.
func (t *replyTable) close() {
	replyTables.Delete(t.id)
	t.mu.Lock()
	w := t.wait
	t.wait = nil
	t.mu.Unlock()
	for _, ch := range w {
		ch <- nil
	}
}

// lookupReplyTable returns the table a request id belongs to, or nil.
func lookupReplyTable(rid int64) *replyTable {
	v, ok := replyTables.Load(uint64(rid) >> replySeqBits)
	if !ok {
		return nil
	}
	return v.(*replyTable)
}
