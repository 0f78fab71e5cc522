package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The README's component reference lies between these lines.
const (
	readmeBegin = "<!-- BEGIN GENERATED: greenwave docs --markdown -->\n"
	readmeEnd   = "<!-- END GENERATED: greenwave docs --markdown -->\n"
)

// TestREADMEReference fails when the README's generated component
// reference differs from `greenwave docs --markdown`; with -update it
// rewrites that part of the README.
func TestREADMEReference(t *testing.T) {
	code, md, errs := runMain("docs", "--markdown")
	if code != 0 {
		t.Fatalf("docs --markdown: exit %d: %s", code, errs)
	}
	path := filepath.Join("..", "..", "README.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	begin, end := strings.Index(readme, readmeBegin), strings.Index(readme, readmeEnd)
	if begin < 0 || end < begin {
		t.Fatalf("README.md lacks the lines %q and %q around the generated reference", readmeBegin, readmeEnd)
	}
	current := readme[begin+len(readmeBegin) : end]
	want := "\n" + md
	if *update {
		if current != want {
			readme = readme[:begin+len(readmeBegin)] + want + readme[end:]
			if err := os.WriteFile(path, []byte(readme), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	if current != want {
		t.Fatalf("README.md's component reference is stale; regenerate it with\n\n\tgo test ./internal/cli -run TestREADMEReference -update\n\nand review the diff")
	}
}

// TestDocs: the text reference lists every type with its options, nested
// ones indented under their object; one type can be asked for; an unknown
// type is a usage error with a suggestion.
func TestDocs(t *testing.T) {
	code, out, errs := runMain("docs")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"PIPELINE FILE\n", "EVERY COMPONENT\n", "SOURCES\n", "TRANSFORMS\n", "SINKS\n",
		"generate (source)\n", "window (transform)\n", "stdout (sink)\n",
		"    weight  float; greater than 0; default 1\n",
		"    buffer  object\n",
		"        capacity  count; 1 to 16777216; default 4096\n",
		"    schema  map of enum: bool, int, float, string, time; required\n",
		"    Keyed: takes key and parallelism. Inputs: at most 1. Side outputs:\n    <name>.late.\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("docs lacks %q", want)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if len(line) > textWidth {
			t.Errorf("line of %d bytes, wider than %d: %q", len(line), textWidth, line)
		}
	}

	code, out, _ = runMain("docs", "file")
	if code != 0 || !strings.HasPrefix(out, "file (source)\n") || !strings.Contains(out, "\nfile (sink)\n") || strings.Contains(out, "generate") {
		t.Errorf("docs file: exit %d\n%s", code, out)
	}
	code, out, _ = runMain("docs", "--markdown", "file")
	if code != 0 || !strings.HasPrefix(out, "#### `file` (source)\n\n") || !strings.Contains(out, "- `schema` (map of enum: `bool`, `int`, `float`, `string`, `time`; required) — ") {
		t.Errorf("docs --markdown file: exit %d\n%s", code, out)
	}
	code, _, errs = runMain("docs", "windw")
	if code != 2 || !strings.Contains(errs, `unknown component type "windw" (did you mean "window"?)`) {
		t.Errorf("unknown type: exit %d: %s", code, errs)
	}
}

// TestDocsMarkdownNests: nested options are bullets indented under their
// object's.
func TestDocsMarkdownNests(t *testing.T) {
	_, out, _ := runMain("docs", "--markdown")
	want := "- `buffer` (object) — Transforms and sinks: the ring buffer of each of the component's input edges.\n" +
		"  - `capacity` (count; 1 to 16777216; default `4096`) — "
	if !strings.Contains(out, want) {
		t.Errorf("markdown lacks %q", want)
	}
	if !strings.Contains(out, "  - `memory` (size; at least 0 bytes; default `0`) — ") {
		t.Errorf("markdown lacks limits.memory nested")
	}
}
