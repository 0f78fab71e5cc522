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

// TestStateValidation: configurations whose state cannot be bounded, or
// whose work cannot finish, are reported at the option, with the limit.
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
		{"too many hopping windows", `  w:
    type: window
    inputs: [gen]
    key: [key]
    window: hopping
    size: 1h
    slide: 10ms
    aggregates: {n: count()}
`, `test.yaml:11:12: transform "w": option "slide": size 1h0m0s / slide 10ms puts every event in 360000 windows, at most 10000 are allowed (raise slide or shorten size)`},
		{"too many hopping windows in a join", `  w:
    type: join
    inputs: [gen, gen2]
    mode: window
    window: hopping
    size: 1d
    slide: 1s
    left_key: [key]
    right_key: [key]
    right_prefix: r_
`, `test.yaml:11:12: transform "w": option "slide": size 24h0m0s / slide 1s puts every event in 86400 windows, at most 10000 are allowed (raise slide or shorten size)`},
		{"lateness beyond a year", `  w:
    type: window
    inputs: [gen]
    key: [key]
    window: tumbling
    size: 1m
    allowed_lateness: 400d
    aggregates: {n: count()}
`, `test.yaml:11:23: transform "w": option "allowed_lateness": 400d is more than the 366d that window and join state may be kept`},
		{"a session gap beyond a year", `  w:
    type: window
    inputs: [gen]
    key: [key]
    window: session
    gap: 500d
    aggregates: {n: count()}
`, `test.yaml:10:10: transform "w": option "gap": 500d is more than the 366d that window and join state may be kept`},
		{"an interval join bound beyond a year", `  w:
    type: join
    inputs: [gen, gen2]
    mode: interval
    upper: 1000d
    left_key: [key]
    right_key: [key]
    right_prefix: r_
`, `test.yaml:9:12: transform "w": option "upper": 1000d is more than the 366d that window and join state may be kept`},
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
