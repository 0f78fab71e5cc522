package registry_test

import (
	"fmt"

	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/registry"
)

func Example() {
	r := registry.New()
	clicks, _ := r.Register(event.MustSchema("acme", "clicks",
		event.Field{Name: "user", Kind: event.String},
		event.Field{Name: "ms", Kind: event.Int}))

	// A source meets a new field: the type is extended under the same ID
	// and the slots operators already resolved stay where they were.
	ext, _ := r.Register(event.MustSchema("acme", "clicks",
		event.Field{Name: "country", Kind: event.String}))
	slot, _ := ext.Slot("ms")
	fmt.Println(ext.ID == clicks.ID, ext.Names(), slot)

	// A field registered again with another kind is refused.
	_, err := r.Register(event.MustSchema("acme", "clicks", event.Field{Name: "ms", Kind: event.Float}))
	fmt.Println(err)

	// Per batch: load the snapshot once, then resolve schemas from it.
	snap := r.Snapshot()
	batch := []event.Event{{Schema: clicks.ID}, {Schema: clicks.ID}}
	for i := range batch {
		fmt.Println(snap.Schema(batch[i].Schema).Name)
	}
	// Output:
	// true [user ms country] 1
	// tenant "acme" type "clicks": field "ms" is float, already registered as int
	// clicks
	// clicks
}
