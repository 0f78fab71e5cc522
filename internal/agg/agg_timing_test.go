package agg

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/greenwave/greenwave/internal/event"
)

// benchEvents returns n play events: cdn Zipf-skewed over 20 values,
// viewer_id over 50k, bitrate ints, startup floats (log-normal).
func benchEvents(n int) []event.Event {
	rng := rand.New(rand.NewPCG(23, 24))
	zipf := rand.NewZipf(rand.New(rand.NewPCG(25, 26)), 1.1, 1, 19)
	events := make([]event.Event, n)
	for i := range events {
		events[i] = ev(int64(i),
			"viewer_id", "viewer-"+strconv.Itoa(rng.IntN(50_000)),
			"cdn", "cdn-"+strconv.FormatUint(zipf.Uint64(), 10),
			"bitrate_kbps", 500+rng.IntN(8000),
			"startup_ms", math.Exp(rng.NormFloat64()+6),
			"buffering_ms", rng.IntN(2000),
			"play_ms", 1000+rng.IntN(60_000),
		)
	}
	return events
}

// qoe is the aggregate set of the video-QoE example pipeline.
var qoe = []string{"count()", "avg(bitrate_kbps)", "percentile(startup_ms, 0.95)", "count_distinct(viewer_id)",
	"top_k(cdn, 3)", "sum(buffering_ms) / sum(play_ms)"}

// BenchmarkAdd measures one Add per op into a Set that has warmed up (its
// sketches and counters have grown), per function.
func BenchmarkAdd(b *testing.B) {
	events := benchEvents(1 << 14)
	cases := []struct {
		name  string
		texts []string
	}{
		{"count", []string{"count()"}},
		{"count_field", []string{"count(cdn)"}},
		{"sum_int", []string{"sum(bitrate_kbps)"}},
		{"sum_float", []string{"sum(startup_ms)"}},
		{"avg", []string{"avg(bitrate_kbps)"}},
		{"min_max", []string{"min(bitrate_kbps)", "max(bitrate_kbps)"}},
		{"max_string", []string{"max(cdn)"}},
		{"first_last", []string{"first(cdn)", "last(cdn)"}},
		{"percentile", []string{"percentile(startup_ms, 0.95)"}},
		{"count_distinct", []string{"count_distinct(viewer_id)"}},
		{"top_k", []string{"top_k(cdn, 3)"}},
		{"top_k_evicting", []string{"top_k(viewer_id, 3)"}},
		{"ratio", []string{"sum(buffering_ms) / sum(play_ms)"}},
		{"qoe_all_six", qoe},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s := mustLayout(b, c.texts...).New()
			s.AddBatch(events)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				s.Add(&events[i&(len(events)-1)])
				i++
			}
		})
	}
}

// BenchmarkWindow measures whole windows of 4096 events (Get from a pool,
// Add each, Result, Put back), reported per event, for the sketches beside
// the exact naive computation (keep every value, then sort or hash).
func BenchmarkWindow(b *testing.B) {
	const n = 4096
	events := benchEvents(n)
	sslot, _ := testSchema.Slot("startup_ms")
	vslot, _ := testSchema.Slot("viewer_id")
	run := func(b *testing.B, window func()) {
		window()
		b.ReportAllocs()
		for b.Loop() {
			window()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/event")
	}
	for _, c := range []struct{ name, text string }{
		{"percentile", "percentile(startup_ms, 0.95)"},
		{"count_distinct", "count_distinct(viewer_id)"},
	} {
		b.Run(c.name+"/sketch", func(b *testing.B) {
			p := NewPool(mustLayout(b, c.text), 0)
			out := make([]event.Value, 1)
			run(b, func() {
				s := p.Get()
				s.AddBatch(events)
				s.Result(out)
				p.Put(s)
			})
		})
	}
	b.Run("percentile/exact_sort", func(b *testing.B) {
		vals := make([]float64, 0, n)
		run(b, func() {
			vals = vals[:0]
			for i := range events {
				vals = append(vals, events[i].Fields[sslot].Float())
			}
			slices.Sort(vals)
			_ = vals[int(0.95*float64(len(vals)-1))]
		})
	})
	b.Run("count_distinct/exact_map", func(b *testing.B) {
		seen := make(map[string]struct{}, n)
		run(b, func() {
			clear(seen)
			for i := range events {
				seen[events[i].Fields[vslot].S] = struct{}{}
			}
			_ = len(seen)
		})
	})
}

// BenchmarkSet measures the per-window operations on a window of 4096
// events with the QoE aggregates.
func BenchmarkSet(b *testing.B) {
	l := mustLayout(b, qoe...)
	events := benchEvents(4096)
	full := l.New()
	full.AddBatch(events)
	b.Run("Result", func(b *testing.B) {
		out := make([]event.Value, len(qoe))
		b.ReportAllocs()
		for b.Loop() {
			full.Result(out)
		}
	})
	b.Run("Merge", func(b *testing.B) {
		dst := l.New()
		b.ReportAllocs()
		for b.Loop() {
			dst.Reset()
			if err := dst.Merge(full); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendBinary", func(b *testing.B) {
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if buf, err = full.AppendBinary(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(buf)), "bytes")
	})
	b.Run("UnmarshalBinary", func(b *testing.B) {
		data, err := full.MarshalBinary()
		if err != nil {
			b.Fatal(err)
		}
		dst := l.New()
		b.ReportAllocs()
		for b.Loop() {
			if err := dst.UnmarshalBinary(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
