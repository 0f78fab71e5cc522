package traps

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Scenario is a run that falls into one trap (or none).
type Scenario struct {
	// Name is the trap's name, or "healthy".
	Name string
	Doc  string
	// Workers, GoMaxProcs (0: leave as is) and Wait configure the engine.
	Workers, GoMaxProcs int
	Wait                string
	// Tenants are the pipeline files' texts, each its own tenant.
	Tenants []string
	// Drive, when set, runs beside the tenants until ctx is done, changing
	// them through replace (nil: the tenants just run).
	Drive func(ctx context.Context, replace func(text string) error)
}

// Names lists the scenarios: the five traps, then healthy.
func Names() []string {
	var out []string
	for _, s := range All() {
		out = append(out, s.Name)
	}
	return out
}

// Lookup returns the scenario of that name.
func Lookup(name string) (Scenario, error) {
	for _, s := range All() {
		if s.Name == name {
			return s, nil
		}
	}
	names := Names()
	sort.Strings(names)
	return Scenario{}, fmt.Errorf("unknown trap scenario %q (one of %s)", name, strings.Join(names, ", "))
}

// All returns every scenario.
func All() []Scenario {
	return []Scenario{
		{
			Name: "consumer-behind",
			Doc:  "a paced source at 40k events/s in front of a transform that can take about 25k/s",
			Tenants: []string{`tenant: behind
sources:
  gen: {type: generate, profile: sequence, rate: 40000, keys: 100}
transforms:
  slow: {type: burn, inputs: [gen], work: 40us, buffer: {capacity: 256}}
sinks:
  out: {type: blackhole, inputs: [slow]}
`},
		},
		{
			Name:       "too-many-threads",
			Doc:        "16 busy-spinning workers on the machine's cores, eight small tenants spread over them",
			Workers:    16,
			GoMaxProcs: 16,
			Wait:       "busy_spin",
			Tenants:    manyTenants(8),
		},
		{
			Name: "latency-inversion",
			// The busy phase runs flat out so that the worker never
			// parks there whatever the host: at a paced 100k/s a fast
			// host parks between the events too, and both phases then
			// show the same wake-up latency.
			Doc:     "one parking worker; a tenant whose rate swings every 3 s between 1k events/s and as fast as the worker can go",
			Workers: 1,
			Wait:    "park",
			Tenants: []string{waveTenant(1000)},
			Drive: func(ctx context.Context, replace func(string) error) {
				rates := []int{0, 1000} // 0: flat out
				for i := 0; ; i++ {
					select {
					case <-ctx.Done():
						return
					case <-time.After(3 * time.Second):
					}
					if err := replace(waveTenant(rates[i%2])); err != nil {
						return
					}
				}
			},
		},
		{
			Name:    "contended-state",
			Doc:     "two instances on two workers updating one map behind one mutex per event",
			Workers: 2,
			Tenants: []string{`tenant: registry
sources:
  gen: {type: generate, profile: sequence, rate: 0, keys: 1000}
transforms:
  lookup: {type: locked, inputs: [gen], key: [key], parallelism: 2}
sinks:
  out: {type: blackhole, inputs: [lookup]}
`},
		},
		{
			Name: "dispatcher-jitter",
			// Few events a tick: the trap is the late wake-ups, not the
			// volume, and a host too slow to generate the input (the race
			// detector on a busy machine) must still show it.
			Doc:     "a dispatcher releasing 5 events every 1 ms (5k/s on paper) fed 4.75k/s, its wake-ups late",
			Workers: 1,
			Wait:    "park",
			Tenants: []string{`tenant: webhook
sources:
  gen: {type: generate, profile: sequence, rate: 4750, keys: 100}
transforms:
  dispatch: {type: ticked, inputs: [gen], period: 1ms, limit: 5}
sinks:
  out: {type: blackhole, inputs: [dispatch]}
`},
		},
		{
			Name: "healthy",
			Doc:  "a keyed count at 20k events/s with interval emits, and a light transform at 5k/s",
			Tenants: []string{`tenant: counts
sources:
  gen: {type: generate, profile: sequence, rate: 20000, keys: 1000}
transforms:
  per_key: {type: count, inputs: [gen], key: [key], parallelism: 2, emit: interval, every: 1s}
sinks:
  out: {type: blackhole, inputs: [per_key]}
`, `tenant: light
sources:
  gen: {type: generate, profile: sequence, rate: 5000, keys: 10}
transforms:
  work: {type: burn, inputs: [gen], work: 5us}
sinks:
  out: {type: blackhole, inputs: [work]}
`},
		},
	}
}

func manyTenants(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf(`tenant: small-%d
sources:
  gen: {type: generate, profile: sequence, rate: 3000, keys: 100}
transforms:
  per_key: {type: count, inputs: [gen], key: [key], parallelism: 4, emit: update}
sinks:
  out: {type: blackhole, inputs: [per_key]}
`, i))
	}
	return out
}

func waveTenant(rate int) string {
	return fmt.Sprintf(`tenant: wave
sources:
  gen: {type: generate, profile: sequence, rate: %d, keys: 100}
transforms:
  keep: {type: filter, inputs: [gen], condition: 'key >= 0'}
sinks:
  out: {type: blackhole, inputs: [keep]}
`, rate)
}
