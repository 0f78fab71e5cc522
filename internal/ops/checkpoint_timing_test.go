package ops

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// largeState builds an operator of spec with opts (keyed by host) holding
// keys distinct hosts, each in panes windows a minute apart (panes 1 for
// count), and returns it.
func largeState(b *testing.B, spec *component.Spec, opts map[string]any, keys, panes int) component.Operator {
	b.Helper()
	opts["max_keys"], opts["max_state"] = int64(keys*panes+1), int64(1<<50)
	ctx := newCtx(b, "big", opts)
	ctx.Key = []string{"host"}
	op := build(b, spec, ctx).Operator
	var out component.Output
	batch := make([]event.Event, 0, 512)
	flush := func() {
		out.Reset()
		if err := op.Process(0, batch, &out); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	for p := range panes {
		for k := range keys {
			e := logEvent(fmt.Sprintf("host-%07d", k), int64(k%5), i64(int64(k%1000)))
			e.Time = t0.Add(time.Duration(p) * time.Minute).UnixNano()
			batch = append(batch, e)
			if len(batch) == cap(batch) {
				flush()
			}
		}
	}
	flush()
	return op
}

// checkpointStates are the large states the timing tests snapshot: count
// over a million keys, and a tumbling window holding four open minutes of
// 250,000 keys each, with exact aggregates and with sketches.
var checkpointStates = []struct {
	name        string
	spec        func() *component.Spec
	opts        func() map[string]any
	keys, panes int
}{
	{"count/1M-keys", CountSpec, func() map[string]any { return map[string]any{"emit": "flush"} }, 1_000_000, 1},
	{"window/4x250k-keys/exact", WindowSpec, func() map[string]any {
		return map[string]any{"window": "tumbling", "size": time.Minute,
			"aggregates": map[string]string{"n": "count()", "total": "sum(bytes)", "hi": "max(status)"}}
	}, 250_000, 4},
	{"window/4x250k-keys/sketches", WindowSpec, func() map[string]any {
		return map[string]any{"window": "tumbling", "size": time.Minute,
			"aggregates": map[string]string{"n": "count()", "p90": "percentile(bytes, 0.9)", "paths": "count_distinct(status)"}}
	}, 250_000, 4},
}

// BenchmarkSnapshot measures Snapshot of large states. MB/s is the blob
// written per second; heap-MB/s is the heap the state took to build (live
// bytes after a collection, heap-MB) per second of snapshot; state-MB/s is
// the operator's own estimate of the state it holds (StateStats.Bytes,
// which counts sketches at their largest) per second.
func BenchmarkSnapshot(b *testing.B) {
	for _, s := range checkpointStates {
		b.Run(s.name, func(b *testing.B) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			op := largeState(b, s.spec(), s.opts(), s.keys, s.panes)
			runtime.GC()
			runtime.ReadMemStats(&after)
			heap := float64(after.HeapAlloc) - float64(before.HeapAlloc)
			cp := op.(component.Checkpointer)
			blob, err := cp.Snapshot(nil)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(blob)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if blob, err = cp.Snapshot(blob[:0]); err != nil {
					b.Fatal(err)
				}
			}
			perOp := b.Elapsed().Seconds() / float64(b.N)
			state := op.(component.StateReporter).StateStats().Bytes
			b.ReportMetric(float64(state)/1e6/perOp, "state-MB/s")
			b.ReportMetric(heap/1e6/perOp, "heap-MB/s")
			b.ReportMetric(heap/1e6, "heap-MB")
			b.ReportMetric(float64(len(blob))/1e6, "blob-MB")
			runtime.KeepAlive(op)
		})
	}
}

// BenchmarkRestore measures Restore of the same states into new
// instances; MB/s is the blob read per second.
func BenchmarkRestore(b *testing.B) {
	for _, s := range checkpointStates {
		b.Run(s.name, func(b *testing.B) {
			op := largeState(b, s.spec(), s.opts(), s.keys, s.panes)
			blob, err := op.(component.Checkpointer).Snapshot(nil)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(blob)))
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				fresh := largeState(b, s.spec(), s.opts(), 0, 0)
				b.StartTimer()
				if err := fresh.(component.Checkpointer).Restore(blob); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
