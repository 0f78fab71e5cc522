package serve_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/serve"
)

// BenchmarkApply is the sink's per-change cost: sequencing, encoding the
// delta once, the checksum, the window (no subscriber).
func BenchmarkApply(b *testing.B) {
	tb, err := serve.NewTable(serve.DefaultConfig("bench"))
	if err != nil {
		b.Fatal(err)
	}
	defer tb.Close(time.Second)
	const batch = 256
	ch := make([]serve.Change, batch)
	keys := make([][]byte, 1000)
	for i := range keys {
		keys[i] = []byte("[" + strconv.Itoa(i) + "]")
	}
	rows := make([][]byte, batch)
	for i := range rows {
		rows[i] = []byte(`{"id":` + strconv.Itoa(i) + `,"key":12,"value":12345,"ts":"2026-01-01T00:00:00.000001Z"}`)
	}
	b.ReportAllocs()
	b.ResetTimer()
	now := time.Now()
	for i := 0; i < b.N; i += batch {
		for j := range ch {
			ch[j] = serve.Change{Key: keys[(i+j)%len(keys)], Row: rows[(i/batch+j)%batch]}
		}
		if err := tb.Apply(ch, 0, now); err != nil {
			b.Fatal(err)
		}
	}
}
