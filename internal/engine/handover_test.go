package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/engine"
)

// memStore keeps checkpoints in memory, newest last.
type memStore struct {
	mu    sync.Mutex
	saved [][]byte
	ids   []uint64
	err   error // returned by Load
}

func (m *memStore) Save(id uint64, b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saved = append(m.saved, append([]byte(nil), b...))
	m.ids = append(m.ids, id)
	return nil
}

func (m *memStore) Load() ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return nil, m.err
	}
	var out [][]byte
	for i := len(m.saved) - 1; i >= 0; i-- {
		out = append(out, m.saved[i])
	}
	return out, nil
}

func (m *memStore) newest() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.ids) == 0 {
		return 0
	}
	return m.ids[len(m.ids)-1]
}

// checkIDs reads a file of sequence events and fails unless their ids run
// 0, 1, 2, ... with none repeated or skipped; it returns how many there are.
func checkIDs(t *testing.T, path string) int {
	t.Helper()
	lines := readLines(t, path)
	for i, l := range lines {
		var r struct{ ID int }
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if r.ID != i {
			t.Fatalf("line %d: id %d, want %d", i+1, r.ID, i)
		}
	}
	return len(lines)
}

// idPipeline writes the events of a paced sequence to a file.
const idPipeline = `tenant: ids
checkpoint: {interval: 1h}
sources:
  gen: {type: generate, profile: sequence, rate: 20000, keys: 50, seed: 5}
sinks:
  out: {type: file, inputs: [gen], path: ids.jsonl, flush_every: 0s}
`

// TestCheckpointThenAbortHandsOver: a tenant checkpointed in a store of its
// own (no state directory) takes a checkpoint on request, is aborted, and a
// new engine resumes it from that checkpoint: the output goes on with no
// event repeated or lost.
func TestCheckpointThenAbortHandsOver(t *testing.T) {
	cat := testCatalog(t)
	dir := t.TempDir()
	store := &memStore{}
	stores := func(tenant string) engine.CheckpointStore {
		if tenant == "ids" {
			return store
		}
		return nil
	}
	var log syncBuilder
	e, err := engine.New(engine.Config{Workers: 2, Wait: "park", Log: &log, CheckpointStore: stores})
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, cat, "ids", idPipeline)
	p.Dir = dir
	tn := start(t, e, p)
	time.Sleep(200 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, err := tn.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := store.newest(); got != id || id == 0 {
		t.Fatalf("Checkpoint returned %d; the store's newest is %d", id, got)
	}
	tn.Abort()
	waitDone(t, tn, 5*time.Second)
	if err := tn.Err(); !errors.Is(err, engine.ErrAborted) {
		t.Fatalf("Err after Abort = %v, want ErrAborted", err)
	}
	if strings.Contains(log.String(), "failed") {
		t.Errorf("an abort is logged as a failure:\n%s", log.String())
	}
	e.Close()
	before := checkIDs(t, filepath.Join(dir, "ids.jsonl"))

	var log2 syncBuilder
	e2, err := engine.New(engine.Config{Workers: 2, Wait: "park", Log: &log2, CheckpointStore: stores})
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	p2 := parse(t, cat, "ids", idPipeline)
	p2.Dir = dir
	tn2 := start(t, e2, p2)
	time.Sleep(200 * time.Millisecond)
	tn2.Stop()
	waitDone(t, tn2, 5*time.Second)
	if !strings.Contains(log2.String(), "resumed from checkpoint") {
		t.Errorf("log lacks the resume:\n%s", log2.String())
	}
	if after := checkIDs(t, filepath.Join(dir, "ids.jsonl")); after <= before/2 {
		t.Errorf("%d rows after the second run, %d after the first", after, before)
	}
}

// TestUnreadableStoreKeepsTheTenantFromStarting: starting empty would redo
// what the stored checkpoint holds, so Run refuses.
func TestUnreadableStoreKeepsTheTenantFromStarting(t *testing.T) {
	cat := testCatalog(t)
	store := &memStore{err: errors.New("no quorum")}
	e, err := engine.New(engine.Config{Workers: 1, Wait: "park", Log: testLog{t},
		CheckpointStore: func(string) engine.CheckpointStore { return store }})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pl, err := e.Compile(parse(t, cat, "seq", seqPipeline(10, 0, 1)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Run(pl)
	if err == nil || !strings.Contains(err.Error(), "no quorum") || !strings.Contains(err.Error(), "cannot load the checkpoint") {
		t.Fatalf("Run = %v, want the store's error", err)
	}
}

// TestCheckpointOfAnUncheckpointedTenant says so.
func TestCheckpointOfAnUncheckpointedTenant(t *testing.T) {
	cat := testCatalog(t)
	e := newEngine(t, 1, "park")
	tn := start(t, e, parse(t, cat, "seq", seqPipeline(10, 0, 1)))
	waitDone(t, tn, 5*time.Second)
	if _, err := tn.Checkpoint(context.Background()); !errors.Is(err, engine.ErrNotCheckpointed) {
		t.Fatalf("Checkpoint = %v, want ErrNotCheckpointed", err)
	}
}

// gateStore is a memStore whose Save waits until open is closed.
type gateStore struct {
	memStore
	open chan struct{}
}

func (g *gateStore) Save(id uint64, b []byte) error {
	<-g.open
	return g.memStore.Save(id, b)
}

// TestFreshTenantReadsOnlyOnceItsFirstCheckpointIsDurable: a tenant with no
// checkpoint to restore takes one before its sources read anything, and
// they wait until it is stored, so a crash at any moment leaves a
// checkpoint that says what the run had done (nothing, at first).
func TestFreshTenantReadsOnlyOnceItsFirstCheckpointIsDurable(t *testing.T) {
	cat := testCatalog(t)
	dir := t.TempDir()
	store := &gateStore{open: make(chan struct{})}
	e, err := engine.New(engine.Config{Workers: 2, Wait: "park", Log: testLog{t},
		CheckpointStore: func(string) engine.CheckpointStore { return store }})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	p := parse(t, cat, "ids", idPipeline)
	p.Dir = dir
	tn := start(t, e, p)
	time.Sleep(300 * time.Millisecond)
	if s := tn.Stats(); s.In != 0 {
		t.Fatalf("the sources read %d events before the first checkpoint was stored", s.In)
	}
	close(store.open)
	deadline := time.Now().Add(5 * time.Second)
	for tn.Stats().In == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the sources did not read once the first checkpoint was stored")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if store.newest() == 0 {
		t.Fatal("no checkpoint stored")
	}
	tn.Stop()
	waitDone(t, tn, 5*time.Second)
	checkIDs(t, filepath.Join(dir, "ids.jsonl"))
}
