// Package registry is greenwave's type registry: it maps (tenant, type name)
// to schemas and schema IDs to schemas, for every pipeline in the process.
//
// The registry is read for every batch on every core and written only when a
// pipeline starts or a source meets a new type or field. It is built for that
// almost-read-only load: a read is one atomic pointer load of an immutable
// Snapshot followed by a slice index (by ID) or one hash probe (by name), and
// it writes nothing to shared memory. A read-write lock would be the trap that
// made a shared registry the bottleneck of a whole platform: every RLock and
// RUnlock is an atomic add on one counter, so the counter's cache line
// bounces between all reading cores and reads that should cost nanoseconds
// cost tens of them, growing with the number of cores.
//
// Writes use read-copy-update: Register copies the current snapshot, changes
// the copy and publishes it with an atomic store, serialized by a mutex that
// readers never touch. Readers holding an older snapshot keep a consistent
// view; the garbage collector reclaims a snapshot once no reader holds it, so
// there is no reader registration and no grace period to wait for.
//
// Schemas evolve append-only. Registering a type again with new fields
// publishes an extended schema under the same ID whose existing slots are
// unchanged, so slots that operators resolved at compile time stay valid. A
// field registered again with another kind is an error (ConflictError).
// Published schemas are never modified.
package registry
