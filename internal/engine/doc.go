// Package engine runs compiled plans: a fixed set of worker goroutines (by
// default one per core), each running many actors cooperatively, joined by
// ring buffers.
//
// # Workers and actors
//
// A worker runs the actors that have work, each turn bounded by an event
// budget, so no actor monopolizes a worker (the lesson of seed 002: small
// units of work, often). An actor is woken when work arrives for it (see
// sched.go) and costs nothing while idle; the run queues are per tenant and
// served by deficit round robin, weighted, so a tenant running flat out
// cannot take more than its share while others have work. An actor owns its
// operators' state; nothing on the hot path is written by two workers. When
// no actor of its own has work, a worker first helps: it gives turns to the
// scheduled actors of other workers that its own actors exchange events
// with (see help.go), one goroutine at a time per actor; then it waits
// according to its wait strategy (park, spin then park, yield, busy spin).
//
// An actor whose component blocks on I/O (component.Spec.IO) runs on a
// goroutine of its own, never on a worker: a stalled write stalls only its
// edge, whose overflow policy then applies.
//
// # Edges
//
// Every edge between actors is a preallocated ring (package ring) with the
// consumer's overflow policy. Under `block` a producer whose ring is full
// keeps its batch pending and yields the worker (it never blocks the
// goroutine, so a consumer on the same worker still runs); the time it waits
// is added to the edge's blocked time. Under the drop policies the ring
// counts every drop and the consumer sees the sequence gap.
//
// # Tenants
//
// Each plan runs as a tenant with its own rings, actors and counters. A
// panic or error inside one tenant's operator fails that tenant only: its
// actors are removed from the workers and released (sources closed, sinks
// flushed and closed) on goroutines of their own, since a Close may wait on
// I/O, and the error names the tenant, the operator and the event. Other
// tenants keep running.
//
// # Shutdown
//
// Stop closes a tenant's sources; every actor then drains its inputs,
// flushes its operators (stateful operators emit what they hold, sinks flush
// their writers) and closes its outputs, so in `block` mode nothing accepted
// is lost. A tenant whose sources are all finite finishes by itself.
package engine
