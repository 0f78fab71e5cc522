package scaleout

import (
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/spec"
)

const splitYAML = `tenant: qoe
sources:
  gen: {type: generate, profile: sequence, count: 10}
  events:
    type: jetstream
    stream: QOE
    subject: qoe
    schema: {key: int, id: int}
transforms:
  odd: {type: filter, inputs: [events], condition: "id % 2 == 1"}
  per_key: {type: count, inputs: [odd], key: [key], parallelism: 2}
sinks:
  feed: {type: jetstream, inputs: [gen], stream: QOE, subject: qoe, key: [key]}
  counts: {type: file, inputs: [per_key], path: out/counts.jsonl}
`

func parseYAML(t *testing.T, yaml string) *spec.Pipeline {
	t.Helper()
	p, err := spec.Parse("qoe.yaml", []byte(yaml), builtin.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func names(p *spec.Pipeline) string {
	var n []string
	for _, c := range p.Components {
		n = append(n, c.Name)
	}
	return strings.Join(n, ",")
}

// TestSplitCutsPartitionsAndTheRest: what the jetstream source feeds runs
// once per partition, reading that partition, with a file of its own; the
// generator and its sink run once.
func TestSplitCutsPartitionsAndTheRest(t *testing.T) {
	p := parseYAML(t, splitYAML)
	units, err := Split(p, func(*spec.Component) (int, error) { return 3, nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != 4 {
		t.Fatalf("%d units, want 3 partitions and the rest", len(units))
	}
	for k, u := range units[:3] {
		if want := "qoe-p" + string(rune('0'+k)); u.Name != want || u.Pipeline.Tenant != want || u.Partition != k {
			t.Errorf("unit %d is %q (tenant %q, partition %d)", k, u.Name, u.Pipeline.Tenant, u.Partition)
		}
		if got := names(u.Pipeline); got != "events,odd,per_key,counts" {
			t.Errorf("unit %s holds %s", u.Name, got)
		}
		if got := u.Pipeline.ByName["events"].Options.Int("partition"); got != int64(k) {
			t.Errorf("unit %s reads partition %d", u.Name, got)
		}
		if got := u.Pipeline.ByName["counts"].Options.String("path"); got != "out/counts-p"+string(rune('0'+k))+".jsonl" {
			t.Errorf("unit %s writes %q", u.Name, got)
		}
	}
	rest := units[3]
	if rest.Name != "qoe" || rest.Partition != -1 || names(rest.Pipeline) != "gen,feed" {
		t.Errorf("the rest: %q partition %d holding %s", rest.Name, rest.Partition, names(rest.Pipeline))
	}
	if names(p) != "gen,events,odd,per_key,feed,counts" || p.ByName["events"].Options.Given("partition") {
		t.Errorf("Split changed the pipeline it cut")
	}
}

// TestSplitRefusesWhatPartitionsCannotRun: a component fed by the stream
// and by something else, a source naming its partition, streams of
// different partition counts.
func TestSplitRefusesWhatPartitionsCannotRun(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{`sources:
  gen: {type: generate, profile: sequence, count: 10}
  events: {type: jetstream, stream: S, subject: s, schema: {key: int, id: int}}
transforms:
  both: {type: join, inputs: [events, gen], mode: table, left_key: [key], right_key: [key]}
sinks:
  out: {type: blackhole, inputs: [both]}
`, `transform "both": reads "events", fed by a partitioned stream, and "gen", which is not`},
		{`sources:
  events: {type: jetstream, stream: S, subject: s, partition: 2, partitions: 4, schema: {key: int}}
sinks:
  out: {type: blackhole, inputs: [events]}
`, `source "events": a pipeline run by instances reads every partition; leave partition out`},
		{`sources:
  a: {type: jetstream, stream: A, subject: a, partitions: 4, schema: {key: int}}
  b: {type: jetstream, stream: B, subject: b, partitions: 8, schema: {key: int}}
sinks:
  out: {type: blackhole, inputs: [a, b]}
`, `its stream has 8 partitions`},
	} {
		p := parseYAML(t, c.yaml)
		_, err := Split(p, func(c *spec.Component) (int, error) { return int(c.Options.Int("partitions")), nil })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Split = %v, want %q", err, c.want)
		}
	}
}
