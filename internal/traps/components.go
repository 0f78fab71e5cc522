package traps

import (
	"sync"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/connect"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/ops"
)

// Catalog is the built-in catalog plus the trap components.
func Catalog() *component.Catalog {
	c, err := component.NewCatalog(append(append(connect.Specs(), ops.Specs()...), BurnSpec(), LockedSpec(), TickedSpec())...)
	if err != nil {
		panic("BUG: trap catalog: " + err.Error())
	}
	return c
}

// BurnSpec is `burn`: passes events through, spinning on the CPU for
// `work` per event — a consumer slower than its producer.
func BurnSpec() *component.Spec {
	return &component.Spec{
		Type: "burn", Kind: component.KindTransform, Doc: "Passes events through, spinning on the CPU for `work` per event.",
		Options: []component.Option{{Name: "work", Type: component.Duration, Default: 20 * time.Microsecond, Doc: "CPU time spent per event."}},
		New: func(ctx *component.Context) (*component.Instance, error) {
			return &component.Instance{Operator: &burn{work: ctx.Options.Duration("work")}, Schema: ctx.Inputs[0]}, nil
		},
	}
}

type burn struct{ work time.Duration }

func (b *burn) Process(_ int, in []event.Event, out *component.Output) error {
	end := time.Now().Add(b.work * time.Duration(len(in)))
	for time.Now().Before(end) {
	}
	for i := range in {
		out.Emit(&in[i])
	}
	return nil
}

func (b *burn) Flush(*component.Output) error { return nil }

// shared is the process-wide state every `locked` instance updates.
var shared struct {
	mu     sync.Mutex
	counts map[int64]int64
}

// LockedSpec is `locked` (keyed): passes events through, counting each
// key in a map shared by every instance behind one mutex, taken per event
// — the contended registry of seed 000.
func LockedSpec() *component.Spec {
	return &component.Spec{
		Type: "locked", Kind: component.KindTransform, Keyed: true,
		Doc: "Passes events through, counting each key in one process-wide map behind a mutex taken per event.",
		New: func(ctx *component.Context) (*component.Instance, error) {
			slot, _ := ctx.Inputs[0].Slot("key")
			return &component.Instance{Operator: &locked{slot: slot}, Schema: ctx.Inputs[0]}, nil
		},
	}
}

type locked struct{ slot int }

func (l *locked) Process(_ int, in []event.Event, out *component.Output) error {
	for i := range in {
		k := in[i].Get(l.slot).Int()
		shared.mu.Lock()
		if shared.counts == nil {
			shared.counts = map[int64]int64{}
		}
		shared.counts[k]++
		// A little work under the lock, as a registry lookup does.
		for j := 0; j < 50; j++ {
			shared.counts[k] += int64(j & 1)
		}
		shared.mu.Unlock()
		out.Emit(&in[i])
	}
	return nil
}

func (l *locked) Flush(*component.Output) error { return nil }

// TickedSpec is `ticked`: a paced dispatcher. It queues what arrives and
// releases at most `limit` events each `period` — the dispatcher of seed
// 003, which does not make up for a late wake-up. Its queue holds at most
// `max_queue` events; beyond that the oldest are dropped.
func TickedSpec() *component.Spec {
	return &component.Spec{
		Type: "ticked", Kind: component.KindTransform,
		Doc: "Queues events and releases at most `limit` of them every `period`.",
		Options: []component.Option{
			{Name: "period", Type: component.Duration, Default: 2 * time.Millisecond, Doc: "The dispatch period."},
			{Name: "limit", Type: component.Int, Default: int64(40), Doc: "Most events released per tick."},
			{Name: "max_queue", Type: component.Int, Default: int64(1 << 20), Doc: "Most events queued."},
		},
		New: func(ctx *component.Context) (*component.Instance, error) {
			return &component.Instance{Operator: &ticked{period: ctx.Options.Duration("period"), limit: int(ctx.Options.Int("limit")),
				maxQueue: int(ctx.Options.Int("max_queue"))}, Schema: ctx.Inputs[0]}, nil
		},
	}
}

type ticked struct {
	period          time.Duration
	limit, maxQueue int
	queue           []event.Event
	head            int
}

func (t *ticked) Process(_ int, in []event.Event, _ *component.Output) error {
	for i := range in {
		if len(t.queue)-t.head >= t.maxQueue {
			t.head++
		}
		t.queue = append(t.queue, in[i].Clone())
	}
	return nil
}

func (t *ticked) TickEvery() time.Duration { return t.period }

func (t *ticked) Tick(_ time.Time, out *component.Output) error {
	n := min(t.limit, len(t.queue)-t.head)
	for i := 0; i < n; i++ {
		out.Emit(&t.queue[t.head+i])
	}
	t.head += n
	if t.head > 4096 && t.head*2 > len(t.queue) {
		t.queue = append(t.queue[:0], t.queue[t.head:]...)
		t.head = 0
	}
	return nil
}

func (t *ticked) Flush(out *component.Output) error {
	for i := t.head; i < len(t.queue); i++ {
		out.Emit(&t.queue[i])
	}
	t.queue, t.head = nil, 0
	return nil
}
