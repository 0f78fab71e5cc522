package spec

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

func mustParse(t *testing.T, file, src string) *Pipeline {
	t.Helper()
	p, err := Parse(file, []byte(src), testCatalog(t))
	if err != nil {
		t.Fatalf("unexpected problems:\n%v", err)
	}
	return p
}

func loadOK(t *testing.T, name string) *Pipeline {
	t.Helper()
	p, err := Load(filepath.Join("testdata", "ok", name), testCatalog(t))
	if err != nil {
		t.Fatalf("unexpected problems:\n%v", err)
	}
	return p
}

func names(cs []*Component) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

func at(file string, line, col int) Pos { return Pos{File: file, Line: line, Col: col} }

func TestParseExample(t *testing.T) {
	p := loadOK(t, "acme.yaml")
	file := filepath.Join("testdata", "ok", "acme.yaml")
	wantDir, _ := filepath.Abs(filepath.Join("testdata", "ok"))

	if p.File != file || p.Dir != wantDir {
		t.Errorf("File, Dir = %q, %q; want %q, %q", p.File, p.Dir, file, wantDir)
	}
	if p.Tenant != "acme" || p.TenantPos != at(file, 1, 9) {
		t.Errorf("tenant %q at %v; want \"acme\" at 1:9", p.Tenant, p.TenantPos)
	}
	if got, want := names(p.Components), []string{"sessions", "plays", "per_customer", "out"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("components %v, want %v", got, want)
	}
	for _, c := range p.Components {
		if p.ByName[c.Name] != c {
			t.Errorf("ByName[%q] is not the component", c.Name)
		}
		if c.Spec == nil || c.Spec.Type != c.Type {
			t.Errorf("%s: spec not looked up", c.Desc())
		}
	}

	s := p.ByName["sessions"]
	if s.Kind != component.KindSource || s.Type != "generate" || s.Pos != at(file, 3, 3) || s.TypePos != at(file, 4, 11) {
		t.Errorf("sessions: kind %v type %q pos %v type pos %v", s.Kind, s.Type, s.Pos, s.TypePos)
	}
	if got := s.Options.String("profile"); got != "video_sessions" {
		t.Errorf("profile %q", got)
	}
	if got := s.Options.Int("rate"); got != 50000 {
		t.Errorf("rate %d", got)
	}
	if got := s.Options.Int("count"); got != 1000000 {
		t.Errorf("count %d", got)
	}
	// Defaults of absent options.
	if got := s.Options.Duration("interval"); got != time.Second {
		t.Errorf("default interval %v", got)
	}
	if got := s.Options.Size("max_bytes"); got != 1<<20 {
		t.Errorf("default max_bytes %d", got)
	}
	if got := s.Options.StringList("fields"); !reflect.DeepEqual(got, []string{"id"}) {
		t.Errorf("default fields %v", got)
	}
	if s.Options.Has("labels") || s.Options.Has("template") {
		t.Errorf("options without a default must be absent: %v", s.Options.Names())
	}
	if got := s.OptionPos("rate"); got != at(file, 6, 11) {
		t.Errorf("OptionPos(rate) = %v", got)
	}
	if got := s.OptionPos("labels"); got != s.Pos {
		t.Errorf("OptionPos of an absent option = %v, want the component's %v", got, s.Pos)
	}
	if s.Inputs != nil || s.Parallelism != 1 || s.Buffer != (Buffer{Capacity: DefaultBufferCapacity, WhenFull: "block", Pos: s.Pos}) {
		t.Errorf("sessions: inputs %v parallelism %d buffer %+v", s.Inputs, s.Parallelism, s.Buffer)
	}

	plays := p.ByName["plays"]
	if got := plays.Options.String("condition"); got != `event_type == "start"` {
		t.Errorf("condition %q", got)
	}
	if want := []Input{{Component: "sessions", Pos: at(file, 11, 14)}}; !reflect.DeepEqual(plays.Inputs, want) {
		t.Errorf("plays inputs %+v, want %+v", plays.Inputs, want)
	}

	pc := p.ByName["per_customer"]
	if pc.Parallelism != 2 || !reflect.DeepEqual(pc.Key, []string{"customer"}) || pc.KeyPos != at(file, 16, 10) {
		t.Errorf("per_customer: parallelism %d key %v at %v", pc.Parallelism, pc.Key, pc.KeyPos)
	}
	if want := (Buffer{Capacity: 4096, WhenFull: "block", Pos: at(file, 18, 13)}); pc.Buffer != want {
		t.Errorf("per_customer buffer %+v, want %+v", pc.Buffer, want)
	}
	if got := pc.Options.Duration("window"); got != 10*time.Second {
		t.Errorf("window %v", got)
	}

	out := p.ByName["out"]
	want := []Input{
		{Component: "per_customer", Pos: at(file, 22, 14)},
		{Component: "sessions", Output: "dead_letter", Pos: at(file, 22, 28)},
	}
	if !reflect.DeepEqual(out.Inputs, want) {
		t.Errorf("out inputs %+v, want %+v", out.Inputs, want)
	}
	if out.Inputs[1].String() != "sessions.dead_letter" || p.Producer(out.Inputs[1]) != s || s.SideOutput("dead_letter") != 0 {
		t.Errorf("side output reference not resolved")
	}
	if out.Desc() != `sink "out"` {
		t.Errorf("Desc %q", out.Desc())
	}

	if got := names(p.Consumers("sessions")); !reflect.DeepEqual(got, []string{"plays", "out"}) {
		t.Errorf("Consumers(sessions) = %v", got)
	}
	if got := names(p.OfKind(component.KindTransform)); !reflect.DeepEqual(got, []string{"plays", "per_customer"}) {
		t.Errorf("OfKind(transform) = %v", got)
	}
	if got := names(p.Topo()); !reflect.DeepEqual(got, []string{"sessions", "plays", "per_customer", "out"}) {
		t.Errorf("Topo = %v", got)
	}
}

