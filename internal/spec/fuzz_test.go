package spec

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics and keeps its contract: the
// error is nil or a non-empty Errors whose every problem has a position;
// without a YAML syntax error the pipeline is returned, and Topo keeps every
// component. A plain `go test` runs the seed corpus (every testdata file).
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.yaml")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nsources: {s: {type: generate, template: [*c, *c]}}\n"))
	f.Add([]byte("x-m: &m {<<: {type: filter}}\ntransforms: {t: {<<: [*m, *m], inputs: t}}\n"))
	f.Add([]byte("sources:\n  ? [a, b]\n  : {type: generate}\n"))
	cat := testCatalog(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data, cat)
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %T %v, want non-empty Errors", err, err)
			}
			for _, e := range errs {
				if e.Pos.File != "fuzz.yaml" || e.Pos.Line < 1 {
					t.Fatalf("problem without a position: %q", e)
				}
			}
		}
		if p == nil {
			if err == nil {
				t.Fatal("no pipeline and no error")
			}
			return
		}
		if got := len(p.Topo()); got != len(p.Components) {
			t.Fatalf("Topo returned %d of %d components", got, len(p.Components))
		}
	})
}
