// Command benthos-file is Redpanda's Benthos core with the components the
// side-by-side workloads use (file input and output, mapping, windows), so
// that scripts/peer-benthos runs the same workloads on it and on greenwave.
// It is a module of its own: greenwave does not depend on it.
package main

import (
	"context"

	_ "github.com/redpanda-data/benthos/v4/public/components/io"
	_ "github.com/redpanda-data/benthos/v4/public/components/pure"
	"github.com/redpanda-data/benthos/v4/public/service"
)

func main() {
	service.RunCLI(context.Background())
}
