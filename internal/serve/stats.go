package serve

import (
	"slices"
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// Stats is a table's figures. Reading them takes the table's mutex once
// (for the sequence and the checksum), and each subscriber's counters
// with atomic loads.
type Stats struct {
	Name, Tenant string
	// Seq is the sequence number of the latest change, Deltas the changes
	// sequenced (equal to Seq: sequences start at 1).
	Seq, Deltas uint64
	Checksum    string
	// Rows and Bytes are what max_rows and max_state bound; Evicted and
	// Expired count the rows evict_oldest and ttl removed.
	Rows, Bytes      int64
	Evicted, Expired uint64
	// Retained, RetainedBytes and FirstRetained describe the window of
	// recent deltas; WindowEvicted counts the deltas pushed out of it.
	Retained      int
	RetainedBytes int64
	FirstRetained uint64
	WindowEvicted uint64
	// Subscribers is the number now; Subscribed, Resyncs, Disconnects,
	// Drops (deltas a subscriber did not get one by one), Messages,
	// BytesWritten and SocketWrites are totals since the table started,
	// over every subscriber it has had. SocketWrites counts the writes of
	// those messages to subscribers' sockets (a WebSocket or TCP batch
	// takes one writev, one per 64 KiB or so of a large one its
	// goroutine writes, and the rest of a direct write one more; an SSE
	// batch counts one), so
	// Messages/SocketWrites is the messages a write carries. DirectWrites
	// counts the writes a writer made itself, without waking the
	// subscriber's goroutine; Handoffs those of them the socket took only
	// in part, whose rest the goroutine wrote. SendBatches counts the
	// system calls that each made a batch of direct writes (batch_sends;
	// each write of a batch counts in SocketWrites).
	Subscribers                             int
	Subscribed, Resyncs, Disconnects, Drops uint64
	// WriteTimeouts counts the subscribers closed because a write to them
	// outlasted write_timeout (Disconnects counts when_slow: disconnect).
	WriteTimeouts                        uint64
	Messages, BytesWritten, SocketWrites uint64
	DirectWrites, Handoffs, SendBatches  uint64
	// With frames: FramesBuilt frames encoded (each once, for every
	// subscriber at its starting point), Conflated the deltas left out of
	// them for a later change of the same key, FrameBytes their bytes,
	// FramesSent the frames written to subscribers. DeltasSent counts the
	// deltas delivered: one per delta message, a frame's whole range.
	FramesBuilt, Conflated, FrameBytes, FramesSent, DeltasSent uint64
	// CatchUps counts the frames built from the table's rows for
	// subscribers behind the window (with frames, under resync): each
	// spared one a gap and a snapshot.
	CatchUps uint64
	// WriterBusy is the writers' time in passes (filling queues and
	// writing directly), all writers together.
	WriterBusy time.Duration
	MaxLag     uint64
	Writers    int
	Subs       []SubStats
	PinError   string `json:",omitempty"`
	// BatchError says why batch_sends found no io_uring, or why its
	// ring failed (empty: it did and has not, it is off, or no writer
	// has had a send to make yet).
	BatchError string        `json:",omitempty"`
	Elapsed    time.Duration `json:"-"`
}

// SubStats is one subscriber's figures.
type SubStats struct {
	ID        uint64
	Remote    string
	Transport string
	// Lag is how many deltas it is behind the table's head: the head less
	// the last sequence number written to its connection.
	Lag         uint64
	Queued      int
	QueuedBytes int64
	Resyncs     uint64
	CatchUps    uint64
	Drops       uint64
	Messages    uint64
	Bytes       uint64
	Live        bool
}

// Stats returns the table's current figures.
func (t *Table) Stats() Stats {
	t.mu.Lock()
	s := Stats{Name: t.cfg.Name, Tenant: t.cfg.Tenant, Seq: t.mu.seq, Deltas: t.mu.seq, Checksum: FormatChecksum(t.mu.sum)}
	t.mu.Unlock()
	w := t.window
	s.Retained, s.RetainedBytes = int(w.pubN.Load()), w.pubBytes.Load()
	s.FirstRetained, s.WindowEvicted = w.first.Load(), w.evicted.Load()
	s.Rows, s.Bytes = t.pub.rows.Load(), t.pub.bytes.Load()
	s.Evicted, s.Expired = t.pub.evicted.Load(), t.pub.expired.Load()
	h := &t.hub
	s.Subscribed, s.Resyncs, s.Disconnects, s.Drops = h.subscribed.Load(), h.resyncs.Load(), h.disconnects.Load(), h.drops.Load()
	s.Messages, s.BytesWritten, s.SocketWrites = h.msgs.Load(), h.bytes.Load(), h.writes.Load()
	s.FramesBuilt, s.Conflated, s.FrameBytes = h.framesBuilt.Load(), h.conflated.Load(), h.frameBytes.Load()
	s.FramesSent, s.DeltasSent = h.framesSent.Load(), h.deltasSent.Load()
	s.CatchUps, s.WriteTimeouts = h.catchUps.Load(), h.writeTimeouts.Load()
	s.DirectWrites, s.Handoffs, s.SendBatches = h.directWrites.Load(), h.handoffs.Load(), h.sendCalls.Load()
	s.WriterBusy = time.Duration(h.writerBusy.Load())
	s.Writers = len(h.writers)
	for _, w := range h.writers {
		if e := w.pinErr.Load(); e != nil {
			s.PinError = (*e).Error()
		}
		if e := w.batchErr.Load(); e != nil {
			s.BatchError = (*e).Error()
		}
	}
	subs := *h.subs.Load()
	s.Subscribers = len(subs)
	for _, sub := range subs {
		ss := SubStats{ID: sub.id, Remote: sub.remote, Transport: sub.transport,
			Resyncs: sub.resyncs.Load(), CatchUps: sub.catchUps.Load(), Drops: sub.drops.Load(), Messages: sub.msgs.Load(), Bytes: sub.bytes.Load()}
		if sent := sub.sent.Load(); s.Seq > sent {
			ss.Lag = s.Seq - sent
		}
		sub.mu.Lock()
		ss.Queued, ss.QueuedBytes, ss.Live = len(sub.mu.queue), sub.mu.bytes, sub.mu.state == stateLive
		sub.mu.Unlock()
		s.MaxLag = max(s.MaxLag, ss.Lag)
		s.Subs = append(s.Subs, ss)
	}
	slices.SortFunc(s.Subs, func(a, b SubStats) int { return int(a.ID) - int(b.ID) })
	return s
}

// StateStats reports the table's rows and the bytes of its rows and its
// window (component.StateReporter): max_state bounds the rows,
// retain_bytes the window, so MaxBytes is their sum. Safe from any
// goroutine.
func (t *Table) StateStats() component.StateStats {
	wb := t.window.pubBytes.Load()
	return component.StateStats{
		Keys: t.pub.rows.Load(), Bytes: t.pub.bytes.Load() + wb,
		Evicted: t.pub.evicted.Load(), Expired: t.pub.expired.Load(),
		MaxKeys: t.cfg.MaxRows, MaxBytes: t.cfg.MaxBytes + t.cfg.RetainBytes,
	}
}

// Close ends the table's subscriptions gracefully: every subscriber gets
// the deltas it is owed and a final progress message, then its connection
// is closed cleanly; after timeout the rest are closed at once. New
// subscriptions are refused from the start of Close. It reports whether
// every subscriber ended in time.
func (t *Table) Close(timeout time.Duration) bool {
	t.mu.Lock()
	t.mu.closed = true
	t.mu.Unlock()
	return t.hub.shutdown(timeout)
}
