package spec

import (
	"strings"
	"testing"
)

// TestCheckClaims: two sinks writing one file conflict, in one file or
// across files and tenants, unless both append; the problem is reported at
// the later claim and names the earlier one's place.
func TestCheckClaims(t *testing.T) {
	cat := testCatalog(t)
	parse := func(file, src string) *Pipeline {
		p, err := Parse(file, []byte(src), cat)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		p.Dir = "/run" // both files in one folder
		return p
	}
	a := parse("a.yaml", `tenant: a
sources:
  gen: {type: generate}
sinks:
  copy: {type: file, inputs: [gen], path: out/x.jsonl}
  log:  {type: file, inputs: [gen], path: log.jsonl, append: true}
  twice: {type: file, inputs: [gen], path: out/x.jsonl}
`)
	b := parse("b.yaml", `tenant: b
sources:
  gen: {type: generate}
sinks:
  out:
    type: file
    inputs: [gen]
    path: out/x.jsonl
  log: {type: file, inputs: [gen], path: log.jsonl, append: true}
  log2: {type: file, inputs: [gen], path: log.jsonl}
  own: {type: file, inputs: [gen], path: out/b.jsonl}
`)
	var got []string
	for _, e := range CheckClaims([]*Pipeline{a, b}) {
		got = append(got, e.Error())
	}
	want := []string{
		`a.yaml:7:44: sink "twice": path "out/x.jsonl" is also written by sink "copy" at a.yaml:5:43`,
		`b.yaml:8:11: sink "out": path "out/x.jsonl" is also written by sink "copy" of tenant "a" at a.yaml:5:43`,
		`b.yaml:10:43: sink "log2": path "log.jsonl" is also written by sink "log" of tenant "a" at a.yaml:6:43`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if errs := CheckClaims([]*Pipeline{b}); len(errs) != 1 {
		t.Errorf("b alone: %v, want only log2 against log", errs)
	}
}
