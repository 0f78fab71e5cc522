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

// Catalog returns a new catalog of every built-in component type.
func Catalog() *component.Catalog {
	var specs []*component.Spec
	specs = append(specs, connect.Specs()...)
	specs = append(specs, ops.Specs()...)
	specs = append(specs, serve.Spec())
	c, err := component.NewCatalog(specs...)
	if err != nil {
		panic("BUG: built-in catalog: " + err.Error())
	}
	return c
}
