package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestValidateExamples: every shipped example validates.
func TestValidateExamples(t *testing.T) {
	code, out, errs := runMain("validate", "../../examples")
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, out, errs)
	}
	for _, f := range []string{"video-qoe.yaml", "sequence-count.yaml", "clicks-from-file.yaml", "app-events.yaml", "ingest.yaml", "jetstream-qoe.yaml"} {
		if !strings.Contains(out, f) {
			t.Errorf("validate output does not list %s:\n%s", f, out)
		}
	}
}

// TestValidateReportsEveryErrorWithPosition: two problems in one file, one
// in another; all three reported, exit 1.
func TestValidateReportsEveryErrorWithPosition(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.yaml", `sources:
  gen: {type: generate, profile: sequence, count: 10, rat: 5}
transforms:
  keep: {type: filter, inputs: [gen], condition: 'valeu > 1'}
sinks:
  out: {type: blackhole, inputs: [kep]}
`)
	writeFile(t, dir, "b.yaml", `sources:
  gen: {type: generate, profile: sequence}
sinks:
  out: {type: stdot, inputs: [gen]}
`)
	code, _, errs := runMain("validate", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, errs)
	}
	for _, want := range []string{
		`a.yaml:2:55: source "gen": unknown option "rat" (did you mean "rate"?)`,
		`a.yaml:6:35: sink "out": unknown input "kep" (did you mean "keep"?)`,
		`b.yaml:4:15: sink "out": unknown sink type "stdot" (did you mean "stdout"?)`,
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
}

// TestValidateCompileErrors: an expression over a field that does not
// exist is reported at its column.
func TestValidateCompileErrors(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "c.yaml", `sources:
  gen: {type: generate, profile: sequence}
transforms:
  keep:
    type: filter
    inputs: [gen]
    condition: 'value > 1 and valeu < 9'
sinks:
  out: {type: blackhole, inputs: [keep]}
`)
	code, _, errs := runMain("validate", f)
	if code != 1 || !strings.Contains(errs, `c.yaml:7:31: transform "keep": option "condition": unknown field "valeu" (did you mean "value"?)`) {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
}

// TestRunFiniteTenantsFinish: finite tenants drain and finish by
// themselves; run exits 0 and prints a summary line per tenant.
func TestRunFiniteTenantsFinish(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "one.yaml", `sources:
  gen: {type: generate, profile: sequence, count: 50000}
transforms:
  per_key: {type: count, inputs: [gen], key: [key], emit: flush}
sinks:
  out: {type: file, inputs: [per_key], path: counts.jsonl}
`)
	writeFile(t, dir, "two.yaml", `tenant: second
sources:
  gen: {type: generate, profile: sequence, count: 1000}
sinks:
  out: {type: blackhole, inputs: [gen]}
`)
	code, _, errs := runMain("run", "--workers", "2", "--status", "off", dir)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
	for _, want := range []string{`tenant "one"`, "in 50000, out 1000, dropped 0, rejected 0", `tenant "second"`, "in 1000, out 1000"} {
		if !strings.Contains(errs, want) {
			t.Errorf("summary lacks %q:\n%s", want, errs)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "counts.jsonl"))
	if err != nil || strings.Count(string(data), "\n") != 1000 {
		t.Fatalf("counts file: %v, %d lines", err, strings.Count(string(data), "\n"))
	}
}

// TestRunRejectsAndDeadLetters: a file source with bad lines counts
// rejects (reported with file:line) and exits 0.
func TestRunRejectsAndDeadLetters(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "events.jsonl", `{"n": 1}
{"n": "x"}
not json
{"n": 3}
`)
	writeFile(t, dir, "rej.yaml", `sources:
  in: {type: file, path: events.jsonl, schema: {n: int}, required: [n]}
sinks:
  out: {type: file, inputs: [in], path: out.jsonl}
`)
	code, _, errs := runMain("run", "--status", "off", dir)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
	for _, want := range []string{`events.jsonl:2: field "n": expected int, got "x"`, "events.jsonl:3:", "in 2, out 2, dropped 0, rejected 2"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
}

// TestRunDiscoversTypes: the app-events example's source registers a type
// per type value and keeps undeclared keys while the pipeline runs; the
// events pass a filter and reach a file sink with their own fields, and the
// line whose value changes a field's kind is dead-lettered.
func TestRunDiscoversTypes(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("../../examples/data/app-events.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "app-events.jsonl", string(data))
	pipeline, err := os.ReadFile("../../examples/app-events.yaml")
	if err != nil {
		t.Fatal(err)
	}
	y := strings.NewReplacer("data/app-events.jsonl", "app-events.jsonl", "../out/", "").Replace(string(pipeline))
	writeFile(t, dir, "app.yaml", y)
	code, _, errs := runMain("run", "--workers", "2", "--status", "off", dir)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
	if want := "in 9, out 14, dropped 0, rejected 0, dead-lettered 1"; !strings.Contains(errs, want) {
		t.Errorf("summary lacks %q:\n%s", want, errs)
	}
	typed, err := os.ReadFile(filepath.Join(dir, "app-events-typed.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"type":"purchase","user":"u2","item":"sku-42","amount":19.99,"currency":"EUR"}`,
		`"type":"page_view","user":"u1","page":"/pricing","duration_ms":5400,"referrer":"/home"}`,
		`"type":"error","user":"u3","code":502,"message":"upstream timeout","context":"{\"route\":\"/api/cart\",\"retries\":2}"}`,
		`"type":"signup","user":"u1","plan":"pro"}`,
	} {
		if !strings.Contains(string(typed), want) {
			t.Errorf("typed events lack %s:\n%s", want, typed)
		}
	}
	if strings.Contains(string(typed), "debug") || strings.Count(string(typed), "\n") != 8 {
		t.Errorf("typed events: want 8 lines and no debug event:\n%s", typed)
	}
	dead, err := os.ReadFile(filepath.Join(dir, "app-events-dead-letter.jsonl"))
	if err != nil || !strings.Contains(string(dead), `app-events.jsonl:7: field \"duration_ms\": expected int, got \"slow\"`) {
		t.Errorf("dead letters (%v):\n%s", err, dead)
	}
}

