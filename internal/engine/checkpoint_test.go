package engine_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/engine"
)

// seqPipeline counts events per key and writes every updated count: for
// each key the file must hold 1, 2, 3, ... with no value missing or
// repeated, however many times the process stopped on the way.
func seqPipeline(count, rate, parallelism int) string {
	return fmt.Sprintf(`tenant: seq
sources:
  gen: {type: generate, profile: sequence, count: %d, rate: %d, keys: 50, seed: 5}
transforms:
  keyed: {type: key_by, inputs: [gen], key: [key]}
  per_key: {type: count, inputs: [keyed], key: [key], parallelism: %d, emit: update}
sinks:
  out: {type: file, inputs: [per_key], path: counts.jsonl, flush_every: 0s}
`, count, rate, parallelism)
}

// TestCorruptCheckpointFallsBack: a damaged newest checkpoint is skipped
// for the one before it, with a message saying why.
func TestCorruptCheckpointFallsBack(t *testing.T) {
	cat := testCatalog(t)
	dir, state := t.TempDir(), t.TempDir()
	yaml := seqPipeline(0, 5000, 1)
	var log syncBuilder
	e, err := engine.New(engine.Config{Workers: 1, Wait: "park", Log: &log, StateDir: state, CheckpointInterval: 30 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, cat, "seq", yaml)
	p.Dir = dir
	tn := start(t, e, p)
	deadline := time.Now().Add(10 * time.Second)
	for tn.CheckpointStats().Written < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	e.Close()
	files, _ := filepath.Glob(filepath.Join(state, "seq", "checkpoint-*.gwck"))
	if len(files) != 2 {
		t.Fatalf("%d checkpoint files kept, want 2: %v", len(files), files)
	}
	newest := files[len(files)-1]
	b, _ := os.ReadFile(newest)
	b[len(b)/2] ^= 0xff
	os.WriteFile(newest, b, 0o644)

	var log2 syncBuilder
	e2, err := engine.New(engine.Config{Workers: 1, Wait: "park", Log: &log2, StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	p2 := parse(t, cat, "seq", yaml)
	p2.Dir = dir
	tn2 := start(t, e2, p2)
	tn2.Stop()
	waitDone(t, tn2, 5*time.Second)
	out := log2.String()
	for _, want := range []string{"cannot use checkpoint", filepath.Base(newest), "checksum mismatch", "resumed from checkpoint"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}
