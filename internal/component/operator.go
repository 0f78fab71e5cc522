package component

import (
	"time"

	"github.com/greenwave/greenwave/internal/event"
)

// Operator is a transform or sink instance. It is owned by one actor and
// called from one goroutine at a time; it needs no locking.
type Operator interface {
	// Process consumes one batch of events that arrived on input port (the
	// index in `inputs:`) and appends any results to out. The events are only
	// valid during the call. An error stops the tenant and is reported with
	// the tenant and operator name.
	Process(port int, in []event.Event, out *Output) error
	// Flush is called once, after every input has finished and been
	// drained; stateful operators emit what they still hold. Sinks flush and
	// close their writer here.
	Flush(out *Output) error
}

// InPlace is implemented by stateless operators whose output is a subset of
// their input, each event possibly rewritten (filter, map, key_by). Fused
// chains call Apply on a batch in place instead of copying it through
// Process.
type InPlace interface {
	// Apply rewrites in in place and returns the events to keep, in order,
	// as a prefix of in (it may reorder events by moving kept ones forward).
	Apply(in []event.Event) ([]event.Event, error)
}

// KeyReader is implemented by an operator that can say whether it reads
// its input events' Event.Key; one that does not implement it is taken to
// read it. ReadsKey is called before the tenant starts and must not change.
type KeyReader interface {
	ReadsKey() bool
}

// KeySetter is implemented by an operator whose work is setting
// Event.Key (key_by). SkipKey, called before the tenant starts, tells it
// that the stage after it in its fused chain does not read the key (a
// KeyReader saying so), so it may pass its events on as they are.
type KeySetter interface {
	SkipKey()
}

// Ticker is implemented by operators that act on the passage of wall time
// (periodic emits, flushing an idle file). The runtime calls Tick at least
// every TickEvery while the operator runs.
type Ticker interface {
	TickEvery() time.Duration
	Tick(now time.Time, out *Output) error
}

// Source is a source instance, owned by one actor.
type Source interface {
	// Read appends up to max events to out and must not block for long.
	// Done reports that the source is exhausted (a file read to its end, a
	// generator that reached its count); Read is not called again after.
	// When nothing is ready yet (a paced generator), Read returns with
	// nothing appended and Idle set to how long to wait before calling again
	// (a source that knows when its next events are due may set Idle with
	// events too, saving a turn that would find nothing);
	// a push source whose queue is empty sets Idle to PushReady and calls
	// Context.Wake when events arrive.
	Read(out *Output, max int) (ReadResult, error)
	// Close releases the source's resources. It is called once, also after
	// an error or when the tenant is stopped early.
	Close() error
}

// ReadResult is what Source.Read reports besides the events.
type ReadResult struct {
	Done bool
	Idle time.Duration
}

// Output is a reusable buffer of events an instance appends to. Its event
// slots keep their Fields arrays across Reset, so the steady state does not
// allocate. The zero Output is ready to use; it is not safe for concurrent
// use.
type Output struct {
	events []event.Event
	n      int
	sides  []*Output
}

// Next returns a fresh, empty event slot at the end of the output. The
// caller fills it; Fields has length 0 and keeps its capacity.
func (o *Output) Next() *event.Event {
	if o.n == len(o.events) {
		o.events = append(o.events, event.Event{})
	}
	e := &o.events[o.n]
	o.n++
	e.Reset()
	return e
}

// Emit appends a copy of e.
func (o *Output) Emit(e *event.Event) {
	o.Next().CopyFrom(e)
}

// Unemit removes the last event returned by Next (for example when it
// turned out to be invalid half way through filling it).
func (o *Output) Unemit() {
	if o.n > 0 {
		o.n--
	}
}

// Len is the number of events in the output.
func (o *Output) Len() int { return o.n }

// Events returns the events appended since the last Reset. The slice is
// valid until the next call that modifies o.
func (o *Output) Events() []event.Event { return o.events[:o.n] }

// Reset empties the output (and its side outputs), keeping capacity.
func (o *Output) Reset() {
	o.n = 0
	for _, s := range o.sides {
		s.Reset()
	}
}

// Side returns side output i (in Spec.SideOutputs order), creating it on
// first use.
func (o *Output) Side(i int) *Output {
	for len(o.sides) <= i {
		o.sides = append(o.sides, &Output{})
	}
	return o.sides[i]
}

// Sides returns the side outputs created so far.
func (o *Output) Sides() []*Output { return o.sides }

// WatermarkAware is implemented by operators that act on event time
// (windows, joins). The runtime calls OnWatermark when the operator's input
// watermark — the minimum over its non-idle inputs — advances to wm (unix
// nanoseconds; event.MaxWatermark when every input has ended or the tenant
// is stopping). The operator emits what the watermark completes (closed
// windows) into out, and may drop state that wm has made unreachable. It is
// called from the operator's own goroutine, between Process calls, never
// concurrently with them.
type WatermarkAware interface {
	OnWatermark(wm int64, out *Output) error
}
