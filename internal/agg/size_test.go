package agg

import (
	"runtime"
	"testing"

	"github.com/greenwave/greenwave/internal/event"
)

// TestMaxSetBytesBoundsGrownSets: Sets whose sketches have grown as far as
// they go (thousands of distinct values, a wide range of magnitudes of both
// signs, more top_k values than counters) keep no more heap than
// MaxSetBytes each, and the bound of plain counters is small.
func TestMaxSetBytesBoundsGrownSets(t *testing.T) {
	s := event.MustSchema("t", "in",
		event.Field{Name: "v", Kind: event.Float},
		event.Field{Name: "id", Kind: event.Int})
	parse := func(m map[string]string) *Layout {
		specs, err := ParseAll(m, s)
		if err != nil {
			t.Fatal(err)
		}
		return NewLayout(specs)
	}
	small := parse(map[string]string{"n": "count()", "s": "sum(v)"})
	big := parse(map[string]string{"d": "count_distinct(id)", "p": "percentile(v, 0.5)", "top": "top_k(id, 3)"})
	if a, b := small.MaxSetBytes(), big.MaxSetBytes(); a <= 0 || a >= 1024 || b < 64*1024 {
		t.Fatalf("MaxSetBytes: %d for count and sum (want in (0, 1KiB)), %d with sketches (want >= 64KiB)", a, b)
	}

	grow := func() *Set {
		set := big.New()
		e := event.Event{Fields: make([]event.Value, 2)}
		for i := range 20000 {
			v := float64(i%4000+1) * 1e-6 * float64(int64(1)<<(i%50))
			if i%2 == 1 {
				v = -v
			}
			e.Fields[0] = event.FloatValue(v)
			e.Fields[1] = event.IntValue(int64(i))
			set.Add(&e)
		}
		return set
	}
	const n = 8
	sets := make([]*Set, 0, n)
	before := heapInUse()
	for range n {
		sets = append(sets, grow())
	}
	per := (heapInUse() - before) / n
	t.Logf("grown Set: %d bytes, bound %d", per, big.MaxSetBytes())
	runtime.KeepAlive(sets)
	if bound := big.MaxSetBytes(); per > bound || per < bound/4 {
		t.Fatalf("a grown Set keeps %d bytes; MaxSetBytes %d should bound it, and closely (within 4x)", per, bound)
	}
}

// heapInUse returns the bytes of live heap objects after a collection.
func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
