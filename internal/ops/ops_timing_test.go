package ops

import (
	"strconv"
	"testing"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// benchBatch is a batch of 1024 log events over 64 hosts.
func benchBatch() []event.Event {
	batch := make([]event.Event, 1024)
	for i := range batch {
		batch[i] = logEvent("host-"+strconv.Itoa(i%64), int64(200+(i*37)%400),
			i64(int64(i*100)), f64(float64(i%300)), boolV(i%2 == 0), tm(int64(i)), str("/p"))
	}
	return batch
}

// benchOp reports the cost per event of running batches through Apply (or
// Process when the operator is not InPlace).
func benchOp(b *testing.B, spec *component.Spec, key []string, opts map[string]any) {
	ctx := newCtx(b, "x", opts)
	ctx.Key = key
	op := build(b, spec, ctx).Operator
	src := benchBatch()
	work := clone(src)
	var out component.Output
	ip, inPlace := op.(component.InPlace)
	b.ReportAllocs()
	for b.Loop() {
		if inPlace {
			for i := range work {
				work[i].CopyFrom(&src[i])
			}
			if _, err := ip.Apply(work); err != nil {
				b.Fatal(err)
			}
		} else {
			out.Reset()
			if err := op.Process(0, src, &out); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(src)), "ns/event")
}

func BenchmarkFilter(b *testing.B) {
	benchOp(b, FilterSpec(), nil, map[string]any{"condition": `status >= 500 and host != "host-3"`})
}

func BenchmarkMap(b *testing.B) {
	benchOp(b, MapSpec(), nil, map[string]any{"fields": map[string]string{"bits": "bytes * 8", "slow": "latency > 250.0"}})
}

func BenchmarkKeyBy(b *testing.B) {
	benchOp(b, KeyBySpec(), nil, map[string]any{"key": []string{"host", "status"}})
}

func BenchmarkCount(b *testing.B) {
	for _, mode := range []string{"update", "flush"} {
		b.Run(mode, func(b *testing.B) {
			benchOp(b, CountSpec(), []string{"host"}, map[string]any{"emit": mode})
		})
	}
	// The naive design: a map keyed by the key's text, a string built per
	// event.
	b.Run("naive-string-map", func(b *testing.B) {
		src := benchBatch()
		counts := map[string]int64{}
		b.ReportAllocs()
		for b.Loop() {
			for i := range src {
				counts[string(src[i].Get(0).AppendText(nil))]++
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(src)), "ns/event")
	})
}
