// Package scaleout runs the pipelines of one run across several greenwave
// instances (processes, on one machine or many) that share a NATS
// JetStream log.
//
// # Units
//
// A pipeline file is split into units (Split). The components downstream
// of its jetstream sources form one unit per partition of the stream they
// read: a copy of that part of the pipeline whose sources read only that
// partition, run as the tenant "<tenant>-p<k>". Every key lives in one
// partition, so every keyed operator of such a unit holds the state of its
// partition's keys and of nothing else: keyed operators are partitioned
// consistently with the subject partitions, whatever their own
// parallelism. The components not fed by a jetstream source (a generator
// publishing into the stream) form one more unit, the tenant "<tenant>".
// An aggregate over every key of the stream (not keyed by the partition's
// key) sees one partition's events in a partition unit: publish its input
// to a stream keyed by what it groups by, and read that one.
//
// # Leases
//
// An instance owns a unit while it holds the unit's lease, a key of the
// KeyValue bucket greenwave_leases ("lease.<unit>"), whose value names the
// owner and the unit's newest checkpoints. Every instance renews its
// leases and its membership key ("member.<tenant>.<instance>") every
// heartbeat, with a compare-and-set on the key's revision. An instance
// watches the bucket and counts a key as expired when its revision has not
// changed for the lease TTL while its own writes succeeded (so a bucket
// that cannot be written, a cluster electing a leader, expires nobody).
// Each instance aims at its share of the units, the number of units over
// the live members, rounded up: it takes units that are free (never owned,
// released, or expired) up to its share, and releases what it holds above
// it, checkpointing the unit first so that the next owner has nothing to
// redo. A lease is taken and renewed with compare-and-set, so of two
// instances reaching for one unit exactly one gets it, and an owner that
// finds its lease changed by someone else aborts the unit at once.
//
// # Checkpoints
//
// A unit is checkpointed into the object store greenwave_checkpoints
// (Store, an engine.CheckpointStore): the owner writes the object, then
// records its name in the lease value with a compare-and-set. An owner
// that lost its lease cannot record a checkpoint, so whoever took the unit
// over resumes from the newest checkpoint of the one who held the lease
// when it was written: fencing without a clock.
//
// # Node failures
//
// A cluster that has lost a node answers some requests with errors until
// it has elected new leaders or the node is back (no quorum, no suitable
// peers to place a replica on, no responders). New (the buckets), Add (a
// stream's partitions) and each pipeline's lease watcher try again with
// back-off meanwhile, instead of failing the instance; a watcher that ends
// is started again. A unit that fails is started again after 2 s, doubling
// to 30 s while it fails in a row; one that had run for longer than 30 s
// starts the count afresh.
package scaleout
