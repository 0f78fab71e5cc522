package spec

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const okPipeline = "sources:\n  a: {type: generate}\nsinks:\n  out: {type: blackhole, inputs: [a]}\n"

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"b.yaml":       okPipeline,
		"a.yml":        okPipeline,
		"C.YAML":       okPipeline,
		"notes.txt":    "not a pipeline",
		".hidden.yaml": "not: [valid",
		"sub/d.yaml":   "not: [valid",
	})
	if err := os.Mkdir(filepath.Join(dir, "folder.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	ps, err := LoadDir(dir, testCatalog(t))
	if err != nil {
		t.Fatalf("unexpected problems:\n%v", err)
	}
	var tenants []string
	for _, p := range ps {
		tenants = append(tenants, p.Tenant)
	}
	if want := []string{"C", "a", "b"}; !reflect.DeepEqual(tenants, want) {
		t.Errorf("tenants %v, want %v (name order, only *.yaml / *.yml files)", tenants, want)
	}
}

func TestLoadDirReportsAllFiles(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.yaml": "tenant: shared\n" + okPipeline,
		"b.yaml": "tenant: shared\nsources:\n  a: {type: generate, rate: x}\nsinks:\n  out: {type: blackhole, inputs: [a]}\n",
		"c.yaml": "sources: [\n",
		"d.yaml": okPipeline,
	})
	ps, err := LoadDir(dir, testCatalog(t))
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %T %v, want Errors", err, err)
	}
	a, b, c := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml"), filepath.Join(dir, "c.yaml")
	want := []string{
		b + `:1:9: tenant "shared" is also the tenant of ` + a + ":1:9",
		b + `:3:29: source "a": option "rate": expected an int, got "x"`,
		c + ":",
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(errs), len(want), err)
	}
	for i, e := range errs {
		if !strings.HasPrefix(e.Error(), want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s...", i, e, want[i])
		}
	}
	// The pipelines that parsed come back too (c.yaml did not).
	if len(ps) != 3 || ps[0].Tenant != "shared" || ps[2].Tenant != "d" {
		t.Errorf("got %d pipelines, want a, b and d", len(ps))
	}
}

func TestLoadDirEmptyAndMissing(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadDir(dir, testCatalog(t))
	if err == nil || err.Error() != dir+": no pipeline files (*.yaml, *.yml)" {
		t.Errorf("empty folder: %v", err)
	}
	_, err = LoadDir(filepath.Join(dir, "missing"), testCatalog(t))
	var errs Errors
	if !errors.Is(err, os.ErrNotExist) || errors.As(err, &errs) {
		t.Errorf("missing folder: %v, want a plain error wrapping ErrNotExist", err)
	}
}
