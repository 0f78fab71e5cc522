package cli

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/validate/*.golden and the README's generated reference")

// TestValidateGolden runs `greenwave validate` on each case of
// testdata/validate (a pipeline file, or a folder of them validated
// together) and compares the exit status and everything printed with
// <case>.golden. Run `go test ./internal/cli -run TestValidateGolden
// -update` to rewrite the golden files after a deliberate change, and
// review the diff.
func TestValidateGolden(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("testdata", "validate"))
	if err != nil {
		t.Fatal(err)
	}
	cases := 0
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() && !strings.HasSuffix(name, ".yaml") {
			continue
		}
		cases++
		name = strings.TrimSuffix(name, ".yaml")
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", "validate", e.Name())
			code, stdout, stderr := runMain("validate", path)
			if code != 1 {
				t.Errorf("exit %d, want 1: every case has problems", code)
			}
			got := "exit " + string(rune('0'+code)) + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr
			golden := filepath.Join("testdata", "validate", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/cli -run TestValidateGolden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (rewrite with -update after checking)\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
	if cases == 0 {
		t.Fatal("no cases in testdata/validate")
	}
}
