package cli

import (
	"strconv"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/greenwave/greenwave/internal/bench"
	"github.com/greenwave/greenwave/internal/loadgen"
	"github.com/greenwave/greenwave/internal/sim"
)

func vars() kong.Vars {
	return kong.Vars{
		"scenarios":        strings.Join(bench.Names(), ","),
		"sim_queue_cap":    strconv.Itoa(sim.DefaultQueueCap),
		"loadgen_profiles": strings.Join(loadgen.ProfileNames(), ", "),
	}
}