func TestParseAnchorsAndOrder(t *testing.T) {
	p := loadOK(t, "anchors.yaml")
	// Components are sources, transforms, sinks whatever the file order.
	if got, want := names(p.Components), []string{"src", "b", "a", "out"}; !reflect.DeepEqual(got, want) {
		t.Errorf("components %v, want %v", got, want)
	}
	if got, want := names(p.Topo()), []string{"src", "a", "b", "out"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Topo %v, want %v", got, want)
	}
	b := p.ByName["b"]
	if b.Type != "filter" || b.Options.String("condition") != "false" {
		t.Errorf("b: type %q condition %q; want the merged type and its own condition", b.Type, b.Options.String("condition"))
	}
	if a := p.ByName["a"]; a.Options.String("condition") != "true" {
		t.Errorf("a: merged condition %q", a.Options.String("condition"))
	}
	if buf := p.ByName["out"].Buffer; buf.Capacity != 64 || buf.WhenFull != WhenFullDropOldest {
		t.Errorf("aliased buffer %+v", buf)
	}
	if got := p.ByName["src"].Options.StringMap("labels"); !reflect.DeepEqual(got, map[string]string{"team": "video", "level": "3"}) {
		t.Errorf("labels %v", got)
	}
	if p.Tenant != "anchors" || p.TenantPos != at(p.File, 1, 1) {
		t.Errorf("default tenant %q at %v", p.Tenant, p.TenantPos)
	}
}

