package serve_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/serve"
	"github.com/greenwave/greenwave/internal/serve/client"
)

// logBuffer collects an engine's log; safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// livePipeline serves the latest event per key of a generator, through a
// filter: the first 600 events, and with more set one in ten after them.
// With 40 keys and max_rows 30 every event after the 30th evicts the least
// recently updated row: 30 + 570×2 = 1170 changes for the first 600.
func livePipeline(more bool) string {
	cond := "id < 600"
	if more {
		cond += " or id % 10 == 0"
	}
	return `tenant: live
sources:
  gen: {type: generate, profile: sequence, rate: 5000, keys: 40, seed: 3}
transforms:
  first: {type: filter, inputs: [gen], condition: "` + cond + `"}
sinks:
  t: {type: serve, inputs: [first], key: [key], address: "127.0.0.1:0", max_rows: 30, when_state_full: evict_oldest, ttl: 1h}
`
}

// crash closes e without stopping its tenants, as a crash leaves them
// (nothing after the last checkpoint is kept), and waits until the
// table is no longer served.
func crash(t *testing.T, e *engine.Engine, tb *serve.Table) {
	t.Helper()
	e.Close()
	waitFor(t, "the table to close", func() bool {
		return serve.Lookup("127.0.0.1:0", "t") != tb && serve.Drain(time.Millisecond)
	})
}

// A pipeline with a serve sink and a state directory: checkpointed and
// crashed, it restarts with the table as the checkpoint held it (rows,
// checksum, evictions, seq S), before anything runs, in a new session. A
// subscriber resuming with the old session gets a gap and a snapshot; one
// resuming in the new session gets the new changes from S+1. A checkpoint
// whose table state is of another version restarts the table empty, and
// the log says why.
func TestSinkSurvivesACrash(t *testing.T) {
	const addr, S = "127.0.0.1:0", 1170
	state := t.TempDir()

	var log1 logBuffer
	e1, err := engine.New(engine.Config{Workers: 2, Log: &log1, StateDir: state, CheckpointInterval: 30 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e1.Start()
	tn := startPipeline(t, e1, livePipeline(false))
	var tb *serve.Table
	waitFor(t, "the table", func() bool { tb = serve.Lookup(addr, "t"); return tb != nil })
	waitFor(t, "the first 600 events in the table", func() bool { return tb.Seq() >= S })
	rows, sum, session := tableRows(tb), tb.Snapshot().Checksum, tb.Session()
	if tb.Seq() != S || len(rows) != 30 || tb.StateStats().Evicted != 570 {
		t.Fatalf("table at seq %d with %d rows, %d evicted; want %d, 30, 570", tb.Seq(), len(rows), tb.StateStats().Evicted, S)
	}
	written := tn.CheckpointStats().Written
	waitFor(t, "two more checkpoints", func() bool { return tn.CheckpointStats().Written >= written+2 })
	crash(t, e1, tb)

	var log2 logBuffer
	e2, err := engine.New(engine.Config{Workers: 2, Log: &log2, StateDir: state, CheckpointInterval: 30 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	startPipeline(t, e2, livePipeline(true)) // not started: nothing runs yet
	tb2 := serve.Lookup(addr, "t")
	if tb2 == nil || tb2 == tb {
		t.Fatal("the restarted tenant serves no new table")
	}
	if tb2.Seq() != S || tb2.Snapshot().Checksum != sum || !slices.Equal(tableRows(tb2), rows) || tb2.StateStats().Evicted != 570 {
		t.Fatalf("restored table at seq %d, checksum %s, %d evicted, rows equal %v; want %d, %s, 570, true\nlog: %s",
			tb2.Seq(), serve.FormatChecksum(tb2.Snapshot().Checksum), tb2.StateStats().Evicted, slices.Equal(tableRows(tb2), rows),
			S, serve.FormatChecksum(sum), log2.String())
	}
	if tb2.Session() == session {
		t.Fatal("the restored table kept the old session")
	}
	if out := log2.String(); !strings.Contains(out, "resumed from checkpoint") || strings.Contains(out, "starting empty") {
		t.Fatalf("log: %s", out)
	}
	stale, err := client.OpenSession(context.Background(), wsURL(tb2), u64(S), session)
	if err != nil {
		t.Fatal(err)
	}
	defer stale.Close()
	ms := collect(t, stale, 3)
	if ms[0].Type != "gap" || ms[0].From != 1 || ms[0].To != S || ms[1].Type != "snapshot" || ms[2].Type != "snapshot_end" || ms[2].Session != tb2.Session() {
		t.Fatalf("a resume with the old session: %+v %+v %+v, want a gap 1..%d and a snapshot", ms[0], ms[1], ms[2], S)
	}
	live, err := client.OpenSession(context.Background(), wsURL(tb2), u64(S), tb2.Session())
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	e2.Start()
	if m := nextOf(t, live, "frame"); m.From != S+1 {
		t.Fatalf("the first frame after the restore is %d..%d, want it from %d", m.From, m.Seq, S+1)
	}
	crash(t, e2, tb2)

	// A table state of another version: the table starts empty.
	files, _ := filepath.Glob(filepath.Join(state, "live", "checkpoint-*.gwck"))
	if len(files) == 0 {
		t.Fatal("no checkpoint files")
	}
	for _, f := range files {
		setEntryByte(t, f, "t", 99)
	}
	var log3 logBuffer
	e3, err := engine.New(engine.Config{Workers: 1, Log: &log3, StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	startPipeline(t, e3, livePipeline(true))
	tb3 := serve.Lookup(addr, "t")
	if tb3 == nil || tb3.Seq() != 0 || tb3.Stats().Rows != 0 {
		t.Fatalf("a table of another state version: %v", tb3)
	}
	want := `starting empty: sink "t" (cannot restore: table "t": bad serve table state: encoding version 99, want 1)`
	if out := log3.String(); !strings.Contains(out, want) {
		t.Fatalf("log:\n%s\nwant %q", out, want)
	}
	e3.Start() // an engine never started does not close its tenants
	crash(t, e3, tb3)
}

// setEntryByte rewrites a checkpoint file (engine/checkpoint_store.go's
// layout: "GWCK" version manifest-length(4) manifest entries crc32c(4)
// "KCWG") with the first byte of node's entry set to v, and its checksum
// made good again.
func setEntryByte(t *testing.T, path, node string, v byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	mlen := int(binary.LittleEndian.Uint32(b[5:9]))
	var m struct {
		Entries []struct {
			Node     string
			Inflight bool
			Offset   int
			Length   int
		}
	}
	if err := json.Unmarshal(b[9:9+mlen], &m); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range m.Entries {
		if e.Node == node && !e.Inflight && e.Length > 0 {
			b[9+mlen+e.Offset] = v
			found = true
		}
	}
	if !found {
		t.Fatalf("%s: no entry of %q", path, node)
	}
	binary.LittleEndian.PutUint32(b[len(b)-8:], crc32.Checksum(b[:len(b)-8], crc32.MakeTable(crc32.Castagnoli)))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
