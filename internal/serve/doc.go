// Package serve keeps live result tables and serves them to subscribers as
// a snapshot followed by sequenced deltas: the `serve` sink.
//
// A Table holds the latest row per key. Every change (an upsert with the
// row's absolute values, or a delete) takes the next number of the table's
// sequence and is encoded once, as the protocol message every subscriber
// receives byte for byte. The table keeps a bounded window of recent deltas
// (the retransmission buffer a subscriber resumes from with ?from=SEQ) and
// an order-independent checksum of its rows, so a client can check its copy.
//
// The sink's Process runs on an engine worker and never waits on a
// subscriber: it updates the table, appends the encoded deltas to the
// window and wakes the table's fan-out writers. The writers, a small fixed
// set of goroutines (Config.Writers), move new deltas into each
// subscriber's bounded queue, at most every Config.FrameInterval (and
// spending at most Config.WriterShare of a core), and write each WebSocket
// or TCP subscriber's batch to its socket themselves: one non-blocking
// writev of the same encoded bytes for every subscriber, framed here
// (framing.go, sock.go) — or, with Config.BatchSends, a pass's writes
// made together, one io_uring system call per 256 subscribers (batch.go,
// uring_linux.go). What a socket does not take at once, a snapshot,
// and an SSE subscriber's batch go to the subscriber's own goroutine,
// which may block on its socket within write_timeout. A subscriber whose queue overflows is resynced (its
// queue is dropped, it gets a gap message and a fresh snapshot when it
// reads again) or disconnected, per its policy; with frames, one whose
// owed deltas left the window is first caught up from the table's rows
// in one frame, without a gap (catchup.go). The pipeline and the other
// subscribers do not notice. Writers 0 gives the naive layout for
// comparison: every subscriber's goroutine is woken by the sink and reads
// the window itself.
//
// The sink is checkpointed (table_checkpoint.go): a restarted run serves
// the table as of its checkpoint, in a new session, so that a client
// resuming across the restart gets a snapshot rather than deltas that do
// not follow its copy.
//
// Tables are served over HTTP (one server per address, shared by the
// tables of the process that name it): a JSON snapshot, a WebSocket or
// Server-Sent Events stream, and a plain TCP line protocol. The protocol is
// specified in docs/serve-protocol.md.
package serve
