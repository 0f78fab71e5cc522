package plan_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/plan"
	"github.com/greenwave/greenwave/internal/registry"
	"github.com/greenwave/greenwave/internal/spec"
)

var update = flag.Bool("update", false, "rewrite the golden plan files")

// TestExamplePlans compiles every example pipeline for two workers and
// compares the printed plan with testdata/<example>.plan.
func TestExamplePlans(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	cat := builtin.Catalog()
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			p, err := spec.Load(f, cat)
			if err != nil {
				t.Fatal(err)
			}
			pl, err := plan.Compile(p, plan.Options{Workers: 2, Registry: registry.New()})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.ReplaceAll(pl.String(), f, filepath.Base(f))
			golden := filepath.Join("testdata", name+".plan")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Fatalf("plan differs from %s (run with -update after checking):\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}

func compile(t *testing.T, yaml string, workers int) *plan.Plan {
	t.Helper()
	p, err := spec.Parse("test.yaml", []byte(yaml), builtin.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	pl, err := plan.Compile(p, plan.Options{Workers: workers, Registry: registry.New()})
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

// TestFusion: a linear chain of stateless transforms behind a source runs in
// the source's actor; a fan-out stops fusion; sinks never fuse.
func TestFusion(t *testing.T) {
	pl := compile(t, `
sources:
  gen: {type: generate, profile: sequence, count: 10}
transforms:
  a: {type: filter, inputs: [gen], condition: 'value > 0'}
  b: {type: key_by, inputs: [a], key: [key]}
  c: {type: count, inputs: [b], key: [key], parallelism: 3}
  d: {type: filter, inputs: [c], condition: 'count > 1'}
  e: {type: filter, inputs: [d], condition: 'true'}
  f: {type: filter, inputs: [d], condition: 'false'}
sinks:
  out1: {type: blackhole, inputs: [e]}
  out2: {type: file, inputs: [f], path: x.jsonl}
`, 2)
	var names []string
	for _, a := range pl.Actors {
		names = append(names, a.Name())
	}
	// blackhole is a Parallel sink: it fuses behind e; a file sink does not.
	want := "gen+a+b c+d#0 c+d#1 c+d#2 e+out1 f out2"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("actors %q, want %q", got, want)
	}
	// c has 3 instances fed by one producer each: 3 links, single producer.
	// e and f each read from 3 producers (c+d#0..2): up to MaxPairRings
	// producers get a single-producer ring each.
	var cLinks, multi int
	for _, l := range pl.Links {
		if l.Edge.To.Name() == "c" {
			cLinks++
			if l.Partitions != 3 {
				t.Fatalf("link into c has %d partitions", l.Partitions)
			}
		}
		if len(l.Producers) > 1 {
			multi++
		}
	}
	if cLinks != 3 || multi != 0 || len(pl.Links) != 3+3+3+1 {
		t.Fatalf("links into c: %d (want 3), multi-producer links: %d (want 0), links %d (want 10)", cLinks, multi, len(pl.Links))
	}
	// With more producers than MaxPairRings, they share one ring.
	wide := compile(t, `
sources:
  gen: {type: generate, profile: sequence, count: 10}
transforms:
  c: {type: count, inputs: [gen], key: [key], parallelism: 6}
sinks:
  out: {type: file, inputs: [c], path: x.jsonl}
`, 2)
	multi = 0
	for _, l := range wide.Links {
		if len(l.Producers) == 6 {
			multi++
		}
	}
	if multi != 1 {
		t.Fatalf("6 producers into one sink: %d shared multi-producer links, want 1", multi)
	}
	// Placement balances weight (components run, plus one for a source):
	// gen+a+b weighs 4, c+d three times 2, e+out1 2, f 1: 13 on the workers,
	// 7 and 6; out2 writes a file and runs on a goroutine of its own (-1).
	load := map[int]int{}
	for _, a := range pl.Actors {
		load[a.Worker] += len(a.Nodes)
		if a.Head().Comp.Kind == component.KindSource {
			load[a.Worker]++
		}
	}
	if load[0]+load[1] != 13 || max(load[0], load[1]) != 7 || load[-1] != 1 {
		t.Fatalf("worker loads %v, want 7 and 6 on the workers and 1 on its own goroutine", load)
	}
}

// TestCompileErrorsArePositioned: a field the input does not have is
// reported at the option, with the component.
func TestCompileErrorsArePositioned(t *testing.T) {
	p, err := spec.Parse("bad.yaml", []byte(`sources:
  gen: {type: generate, profile: sequence, count: 10}
transforms:
  counts:
    type: count
    inputs: [gen]
    key: [nope]
sinks:
  out: {type: blackhole, inputs: [counts]}
`), builtin.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	_, err = plan.Compile(p, plan.Options{Workers: 1, Registry: registry.New()})
	if err == nil {
		t.Fatal("compiled a count keyed by a missing field")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "bad.yaml:7:") || !strings.Contains(msg, `transform "counts"`) || !strings.Contains(msg, `"nope"`) {
		t.Fatalf("error %q lacks position, component or value", msg)
	}
}

// TestKeyedFusion: a keyed operator with parallelism 1 that does not act on
// event time runs in its single-instance upstream's actor; one with
// parallelism above 1, one behind a parallel upstream, and one acting on
// event time (a window) head actors of their own.
func TestKeyedFusion(t *testing.T) {
	actorsOf := func(pl *plan.Plan) []string {
		var out []string
		for _, a := range pl.Actors {
			out = append(out, a.Name())
		}
		return out
	}
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"count behind its source", `
sources:
  gen: {type: generate, profile: sequence, rate: 10}
transforms:
  per_key: {type: count, inputs: [gen], key: [key]}
sinks:
  out: {type: blackhole, inputs: [per_key]}
`, []string{"gen+per_key+out"}},
		{"parallelism 2", `
sources:
  gen: {type: generate, profile: sequence}
transforms:
  per_key: {type: count, inputs: [gen], key: [key], parallelism: 2}
sinks:
  out: {type: blackhole, inputs: [per_key]}
`, []string{"gen", "per_key+out#0", "per_key+out#1"}},
		{"parallel upstream", `
sources:
  gen: {type: generate, profile: sequence, parallelism: 2}
transforms:
  per_key: {type: count, inputs: [gen], key: [key]}
sinks:
  out: {type: blackhole, inputs: [per_key]}
`, []string{"gen#0", "gen#1", "per_key+out"}},
		{"a window acts on event time", `
sources:
  gen: {type: generate, profile: sequence}
transforms:
  per_minute: {type: window, inputs: [gen], key: [key], window: tumbling, size: 1m, aggregates: {n: count()}}
sinks:
  out: {type: blackhole, inputs: [per_minute]}
`, []string{"gen", "per_minute+out"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := actorsOf(compile(t, c.yaml, 2))
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Fatalf("actors %v, want %v", got, c.want)
			}
		})
	}
}
