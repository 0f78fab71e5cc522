// Package builtin assembles the catalog of built-in component types: the
// connectors of package connect, the operators of package ops and the
// serve sink.
package builtin

import (
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/connect"
	"github.com/greenwave/greenwave/internal/ops"
	"github.com/greenwave/greenwave/internal/serve"
)

// Catalog returns a new catalog of every built-in component type, for
// validating and documenting pipelines; its jetstream components cannot
// run (see CatalogFor).
func Catalog() *component.Catalog { return CatalogFor(nil) }

// CatalogFor returns a new catalog of every built-in component type whose
// jetstream components use n, the NATS side of a run.
func CatalogFor(n *connect.NATS) *component.Catalog {
	var specs []*component.Spec
	specs = append(specs, connect.SpecsFor(n)...)
	specs = append(specs, ops.Specs()...)
	specs = append(specs, serve.Spec())
	c, err := component.NewCatalog(specs...)
	if err != nil {
		panic("BUG: built-in catalog: " + err.Error())
	}
	return c
}
