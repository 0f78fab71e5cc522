package queries

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/spec"
)

// TestWindowsFireWhileTheSourceRuns runs q11 on an unbounded source and
// waits for its first rows: windows must close as event time passes, on
// the watermarks the nexmark source derives from the events of its side
// outputs, not only when the input ends. Without that, a query's state
// grows with every event and an unbounded run never prints a row.
func TestWindowsFireWhileTheSourceRuns(t *testing.T) {
	q, err := Lookup("q11")
	if err != nil {
		t.Fatal(err)
	}
	text, err := q.Render(Options{Parallelism: 1, Sink: SinkFile, Path: "out.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	// The file sink writes what it has every 1 s by default; make it
	// prompt.
	text = strings.Replace(text, "    path: out.jsonl\n", "    path: out.jsonl\n    flush_every: 10ms\n", 1)
	p, err := spec.Parse("q11.yaml", []byte(text), builtin.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	p.Dir = t.TempDir()
	e, err := engine.New(engine.Config{Workers: 2, Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pl, err := e.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := e.Run(pl)
	if err != nil {
		t.Fatal(err)
	}
	e.Start()
	defer func() {
		tn.Stop()
		<-tn.Done()
	}()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if st, err := os.Stat(filepath.Join(p.Dir, "out.jsonl")); err == nil && st.Size() > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no window fired in 10 s while the source ran (%d events in)", tn.Stats().In)
}
