package cli

import (
	"strings"

	"github.com/alecthomas/kong"

	"github.com/greenwave/greenwave/internal/bench"
)

func vars() kong.Vars {
	return kong.Vars{"scenarios": strings.Join(bench.Names(), ",")}
}
