package agg_test

import (
	"fmt"

	"github.com/greenwave/greenwave/internal/agg"
	"github.com/greenwave/greenwave/internal/event"
)

// A window operator parses its aggregates once, then keeps one Set per key
// per window, taken from a Pool and given back when the window closes.
func Example() {
	in := event.MustSchema("acme", "plays",
		event.Field{Name: "cdn", Kind: event.String},
		event.Field{Name: "buffering_ms", Kind: event.Int},
		event.Field{Name: "play_ms", Kind: event.Int},
	)
	specs, err := agg.ParseAll(map[string]string{
		"plays":          "count()",
		"top_cdns":       "top_k(cdn, 2)",
		"rebuffer_ratio": "sum(buffering_ms) / sum(play_ms)",
	}, in)
	if err != nil {
		fmt.Println(err)
		return
	}
	layout := agg.NewLayout(specs)
	pool := agg.NewPool(layout, 1024)

	window := pool.Get()
	for _, e := range []struct {
		cdn              string
		buffering, plays int64
	}{{"akamai", 120, 30000}, {"fastly", 0, 45000}, {"akamai", 480, 25000}} {
		window.Add(&event.Event{Fields: []event.Value{
			event.StringValue(e.cdn), event.IntValue(e.buffering), event.IntValue(e.plays)}})
	}
	out := make([]event.Value, len(specs))
	window.Result(out)
	for i, f := range layout.Fields() {
		fmt.Printf("%s (%s) = %s\n", f.Name, f.Kind, out[i])
	}
	pool.Put(window)

	// Problems name the aggregate; the column is in the *agg.Error.
	_, err = agg.ParseAll(map[string]string{"p95": "percentile(startup, 0.95)"}, in)
	fmt.Println(err)
	// Output:
	// plays (int) = 3
	// rebuffer_ratio (float) = 0.006
	// top_cdns (string) = "akamai:2,fastly:1"
	// option "p95": percentile: unknown field "startup" (fields: cdn, buffering_ms, play_ms)
}
