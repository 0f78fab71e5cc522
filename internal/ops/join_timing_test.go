package ops

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// The join benchmarks stream batches of 1024 events per side over 10,000
// int keys, 10µs of event time apart (each key about once per side every
// 100ms), with a watermark after every pair of batches. They cycle through
// joinBenchCycle pairs of batches, moving each one's times forward when it
// is used, which adds about 1ns per event to the figures.
var (
	benchLefts = event.MustSchema("bench", "lefts",
		event.Field{Name: "k", Kind: event.Int}, event.Field{Name: "v", Kind: event.Int}, event.Field{Name: "ts", Kind: event.Time})
	benchRights = event.MustSchema("bench", "rights",
		event.Field{Name: "k", Kind: event.Int}, event.Field{Name: "w", Kind: event.Int}, event.Field{Name: "ts", Kind: event.Time})
)

const (
	joinBenchKeys  = 10_000
	joinBenchBatch = 1024
	joinBenchStep  = int64(10 * time.Microsecond)
	joinBenchCycle = 10
)

// joinBatches returns joinBenchCycle pairs of batches (left, right) of
// size events each, step ns of event time apart, over keys int keys in a
// scrambled order (each key once per side and cycle when keys is
// joinBenchCycle*size), Key set as key_by would.
func joinBatches(keys, size int, step int64) [][2][]event.Event {
	bs := make([][2][]event.Event, joinBenchCycle)
	for c := range bs {
		for side := range bs[c] {
			bs[c][side] = make([]event.Event, size)
			for i := range bs[c][side] {
				g := c*size + i
				k := i64(int64((g*7919 + side*13) % keys))
				t := int64(g) * step
				bs[c][side][i] = event.Event{Schema: uint32(side + 1), Time: t, Created: t, Key: k.Hash(0),
					Fields: []event.Value{k, i64(int64(g)), tm(t)}}
			}
		}
	}
	return bs
}

// advance moves a pair of batches one cycle forward in event time.
func advance(pair [2][]event.Event, step int64) {
	for side := range pair {
		for i := range pair[side] {
			pair[side][i].Time += joinBenchCycle * int64(len(pair[side])) * step
		}
	}
}

// benchJoin runs the join built from opts over the stream, after a warm-up
// that grows its state to the working size, and reports ns and
// allocations per input event and output rows per input event.
func benchJoin(b *testing.B, opts map[string]any) {
	opts["left_key"], opts["right_key"], opts["right_prefix"] = []string{"k"}, []string{"k"}, "r_"
	op := build(b, JoinSpec(), newJoinCtx(b, opts, benchLefts, benchRights)).Operator
	wa, _ := op.(component.WatermarkAware)
	cycle := joinBatches(joinBenchKeys, joinBenchBatch, joinBenchStep)
	var out component.Output
	n := 0
	step := func() {
		batches := cycle[n%joinBenchCycle]
		n++
		out.Reset()
		for side := range batches {
			if err := op.Process(side, batches[side], &out); err != nil {
				b.Fatal(err)
			}
		}
		if wa != nil {
			if err := wa.OnWatermark(batches[leftSide][joinBenchBatch-1].Time, &out); err != nil {
				b.Fatal(err)
			}
		}
		advance(batches, joinBenchStep)
	}
	// Warm up: the state grows to its working size in the first windows.
	for range 3 * joinBenchCycle {
		step()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mallocs := ms.Mallocs
	rows := 0
	b.ReportAllocs()
	for b.Loop() {
		step()
		rows += out.Len()
	}
	runtime.ReadMemStats(&ms)
	events := float64(b.N * 2 * joinBenchBatch)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/events, "ns/event")
	b.ReportMetric(float64(ms.Mallocs-mallocs)/events, "allocs/event")
	b.ReportMetric(float64(rows)/events, "rows/event")
}