// TestOptionConversion checks the Go value each option type becomes.
func TestOptionConversion(t *testing.T) {
	tests := []struct {
		option, yaml string
		want         any
	}{
		{"name_prefix", `abc`, "abc"},
		{"name_prefix", `123`, "123"},
		{"name_prefix", `"quoted: yes"`, "quoted: yes"},
		{"name_prefix", "|\n      two\n      lines", "two\nlines\n"},
		{"name_prefix", `!!str 12`, "12"},
		{"where", `'a > 1 && b == "x"'`, `a > 1 && b == "x"`},
		{"where", `true`, "true"},
		{"profile", `video_sessions`, "video_sessions"},
		{"rate", `42`, int64(42)},
		{"rate", `0x10`, int64(16)},
		{"rate", `1_000`, int64(1000)},
		{"rate", `3.0`, int64(3)},
		{"count", `-5`, int64(-5)},
		{"jitter", `0.25`, 0.25},
		{"jitter", `2`, 2.0},
		{"realtime", `true`, true},
		{"realtime", `false`, false},
		{"interval", `250ms`, 250 * time.Millisecond},
		{"interval", `5s`, 5 * time.Second},
		{"interval", `1.5s`, 1500 * time.Millisecond},
		{"interval", `1m`, time.Minute},
		{"interval", `2h`, 2 * time.Hour},
		{"interval", `1d`, 24 * time.Hour},
		{"interval", `1h30m`, 90 * time.Minute},
		{"interval", `"1500us"`, 1500 * time.Microsecond},
		{"max_bytes", `512`, int64(512)},
		{"max_bytes", `"512"`, int64(512)},
		{"max_bytes", `64KiB`, int64(64 << 10)},
		{"max_bytes", `1MB`, int64(1e6)},
		{"max_bytes", `1.5GiB`, int64(3 << 29)},
		{"max_bytes", `4kib`, int64(4096)},
		{"max_bytes", `2 mb`, int64(2e6)},
		{"max_bytes", `16Ki`, int64(16 << 10)},
		{"fields", `a`, []string{"a"}},
		{"fields", `[a, b]`, []string{"a", "b"}},
		{"fields", `[]`, []string{}},
		{"labels", `{a: 1, b: x, c: true, d: 1.5}`, map[string]string{"a": "1", "b": "x", "c": "true", "d": "1.5"}},
		{"template", `{a: [1, 2.5, x, true, null], b: {c: d}}`, map[string]any{
			"a": []any{int64(1), 2.5, "x", true, nil},
			"b": map[string]any{"c": "d"},
		}},
		{"template", `7`, int64(7)},
	}
	for _, tt := range tests {
		t.Run(tt.option+"="+tt.yaml, func(t *testing.T) {
			src := "sources:\n  s:\n    type: generate\n    " + tt.option + ": " + tt.yaml +
				"\nsinks:\n  out: {type: blackhole, inputs: [s]}\n"
			p := mustParse(t, "conv.yaml", src)
			got, ok := p.ByName["s"].Options.Raw(tt.option)
			if !ok {
				t.Fatalf("option %q absent", tt.option)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v (%T), want %#v (%T)", got, got, tt.want, tt.want)
			}
		})
	}
}

func TestDefaultsAreNotShared(t *testing.T) {
	src := "sources:\n  a: {type: generate}\n  b: {type: generate}\nsinks:\n  out: {type: blackhole, inputs: [a, b]}\n"
	p := mustParse(t, "d.yaml", src)
	a := p.ByName["a"].Options.StringList("fields")
	a[0] = "changed"
	if b := p.ByName["b"].Options.StringList("fields"); b[0] != "id" {
		t.Errorf("a list default is shared between components: %v", b)
	}
}

func TestTenantFromFileName(t *testing.T) {
	src := "sources:\n  a: {type: generate}\nsinks:\n  out: {type: blackhole, inputs: [a]}\n"
	for file, want := range map[string]string{
		"pipelines/video-sessions.yaml": "video-sessions",
		"2024_acme.yml":                 "2024_acme",
		"plain":                         "plain",
	} {
		if p := mustParse(t, file, src); p.Tenant != want || p.TenantPos != at(file, 1, 1) {
			t.Errorf("%s: tenant %q at %v, want %q at 1:1", file, p.Tenant, p.TenantPos, want)
		}
	}
	_, err := Parse("acme corp.yaml", []byte(src), testCatalog(t))
	if err == nil || !strings.Contains(err.Error(), `acme corp.yaml:1:1: tenant name "acme corp" taken from the file name is invalid`) {
		t.Errorf("invalid tenant from the file name: %v", err)
	}
}

// TestAllProblemsReported checks that one file with five distinct problems
// reports all five, each at its place, and still returns the pipeline.
func TestAllProblemsReported(t *testing.T) {
	src := `sources:
  sessions:
    type: generate
    rate: fast
transforms:
  plays: {type: fitler, inputs: [sessions]}
  counts: {type: count, inputs: [plays], parallelism: 0}
sinks:
  out:
    type: stdout
    inputs: [cnts]
    colour: red
`
	p, err := Parse("five.yaml", []byte(src), testCatalog(t))
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %T %v, want Errors", err, err)
	}
	want := []string{
		`five.yaml:4:11: source "sessions": option "rate": expected an int, got "fast"`,
		`five.yaml:6:17: transform "plays": unknown transform type "fitler" (did you mean "filter"?)`,
		`five.yaml:7:55: transform "counts": option "parallelism": must be between 1 and 1024, got 0`,
		`five.yaml:11:14: sink "out": unknown input "cnts" (did you mean "counts"?)`,
		`five.yaml:12:5: sink "out": unknown option "colour" (options of "stdout": format)`,
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(errs), len(want), err)
	}
	for i, e := range errs {
		if e.Error() != want[i] {
			t.Errorf("problem %d:\n got %s\nwant %s", i, e, want[i])
		}
	}
	if p == nil || len(p.Components) != 4 {
		t.Fatalf("pipeline not returned with its components despite the problems: %+v", p)
	}
	if p.ByName["plays"].Spec != nil {
		t.Errorf("a component of unknown type must have no Spec")
	}
}

