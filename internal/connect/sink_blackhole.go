package connect

import (
	"sync/atomic"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

func blackholeSpec() *component.Spec {
	return &component.Spec{
		Type:     "blackhole",
		Kind:     component.KindSink,
		Parallel: true,
		Doc:      "Counts and discards events. Useful to measure a pipeline without the cost of output.",
		New: func(*component.Context) (*component.Instance, error) {
			return &component.Instance{Operator: &Blackhole{}}, nil
		},
	}
}

// Blackhole is the blackhole sink instance: it counts the events it
// receives and discards them. Process is called by its one actor; Count may
// be called from any goroutine. The count is updated once per batch.
type Blackhole struct {
	n atomic.Int64
}

// Process counts the batch.
func (b *Blackhole) Process(_ int, in []event.Event, _ *component.Output) error {
	b.n.Add(int64(len(in)))
	return nil
}

// Flush does nothing.
func (b *Blackhole) Flush(*component.Output) error { return nil }

// Count returns the number of events received so far.
func (b *Blackhole) Count() int64 { return b.n.Load() }