// TestRunStopsAfterFor: an unbounded tenant stops gracefully after --for.
func TestRunStopsAfterFor(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "endless.yaml", `sources:
  gen: {type: generate, profile: sequence, rate: 1000}
sinks:
  out: {type: blackhole, inputs: [gen]}
`)
	code, _, errs := runMain("run", "--for", "300ms", "--status", "log", "--every", "100ms", dir)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
	for _, want := range []string{"--for 300ms elapsed", `tenant "endless"`, "finished", "ev/s in"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
}

// TestRunInvalidFileStartsNothing: an invalid file stops the run before
// any tenant starts, with exit 1.
func TestRunInvalidFileStartsNothing(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "bad.yaml", "sources: [\n")
	code, _, errs := runMain("run", dir)
	if code != 1 || !strings.Contains(errs, "bad.yaml:") || !strings.Contains(errs, "nothing was started") {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
}

// TestPlanPrintsActorsAndEdges checks text and dot output.
func TestPlanPrintsActorsAndEdges(t *testing.T) {
	code, out, errs := runMain("plan", "--workers", "2", "../../examples/sequence-count.yaml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"4 actors on 2 workers", "[fused]: numbers(source generate) -> not_multiple_of_4(transform filter)", "hash(key) % 2 == 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runMain("plan", "--dot", "../../examples/sequence-count.yaml")
	if code != 0 || !strings.HasPrefix(out, `digraph "sequence-count"`) || !strings.Contains(out, "->") {
		t.Fatalf("dot output:\n%s", out)
	}
}

// TestMissingPathIsAUsageError: a path that does not exist exits 2 with a
// one-line reason.
func TestMissingPathIsAUsageError(t *testing.T) {
	code, _, errs := runMain("validate", "no/such/dir")
	if code != 2 || !strings.Contains(errs, `"no/such/dir"`) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Fatalf("exit %d: %q", code, errs)
	}
}

// TestRunSpinFlag: --spin sets how long spin_then_park workers spin; it
// must be positive, and a short one still runs a tenant to its end.
func TestRunSpinFlag(t *testing.T) {
	code, _, errs := runMain("run", "--spin=0s", "../../examples/sequence-count.yaml")
	if code != 2 || !strings.Contains(errs, `--spin must be a positive duration, got "0s"`) {
		t.Fatalf("exit %d: %q", code, errs)
	}
	dir := t.TempDir()
	writeFile(t, dir, "s.yaml", `sources:
  gen: {type: generate, profile: sequence, count: 20000, rate: 200000}
sinks:
  out: {type: blackhole, inputs: [gen]}
`)
	code, _, errs = runMain("run", "--spin=5us", "--status", "off", dir)
	if code != 0 || !strings.Contains(errs, "in 20000, out 20000, dropped 0") {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
}

// TestSourceParallelism: generate's sequence profile runs as parallel
// instances; other profiles and non-parallel sources say why not.
func TestSourceParallelism(t *testing.T) {
	dir := t.TempDir()
	ok := writeFile(t, dir, "ok.yaml", `sources:
  gen: {type: generate, profile: sequence, count: 1000, parallelism: 2}
sinks:
  out: {type: blackhole, inputs: [gen]}
`)
	if code, _, errs := runMain("run", "--status", "off", ok); code != 0 || !strings.Contains(errs, "in 1000, out 1000") {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
	writeFile(t, dir, "bad1.yaml", `sources:
  gen: {type: generate, profile: video_sessions, parallelism: 2}
sinks:
  out: {type: blackhole, inputs: [gen]}
`)
	writeFile(t, dir, "bad2.yaml", `sources:
  logs: {type: file, path: x.jsonl, schema: {a: string}, type_field: a, parallelism: 2}
sinks:
  out: {type: blackhole, inputs: [logs]}
`)
	_ = ok
	code, _, errs := runMain("validate", dir)
	if code != 1 {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
	for _, want := range []string{
		`bad1.yaml:2:34: source "gen": option "profile": parallelism 2: only the sequence profile runs as parallel instances, not "video_sessions"`,
		`bad2.yaml:2:86: source "logs": option "parallelism": is 2, but type_field and extra_fields: keep discover types line by line and need parallelism 1`,
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
}