func TestSyntaxErrorReturnsNoPipeline(t *testing.T) {
	p, err := Parse("bad.yaml", []byte("sources: [a\n"), testCatalog(t))
	var errs Errors
	if p != nil || !errors.As(err, &errs) || len(errs) != 1 || errs[0].Pos.Line != 1 {
		t.Fatalf("got pipeline %v, error %v; want no pipeline and one positioned problem", p, err)
	}
	if !strings.HasPrefix(errs[0].Error(), "bad.yaml:1:") || !strings.Contains(errs[0].Msg, "invalid yaml") {
		t.Errorf("syntax error %q", errs[0])
	}
}

func TestTopoWithCycle(t *testing.T) {
	src := `sources:
  s: {type: generate}
transforms:
  a: {type: filter, inputs: [s, b], condition: "true"}
  b: {type: filter, inputs: [a], condition: "true"}
  c: {type: filter, inputs: [s], condition: "true"}
sinks:
  out: {type: blackhole, inputs: [b, c]}
`
	p, err := Parse("cyc.yaml", []byte(src), testCatalog(t))
	if err == nil || !strings.Contains(err.Error(), `cyc.yaml:4:3: transform "a": inputs form a cycle: a -> b -> a`) {
		t.Fatalf("cycle not reported: %v", err)
	}
	// Best effort: the acyclic part in order, then what is stuck.
	if got, want := names(p.Topo()), []string{"s", "c", "a", "b", "out"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Topo %v, want %v", got, want)
	}
}

func TestTopoDiamond(t *testing.T) {
	src := `sources:
  s: {type: generate}
  t: {type: generate}
transforms:
  d: {type: join, inputs: [b, c], within: 1s}
  c: {type: filter, inputs: [s], condition: "true"}
  b: {type: filter, inputs: [s, t], condition: "true"}
sinks:
  out: {type: blackhole, inputs: [d, s.dead_letter]}
`
	p := mustParse(t, "diamond.yaml", src)
	topo := p.Topo()
	if got, want := names(topo), []string{"s", "t", "c", "b", "d", "out"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Topo %v, want %v", got, want)
	}
	seen := map[string]bool{}
	for _, c := range topo {
		for _, in := range c.Inputs {
			if !seen[in.Component] {
				t.Errorf("%s comes before its input %q", c.Desc(), in.Component)
			}
		}
		seen[c.Name] = true
	}
	if got := names(p.Consumers("s")); !reflect.DeepEqual(got, []string{"c", "b", "out"}) {
		t.Errorf("Consumers(s) = %v", got)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.yaml"), testCatalog(t))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "cannot read pipeline file") {
		t.Errorf("Load of a missing file: %v", err)
	}
}

func TestErrorFormat(t *testing.T) {
	e := Errorf(at("p.yaml", 12, 5), `transform "sessions"`, "unknown input %q (did you mean %q?)", "evnts", "events")
	if got := e.Error(); got != `p.yaml:12:5: transform "sessions": unknown input "evnts" (did you mean "events"?)` {
		t.Errorf("Error() = %q", got)
	}
	if got := Errorf(at("p.yaml", 1, 1), "", "pipeline file is empty").Error(); got != "p.yaml:1:1: pipeline file is empty" {
		t.Errorf("Error() without component = %q", got)
	}
	if got := (Pos{File: "dir"}).String(); got != "dir" {
		t.Errorf("Pos without line = %q", got)
	}
	es := Errors{
		Errorf(at("b.yaml", 1, 1), "", "third"),
		Errorf(at("a.yaml", 9, 1), "", "second"),
		Errorf(at("a.yaml", 2, 7), "", "first"),
		Errorf(at("b.yaml", 1, 1), "", "fourth"),
	}
	es.Sort()
	if got := es.Error(); got != "a.yaml:2:7: first\na.yaml:9:1: second\nb.yaml:1:1: third\nb.yaml:1:1: fourth" {
		t.Errorf("sorted Errors:\n%s", got)
	}
	var target *Error
	if !errors.As(error(es), &target) || target.Msg != "first" {
		t.Errorf("errors.As through Errors failed")
	}
	if (Errors{}).Err() != nil {
		t.Errorf("empty Errors.Err() must be nil")
	}
}

