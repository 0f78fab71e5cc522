package ops

import (
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/connect"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/plan"
	"github.com/greenwave/greenwave/internal/spec"
)

// compilePipeline parses and compiles a pipeline file named test.yaml on a
// one-worker engine, as `greenwave validate` does, and returns the engine,
// the plan and the error.
func compilePipeline(t *testing.T, yaml string) (*engine.Engine, *plan.Plan, error) {
	t.Helper()
	cat, err := component.NewCatalog(append(connect.Specs(), Specs()...)...)
	if err != nil {
		t.Fatal(err)
	}
	p, err := spec.Parse("test.yaml", []byte(yaml), cat)
	if err != nil {
		return nil, nil, err
	}
	e, err := engine.New(engine.Config{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	pl, err := e.Compile(p)
	return e, pl, err
}

// TestStateValidation: bad state options are reported at the option, with
// the limit.
func TestStateValidation(t *testing.T) {
	head := `sources:
  gen: {type: generate, profile: sequence}
  gen2: {type: generate, profile: sequence}
transforms:
`
	tail := `sinks:
  out: {type: blackhole, inputs: [w]}
`
	cases := []struct {
		name, transform, want string
	}{
		{"max_state below one entry", `  w:
    type: window
    inputs: [gen]
    key: [key]
    window: tumbling
    size: 1m
    max_state: 1KiB
    aggregates: {d: count_distinct(value)}
`, `test.yaml:11:16: transform "w": option "max_state": 1KiB does not hold a single entry of this operator (about `},
		{"max_keys below one", `  w:
    type: count
    inputs: [gen]
    key: [key]
    max_keys: 0
`, `test.yaml:9:15: transform "w": option "max_keys": must be at least 1, got 0`},
		{"an unknown policy", `  w:
    type: count
    inputs: [gen]
    key: [key]
    when_state_full: evict
`, `test.yaml:9:22: transform "w": option "when_state_full": "evict" is not one of "fail", "evict_oldest" (did you mean "evict_oldest"?)`},
		{"ttl on a window join", `  w:
    type: join
    inputs: [gen, gen2]
    mode: window
    window: tumbling
    size: 1s
    ttl: 1m
    left_key: [key]
    right_key: [key]
    right_prefix: r_
`, `test.yaml:11:10: transform "w": option "ttl": "ttl" is not used by window joins`},
		{"ttl on a window", `  w:
    type: window
    inputs: [gen]
    key: [key]
    window: tumbling
    size: 1s
    ttl: 1m
    aggregates: {n: count()}
`, `test.yaml:11:5: transform "w": unknown option "ttl"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := compilePipeline(t, head+c.transform+tail)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("error:\n  %v\nwant one starting with:\n  %s", err, c.want)
			}
		})
	}
}

// TestStateLimitFailsTheTenant: a count keyed on a field unique per event
// reaches max_keys; the tenant fails with an error naming the operator and
// the limit, instead of growing without bound.
func TestStateLimitFailsTheTenant(t *testing.T) {
	e, pl, err := compilePipeline(t, `tenant: limits
sources:
  gen: {type: generate, profile: sequence, count: 100000}
transforms:
  per_id:
    type: count
    inputs: [gen]
    key: [id]
    max_keys: 1000
sinks:
  out: {type: blackhole, inputs: [per_id]}
`)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := e.Run(pl)
	if err != nil {
		t.Fatal(err)
	}
	e.Start()
	select {
	case <-tn.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("the tenant did not stop")
	}
	want := `tenant "limits": operator "per_id": state limit reached: max_keys 1000 (when_state_full: fail)`
	if err := tn.Err(); err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("tenant error %v, want one starting with %q", err, want)
	}
}
