package ops

import (
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// changeTracker is a keyed operator that can emit the keys whose value
// changed since its last emit (count and aggregate), and expire the keys
// its ttl has passed.
type changeTracker interface {
	component.Operator
	component.StateReporter
	checkpointed
	emitChanged(out *component.Output)
	expire(now time.Time)
}

// intervalEmitter runs an operator with emit: interval: the operator
// processes and flushes as usual, and every period the changed keys are
// emitted on Tick. Owned by one actor, like the operator it wraps.
type intervalEmitter struct {
	changes changeTracker
	every   time.Duration
	last    time.Time // when changes were last emitted
}

// Process hands the batch to the operator.
func (e *intervalEmitter) Process(port int, in []event.Event, out *component.Output) error {
	return e.changes.Process(port, in, out)
}

// Flush flushes the operator (which emits the remaining changes).
func (e *intervalEmitter) Flush(out *component.Output) error { return e.changes.Flush(out) }

// TickEvery asks the runtime to tick once per period.
func (e *intervalEmitter) TickEvery() time.Duration { return e.every }

// Tick emits the changed keys once at least every has passed since the
// last emit, then expires the keys the operator's ttl has passed: expiring
// right after an emit, when no key holds an unemitted change, means that
// every change is emitted before its key can go. The runtime may tick
// more often than asked.
func (e *intervalEmitter) Tick(now time.Time, out *component.Output) error {
	if now.Sub(e.last) < e.every {
		return nil
	}
	e.last = now
	e.changes.emitChanged(out)
	e.changes.expire(now)
	return nil
}

// StateStats returns the operator's state figures.
func (e *intervalEmitter) StateStats() component.StateStats { return e.changes.StateStats() }
