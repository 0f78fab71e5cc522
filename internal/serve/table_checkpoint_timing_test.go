package serve_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/serve"
)

// bigTable returns a table of n rows of about 90 bytes each (key and
// row), as the serve sink of a sequence generator holds; with ttl, the
// table keeps recency and update times too.
func bigTable(b *testing.B, n int, ttl time.Duration) *serve.Table {
	cfg := serve.DefaultConfig("bench")
	cfg.TTL = ttl
	tb, err := serve.NewTable(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tb.Close(time.Second) })
	ch := make([]serve.Change, 0, 1024)
	now := time.Now()
	for i := 0; i < n; i += cap(ch) {
		ch = ch[:0]
		for j := i; j < min(n, i+cap(ch)); j++ {
			ch = append(ch, serve.Change{Key: []byte("[" + strconv.Itoa(j) + "]"),
				Row: []byte(`{"id":` + strconv.Itoa(j) + `,"key":` + strconv.Itoa(j) + `,"value":123456,"ts":"2026-01-01T00:00:00.000001Z"}`)})
		}
		if err := tb.Apply(ch, 0, now); err != nil {
			b.Fatal(err)
		}
	}
	return tb
}

// BenchmarkTableState measures the serve sink's checkpoint of a 100k-row
// table: AppendState into a reused buffer (what Snapshot costs the sink
// between two batches) and RestoreState into a new table. MB/s is the
// state's bytes per second.
func BenchmarkTableState(b *testing.B) {
	const rows = 100_000
	for _, c := range []struct {
		name string
		ttl  time.Duration
	}{{"plain", 0}, {"ttl", time.Hour}} {
		tb := bigTable(b, rows, c.ttl)
		state := tb.AppendState(nil)
		b.Run("snapshot/"+c.name, func(b *testing.B) {
			b.SetBytes(int64(len(state)))
			b.ReportAllocs()
			buf := state
			for b.Loop() {
				buf = tb.AppendState(buf[:0])
			}
			b.ReportMetric(float64(len(state))/1e6, "state-MB")
		})
		b.Run("restore/"+c.name, func(b *testing.B) {
			cfg := serve.DefaultConfig("bench")
			cfg.TTL = c.ttl
			b.SetBytes(int64(len(state)))
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				fresh, err := serve.NewTable(cfg)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := fresh.RestoreState(state); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				fresh.Close(time.Second)
				b.StartTimer()
			}
		})
	}
}