// TestAliasBomb checks that nested aliases that would expand to billions of
// values are cut off with a problem instead of hanging or exhausting memory.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("x-0: &l0 [a, a, a, a, a, a, a, a, a, a]\n")
	for i := 1; i <= 9; i++ {
		b.WriteString("x-" + string(rune('0'+i)) + ": &l" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*l" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("sources:\n  s: {type: generate, template: *l9}\nsinks:\n  out: {type: blackhole, inputs: [s]}\n")
	start := time.Now()
	_, err := Parse("bomb.yaml", []byte(b.String()), testCatalog(t))
	if err == nil || !strings.Contains(err.Error(), "expands to more than") {
		t.Fatalf("alias bomb not reported: %v", err)
	}
	// Under a second here with the race detector; expanding the bomb
	// would take hours. The bound leaves room for a busy machine.
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("alias bomb took %v", d)
	}
}

// TestOwnOptionNamedKey checks that a non-keyed type declaring an option
// named "key" gets it as its own option, while keyed types get the key.
func TestOwnOptionNamedKey(t *testing.T) {
	src := `sources:
  s: {type: generate}
transforms:
  k: {type: key_by, inputs: [s], key: customer}
  c: {type: count, inputs: [k], key: [customer, region]}
sinks:
  out: {type: blackhole, inputs: [c]}
`
	p := mustParse(t, "key.yaml", src)
	k := p.ByName["k"]
	if got := k.Options.StringList("key"); !reflect.DeepEqual(got, []string{"customer"}) || k.Key != nil {
		t.Errorf("key_by: option %v, Key %v; want the option set and Key nil", got, k.Key)
	}
	c := p.ByName["c"]
	if !reflect.DeepEqual(c.Key, []string{"customer", "region"}) || c.Options.Has("key") {
		t.Errorf("count: Key %v, option set %v; want Key set and no option", c.Key, c.Options.Has("key"))
	}
	_, err := Parse("key.yaml", []byte(strings.Replace(src, "key: customer}", "parallelism: 2}", 1)), testCatalog(t))
	if err == nil || !strings.Contains(err.Error(), `"parallelism" is only for keyed types; type "key_by" is not keyed`) {
		t.Errorf("parallelism on key_by: %v", err)
	}
}

// TestCheckpointAlignedTimeout: absent takes the run's (0), a duration is
// kept, `0s` says checkpoints stay aligned (negative), and a negative
// value is an error at its position.
func TestCheckpointAlignedTimeout(t *testing.T) {
	const pipe = "sources:\n  a: {type: generate}\nsinks:\n  out: {type: blackhole, inputs: [a]}\n"
	for _, tt := range []struct {
		checkpoint string
		want       time.Duration
	}{
		{"checkpoint: {interval: 2s}\n", 0},
		{"checkpoint: {aligned_timeout: 250ms}\n", 250 * time.Millisecond},
		{"checkpoint: {aligned_timeout: 0s}\n", -1},
	} {
		p := mustParse(t, "ck.yaml", tt.checkpoint+pipe)
		if got := p.Checkpoint.AlignedTimeout; got != tt.want {
			t.Errorf("%q: AlignedTimeout %v, want %v", tt.checkpoint, got, tt.want)
		}
	}
	_, err := Parse("ck.yaml", []byte("checkpoint: {aligned_timeout: -1s}\n"+pipe), testCatalog(t))
	if err == nil || !strings.Contains(err.Error(), "ck.yaml:1:") || !strings.Contains(err.Error(), "aligned_timeout") {
		t.Fatalf("negative aligned_timeout: %v", err)
	}
}
