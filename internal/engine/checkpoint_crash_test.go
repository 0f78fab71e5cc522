package engine_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/engine"
)

// checkSequences reads the counts file and reports missing and repeated
// values per key, and the total of rows.
func checkSequences(t *testing.T, path string) (rows, lost, dup int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	last := map[int64]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct{ Key, Count int64 }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %d: %v: %q", rows+1, err, sc.Text())
		}
		rows++
		switch prev := last[r.Key]; {
		case r.Count == prev+1:
		case r.Count <= prev:
			dup++
		default:
			lost += int(r.Count - prev - 1)
		}
		if r.Count > last[r.Key] {
			last[r.Key] = r.Count
		}
	}
	return rows, lost, dup
}

// TestCheckpointSurvivesACrash: a tenant checkpointed every 50ms is torn
// down mid-run several times (the engine closed without draining, as a
// crash leaves it, its file sink holding output past the last checkpoint);
// each new engine resumes from the newest checkpoint. At the end every
// key's counts run 1..n exactly once, and the counts add up to the events.
func TestCheckpointSurvivesACrash(t *testing.T) {
	for _, par := range []int{1, 2} {
		t.Run(fmt.Sprintf("parallelism-%d", par), func(t *testing.T) {
			cat := testCatalog(t)
			dir, state := t.TempDir(), t.TempDir()
			const n = 20000
			yaml := seqPipeline(n, 20000, par)
			for round := 0; ; round++ {
				e, err := engine.New(engine.Config{Workers: 2, Wait: "park", Log: testLog{t}, StateDir: state, CheckpointInterval: 50 * time.Millisecond})
				if err != nil {
					t.Fatal(err)
				}
				p := parse(t, cat, "seq", yaml)
				p.Dir = dir
				tn := start(t, e, p)
				select {
				case <-tn.Done():
				case <-time.After(time.Duration(150+round*37%200) * time.Millisecond):
				}
				finished := tn.Stats().Finished && tn.Err() == nil
				e.Close() // a crash: whatever was not checkpointed is lost
				if finished {
					break
				}
				if round > 50 {
					t.Fatal("the tenant never finished")
				}
			}
			rows, lost, dup := checkSequences(t, filepath.Join(dir, "counts.jsonl"))
			if lost != 0 || dup != 0 || rows != n {
				t.Fatalf("after the crashes: %d rows for %d events, %d counts lost, %d repeated", rows, n, lost, dup)
			}
			// Started again, a finished tenant has nothing left to run.
			e, err := engine.New(engine.Config{Workers: 1, Wait: "park", Log: testLog{t}, StateDir: state})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			p := parse(t, cat, "seq", yaml)
			p.Dir = dir
			tn := start(t, e, p)
			waitDone(t, tn, 5*time.Second)
			if s := tn.Stats(); s.In != 0 {
				t.Fatalf("the finished tenant made %d events again", s.In)
			}
			if rows2, _, _ := checkSequences(t, filepath.Join(dir, "counts.jsonl")); rows2 != n {
				t.Fatalf("the file changed to %d rows", rows2)
			}
		})
	}
}