func BenchmarkJoin(b *testing.B) {
	b.Run("window", func(b *testing.B) {
		benchJoin(b, map[string]any{"mode": "window", "window": "tumbling", "size": 100 * time.Millisecond})
	})
	b.Run("window-hopping", func(b *testing.B) {
		benchJoin(b, map[string]any{"mode": "window", "window": "hopping", "size": 100 * time.Millisecond, "slide": 50 * time.Millisecond})
	})
	b.Run("interval", func(b *testing.B) {
		benchJoin(b, map[string]any{"mode": "interval", "lower": -50 * time.Millisecond, "upper": 50 * time.Millisecond})
	})
	b.Run("table", func(b *testing.B) {
		benchJoin(b, map[string]any{"mode": "table"})
	})
	b.Run("naive-interval", benchNaiveInterval)
	b.Run("naive-table", benchNaiveTable)
}

// benchNaiveInterval is the naive interval join: per side a map from the
// key's text to cloned events, each new event matched against the other
// side's slice, and every slice filtered at each watermark.
func benchNaiveInterval(b *testing.B) {
	const lower, upper = -int64(50 * time.Millisecond), int64(50 * time.Millisecond)
	cycle := joinBatches(joinBenchKeys, joinBenchBatch, joinBenchStep)
	state := [2]map[string][]event.Event{{}, {}}
	var out component.Output
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mallocs := ms.Mallocs
	rows, n := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		batches := cycle[n%joinBenchCycle]
		n++
		out.Reset()
		for side := range batches {
			for i := range batches[side] {
				e := &batches[side][i]
				key := strconv.FormatInt(e.Fields[0].Int(), 10)
				for _, o := range state[1-side][key] {
					l, r := e, &o
					if side == rightSide {
						l, r = &o, e
					}
					if r.Time >= l.Time+lower && r.Time <= l.Time+upper {
						row := out.Next()
						row.Time = max(l.Time, r.Time)
						row.Fields = append(append(row.Fields, l.Fields...), r.Fields...)
					}
				}
				state[side][key] = append(state[side][key], e.Clone())
			}
		}
		wm := batches[leftSide][joinBenchBatch-1].Time
		for side, bound := range [2]int64{upper, -lower} {
			for key, evs := range state[side] {
				kept := evs[:0]
				for _, e := range evs {
					if e.Time+bound >= wm {
						kept = append(kept, e)
					}
				}
				if len(kept) == 0 {
					delete(state[side], key)
				} else {
					state[side][key] = kept
				}
			}
		}
		rows += out.Len()
		advance(batches, joinBenchStep)
	}
	runtime.ReadMemStats(&ms)
	events := float64(b.N * 2 * joinBenchBatch)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/events, "ns/event")
	b.ReportMetric(float64(ms.Mallocs-mallocs)/events, "allocs/event")
	b.ReportMetric(float64(rows)/events, "rows/event")
}

// benchNaiveTable is the naive table join: a map from the key's text to a
// cloned right event.
func benchNaiveTable(b *testing.B) {
	cycle := joinBatches(joinBenchKeys, joinBenchBatch, joinBenchStep)
	table := map[string]event.Event{}
	var out component.Output
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mallocs := ms.Mallocs
	rows, n := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		batches := cycle[n%joinBenchCycle]
		n++
		out.Reset()
		for i := range batches[rightSide] {
			e := &batches[rightSide][i]
			table[strconv.FormatInt(e.Fields[0].Int(), 10)] = e.Clone()
		}
		for i := range batches[leftSide] {
			e := &batches[leftSide][i]
			if r, ok := table[strconv.FormatInt(e.Fields[0].Int(), 10)]; ok {
				row := out.Next()
				row.Time = e.Time
				row.Fields = append(append(row.Fields, e.Fields...), r.Fields...)
			}
		}
		rows += out.Len()
	}
	runtime.ReadMemStats(&ms)
	events := float64(b.N * 2 * joinBenchBatch)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/events, "ns/event")
	b.ReportMetric(float64(ms.Mallocs-mallocs)/events, "allocs/event")
	b.ReportMetric(float64(rows)/events, "rows/event")
}
