package connect_test

import (
	"fmt"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/connect"
	"github.com/greenwave/greenwave/internal/event"
)

// A generate source feeding a stdout sink, wired by hand the way the
// runtime wires them: Read a batch, Process it.
func Example() {
	catalog, err := component.NewCatalog(connect.Specs()...)
	if err != nil {
		panic(err)
	}
	gen, _ := catalog.Lookup(component.KindSource, "generate")
	src, err := gen.New(&component.Context{Tenant: "demo", Name: "numbers", Options: component.NewOptions(map[string]any{
		"profile": "sequence", "count": int64(3), "keys": int64(2), "event_rate": float64(1),
	})})
	if err != nil {
		panic(err)
	}
	out, _ := catalog.Lookup(component.KindSink, "stdout")
	sink, err := out.New(&component.Context{Tenant: "demo", Name: "print", Inputs: []*event.Schema{src.Schema},
		Options: component.NewOptions(map[string]any{"format": "text"})})
	if err != nil {
		panic(err)
	}
	var batch component.Output
	res, _ := src.Source.Read(&batch, 100)
	if err := sink.Operator.Process(0, batch.Events(), nil); err != nil {
		panic(err)
	}
	fmt.Println("done:", res.Done)
	// Output:
	// id=0 key=0 value=832957 ts=2026-01-01T00:00:00Z
	// id=1 key=1 value=147786 ts=2026-01-01T00:00:01Z
	// id=2 key=0 value=973867 ts=2026-01-01T00:00:02Z
	// done: true
}
