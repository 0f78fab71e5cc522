package ops

import (
	"testing"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// The benchmarks below run the operators of the engine's pipeline benchmark
// (internal/bench): a sequence source (id, key = id % 1000, value, ts),
// filter `value % 4 != 0`, then count per key with emit update.

var sequenceSchema = event.MustSchema("bench", "sequence",
	event.Field{Name: "id", Kind: event.Int},
	event.Field{Name: "key", Kind: event.Int},
	event.Field{Name: "value", Kind: event.Int},
	event.Field{Name: "ts", Kind: event.Time},
)

// sequenceBatch is a batch of 1024 sequence events starting at id first,
// with pseudo-random values (so the filter's branch is not predictable) and
// Event.Key set to the hash of key, as a key_by upstream would.
func sequenceBatch(first int64) []event.Event {
	batch := make([]event.Event, 1024)
	x := uint64(first) | 1
	for i := range batch {
		id := first + int64(i)
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		key := event.IntValue(id % 1000)
		batch[i] = event.Event{Schema: 1, Time: id, Created: id, Key: key.Hash(0), Fields: []event.Value{
			event.IntValue(id), key, event.IntValue(int64(x % 1_000_000)), event.TimeValue(id),
		}}
	}
	return batch
}

// sequenceCtx is the context of a transform over the sequence schema.
func sequenceCtx(b *testing.B, key []string, opts map[string]any) *component.Context {
	ctx := newCtx(b, "x", opts)
	in, err := ctx.Registry.Register(sequenceSchema)
	if err != nil {
		b.Fatal(err)
	}
	ctx.Inputs = []*event.Schema{in}
	ctx.Key = key
	return ctx
}

// BenchmarkSequenceFilter: Apply with the pipeline's condition; about 3 in 4
// events are kept. The batch is refreshed by CopyFrom before each Apply, as
// a ring would hand it over; ns/event includes that copy (about 2 ns),
// reported on its own by the copy-only case.
func BenchmarkSequenceFilter(b *testing.B) {
	run := func(b *testing.B, apply func([]event.Event)) {
		src := sequenceBatch(0)
		work := clone(src)
		b.ReportAllocs()
		for b.Loop() {
			for i := range work {
				work[i].CopyFrom(&src[i])
			}
			apply(work)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(src)), "ns/event")
	}
	b.Run("value%4!=0", func(b *testing.B) {
		op := build(b, FilterSpec(), sequenceCtx(b, nil, map[string]any{"condition": "value % 4 != 0"})).Operator.(component.InPlace)
		run(b, func(evs []event.Event) {
			if _, err := op.Apply(evs); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("copy-only", func(b *testing.B) { run(b, func([]event.Event) {}) })
}

// BenchmarkSequenceCount: count with emit update over 1000 int keys, keyed
// by the field `key` and, as with a key_by upstream and no key of its own,
// by Event.Key.
func BenchmarkSequenceCount(b *testing.B) {
	for _, c := range []struct {
		name string
		key  []string
	}{{"key=[key]", []string{"key"}}, {"partition-key", nil}, {"key=[key,ts]", []string{"key", "ts"}}} {
		b.Run(c.name, func(b *testing.B) {
			op := build(b, CountSpec(), sequenceCtx(b, c.key, map[string]any{"emit": "update"})).Operator
			batches := [][]event.Event{sequenceBatch(0), sequenceBatch(1024)}
			if len(c.key) > 1 {
				// A two-field key with as many groups as the one-field
				// case: ts is constant.
				for _, batch := range batches {
					for i := range batch {
						batch[i].Fields[3] = event.TimeValue(0)
					}
				}
			}
			var out component.Output
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				out.Reset()
				if err := op.Process(0, batches[n%2], &out); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1024), "ns/event")
		})
	}
}
