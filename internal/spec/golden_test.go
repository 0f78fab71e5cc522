package spec

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected output of testdata/errors/*.yaml")

// TestErrorsGolden parses each testdata/errors/<kind>.yaml and compares the
// reported problems, one per line, with <kind>.golden beside it. Every case
// must report at least one problem. Run `go test ./internal/spec -update`
// to rewrite the golden files after a deliberate change, and review the diff.
func TestErrorsGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no cases in testdata/errors")
	}
	cat := testCatalog(t)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(filepath.Base(file), data, cat)
			if err == nil {
				t.Fatalf("%s: no problem reported; every case must report at least one", file)
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error is %T, want Errors", err)
			}
			for _, e := range errs {
				if e.Pos.File != filepath.Base(file) || e.Pos.Line < 1 || e.Pos.Col < 1 {
					t.Errorf("problem without a full position: %q", e.Error())
				}
				if e.Msg == "" || strings.ToLower(e.Msg[:1]) != e.Msg[:1] {
					t.Errorf("message must be lowercase and non-empty: %q", e.Msg)
				}
			}
			got := []byte(err.Error() + "\n")
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/spec -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("problems differ from %s\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}
