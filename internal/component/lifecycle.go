package component

import (
	"context"
	"time"
)

// The lifecycle of an instance, as the engine drives it:
//
//  1. New builds it (also during validation, when it must touch nothing).
//  2. Open, when the instance implements Opener, acquires its resources
//     before the tenant starts. It runs on the goroutine that starts the
//     tenant, never on a worker.
//  3. Read (sources), Process, Tick and OnWatermark (transforms and sinks)
//     run on the goroutine of the instance's actor: a worker for in-memory
//     components, a goroutine of its own for a Spec with IO set. Never two
//     at once.
//  4. Flush, once, when every input has ended (sinks write out what they
//     buffer); sources get no Flush.
//  5. Close (Source.Close, or Closer for transforms and sinks), once,
//     after the final Flush, or without it when the tenant fails or its
//     start is abandoned. It runs on the actor's goroutine, or on the
//     starting goroutine when Open of another instance failed.

// Opener is implemented by instances that acquire resources before the
// tenant runs: bind a port, dial a server, create directories, open files
// for writing. The engine calls Open once per instance, before any other
// call but New, with a context that carries the start deadline; Open must
// return by then. An error fails the tenant at start (reported at the
// component's position in its pipeline file); instances already opened are
// closed and the engine's other tenants are unaffected.
type Opener interface {
	Open(ctx context.Context) error
}

// Closer is implemented by transforms and sinks that hold resources (files,
// connections, goroutines). Close is called once, as the lifecycle above
// says, and must return promptly: a component whose shutdown can block
// (a network flush) bounds it itself, with Context.CloseTimeout.
type Closer interface {
	Close() error
}

// Async is implemented by sinks that complete their writes on goroutines of
// their own (an HTTP request, a publish awaiting the log's acknowledgement).
// Process hands a batch over without blocking and returns; the sink later
// reports each completion with Context.Ack, from any goroutine.
//
// The engine counts the events in flight (handed over, not yet
// acknowledged). While they reach MaxInFlight it hands the sink nothing
// more, so the sink's input edge fills and its overflow policy applies: a
// slow consumer backs up under `block` and drops, counted, under `drop_*`.
// At the end of the stream the engine calls Flush, then waits until every
// event is acknowledged before it calls Close; a tenant that is stopping
// waits at most its stop deadline.
type Async interface {
	// MaxInFlight bounds the events handed over and not yet acknowledged
	// (at least 1). A batch is handed over whole once in-flight is below
	// the bound, so in-flight may exceed it by at most one batch.
	MaxInFlight() int
}

// Stopper is implemented by sources that must finish what they accepted
// before they end: a push source that answered its clients for events
// still in its queue. When the tenant stops, the engine calls Stop once,
// on the actor's goroutine, instead of ending the source at once, and goes
// on calling Read as before; the source stops taking new input, returns
// what it still holds, and then reports Done. Stop must not block: a
// source that waits for something (requests in flight) returns PushReady
// meanwhile and calls Context.Wake when it is done waiting. The tenant's
// stop deadline bounds the whole drain.
type Stopper interface {
	Stop()
}

// PushReady tells the engine, as ReadResult.Idle, that the source has
// nothing now and needs no turn until it calls Context.Wake (a push source
// whose queue is empty). The tenant stopping wakes it too.
const PushReady time.Duration = -1
