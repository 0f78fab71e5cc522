package component

// Checkpointer is implemented by instances whose state or position must
// survive a restart: keyed operators (their keys and aggregates, windows,
// sessions, join rows), sources (a file offset, a generator's index, what a
// network source has acknowledged) and sinks (how much of their output is
// committed).
//
// The engine checkpoints with barriers: a source snapshots its position
// and sends a barrier behind the events it read; an operator snapshots its
// state when the barrier has arrived on every input, before it processes
// anything behind it; a sink when the barrier reaches it. Snapshot is
// therefore called on the instance's own goroutine, between batches, with
// every event before the barrier processed and none after: the state it
// returns is exactly the effect of the input before the barrier. The
// checkpoint is written to disk by the engine, off the worker.
//
// Restore is called once, on a new instance, before the first Read,
// Process, Tick or OnWatermark, with the bytes a Snapshot of an instance of
// the same component (same name, type, key, options and parallelism)
// returned; the instance then continues as the snapshotted one would have.
// An error (bytes of another version or layout) makes the engine report it
// and start that component empty.
type Checkpointer interface {
	// Snapshot appends the instance's state to dst and returns the result.
	// It must not keep dst, and must not block on I/O.
	Snapshot(dst []byte) ([]byte, error)
	// Restore replaces the instance's state with src (which it must not
	// keep a reference to after returning).
	Restore(src []byte) error
}

// Committer is implemented by instances that act when a checkpoint is
// durable: a source that acknowledges its input only once a checkpoint
// holding it has committed, a sink that makes output visible at commit.
// Committed is called with the checkpoint's id (increasing) from the
// engine's checkpoint goroutine, possibly while the instance runs: it must
// be safe for that and must not block.
type Committer interface {
	Committed(id uint64)
}

// CheckpointNumbered is implemented by Checkpointers whose Committed must
// know which of their snapshots a checkpoint holds: a source that
// acknowledges its input up to the position the committed checkpoint
// recorded, while a later snapshot may already be taken. The engine calls
// Checkpointing with the checkpoint's id just before Snapshot, on the same
// goroutine.
type CheckpointNumbered interface {
	Checkpointing(id uint64)
}
