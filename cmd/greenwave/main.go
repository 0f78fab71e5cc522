// Command greenwave is the single binary: run, validate, plan, bench, sim.
package main

import (
	"os"

	"github.com/greenwave/greenwave/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
