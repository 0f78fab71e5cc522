package queries

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/spec"
)

var update = flag.Bool("update", false, "rewrite examples/nexmark from the query templates")

// examplesDir returns the module's examples/nexmark folder, found by
// walking up from the package folder to go.mod.
func examplesDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "examples", "nexmark")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the package folder")
		}
		dir = parent
	}
}

// TestExamplesAreTheQueries checks that examples/nexmark holds exactly one
// file per query, each the query rendered with Defaults, and that each
// parses. With -update it writes them first.
func TestExamplesAreTheQueries(t *testing.T) {
	dir := examplesDir(t)
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var want []string
	for _, q := range All() {
		name := q.Name + ".yaml"
		want = append(want, name)
		text, err := q.Render(Defaults())
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if *update {
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%v (run go test ./internal/nexmark/queries -update)", err)
			continue
		}
		if string(got) != text {
			t.Errorf("%s differs from query %s rendered with Defaults (run go test ./internal/nexmark/queries -update)", path, q.Name)
		}
		if _, err := spec.Load(path, builtin.Catalog()); err != nil {
			t.Errorf("%s does not load: %v", path, err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !slices.Contains(want, e.Name()) {
			t.Errorf("%s: unexpected file %q; examples/nexmark holds only the queries' pipelines", dir, e.Name())
		}
	}
}

// TestRenderHeader checks that every pipeline starts with its comment,
// names its tenant after the query, puts count and rate at the top of the
// source, and says when it is not the full query.
func TestRenderHeader(t *testing.T) {
	for _, q := range All() {
		text, err := q.Render(Options{Count: 123, Rate: 4.5, Parallelism: 3, Sink: SinkBlackhole})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(text, "# Nexmark "+q.Name+": "+q.Title+".") {
			t.Errorf("%s: header does not start with the query's name and title:\n%s", q.Name, text[:min(200, len(text))])
		}
		if !strings.Contains(text, "\ntenant: nexmark-"+q.Name+"\n") {
			t.Errorf("%s: tenant is not nexmark-%s", q.Name, q.Name)
		}
		if !strings.Contains(text, "    type: nexmark\n    count: 123 ") || !strings.Contains(text, "\n    rate: 4.5 ") {
			t.Errorf("%s: count and rate are not the source's first options:\n%s", q.Name, text)
		}
		if got := strings.Contains(text, "NOT THE FULL QUERY"); got == q.Complete {
			t.Errorf("%s: Complete is %v but the header says NOT THE FULL QUERY: %v", q.Name, q.Complete, got)
		}
		if strings.Contains(text, "type: file") {
			t.Errorf("%s: a blackhole rendering still has a file sink", q.Name)
		}
	}
}

func TestLookup(t *testing.T) {
	if q, err := Lookup("q5"); err != nil || q.Name != "q5" {
		t.Errorf("Lookup(q5) = %v, %v", q, err)
	}
	if _, err := Lookup("q99"); err == nil || !strings.Contains(err.Error(), `"q99"`) || !strings.Contains(err.Error(), "q0, q1") {
		t.Errorf("Lookup(q99) error = %v, want the bad name quoted and the queries listed", err)
	}
}

func TestRenderRejectsBadOptions(t *testing.T) {
	q, err := Lookup("q0")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []Options{
		{Count: -1, Parallelism: 1},
		{Rate: -1, Parallelism: 1},
		{Parallelism: 0},
		{Parallelism: 1, Sink: "kafka"},
	} {
		if _, err := q.Render(o); err == nil {
			t.Errorf("Render(%+v) succeeded, want an error", o)
		}
	}
}
