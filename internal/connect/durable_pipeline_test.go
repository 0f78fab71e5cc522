package connect_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/spec"
)

// durableYAML: an http source with ack: durable into a file sink; the
// checkpoints are taken by the test (Tenant.Checkpoint), the interval
// being an hour.
const durableYAML = `tenant: durable
checkpoint: {interval: 1h}
sources:
  in: {type: http, address: "%s", path: /events, ack: durable, ack_timeout: 2h, schema: {id: int}}
sinks:
  out: {type: file, inputs: [in], path: "%s", flush_every: 0s}
`

// startDurable runs the durable pipeline on an engine of its own with
// state in state.
func startDurable(t *testing.T, state, addr, out string) (*engine.Engine, *engine.Tenant) {
	t.Helper()
	p, err := spec.Parse("durable.yaml", fmt.Appendf(nil, durableYAML, addr, out), builtin.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	p.Dir = filepath.Dir(out)
	e, err := engine.New(engine.Config{Workers: 2, Wait: "park", StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := e.Compile(p)
	if err != nil {
		e.Close()
		t.Fatal(err)
	}
	tn, err := e.Run(pl)
	if err != nil {
		e.Close()
		t.Fatal(err)
	}
	e.Start()
	waitFor(t, "http://"+addr+"/events")
	return e, tn
}

// postIDs posts one request of the ids [from, to) and returns its status.
func postIDs(url string, from, to int) int {
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "{\"id\":%d}\n", i)
	}
	resp, err := http.Post(url, "application/x-ndjson", strings.NewReader(b.String()))
	if err != nil {
		return -1 // the connection broke: unanswered
	}
	resp.Body.Close()
	return resp.StatusCode
}

// outputIDs counts each id in the sink's file.
func outputIDs(t *testing.T, path string) map[int]int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]int{}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l == "" {
			continue
		}
		var r struct{ ID int }
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("bad row %q: %v", l, err)
		}
		seen[r.ID]++
	}
	return seen
}

// TestHTTPDurableAcrossACrash: requests answered 200 are those a committed
// checkpoint holds; requests whose events reached the sink but no
// committed checkpoint when the tenant crashes get no 200; sent again to
// the restarted tenant, they are answered 200 after its checkpoint, and the
// output holds every acknowledged event exactly once.
func TestHTTPDurableAcrossACrash(t *testing.T) {
	state, dir := t.TempDir(), t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	addr := freePort(t)
	url := "http://" + addr + "/events"
	e, tn := startDurable(t, state, addr, out)

	// Request A: answered after a checkpoint.
	a := make(chan int, 1)
	go func() { a <- postIDs(url, 0, 100) }()
	for tn.Stats().Out < 100 {
		time.Sleep(time.Millisecond)
	}
	select {
	case st := <-a:
		t.Fatalf("request A answered %d before a checkpoint", st)
	case <-time.After(50 * time.Millisecond):
	}
	if _, err := tn.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := <-a; st != http.StatusOK {
		t.Fatalf("request A after the checkpoint: %d, want 200", st)
	}

	// Requests B: in the sink, in no checkpoint, when the tenant crashes.
	var wg sync.WaitGroup
	bStatus := make([]int, 4)
	for i := range bStatus {
		wg.Add(1)
		go func() { defer wg.Done(); bStatus[i] = postIDs(url, 100+50*i, 150+50*i) }()
	}
	for tn.Stats().Out < 300 {
		time.Sleep(time.Millisecond)
	}
	if got := outputIDs(t, out); len(got) != 300 {
		t.Fatalf("before the crash the file holds %d ids, want all 300 written", len(got))
	}
	tn.Abort()
	<-tn.Done()
	wg.Wait()
	e.Close()
	for i, st := range bStatus {
		if st == http.StatusOK {
			t.Fatalf("request B%d answered 200 though no checkpoint held it", i)
		}
	}

	// Restart, send B again, checkpoint: every B is answered 200.
	e2, tn2 := startDurable(t, state, addr, out)
	defer e2.Close()
	for i := range bStatus {
		wg.Add(1)
		go func() { defer wg.Done(); bStatus[i] = postIDs(url, 100+50*i, 150+50*i) }()
	}
	for tn2.Stats().Out < 200 {
		time.Sleep(time.Millisecond)
	}
	if _, err := tn2.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, st := range bStatus {
		if st != http.StatusOK {
			t.Fatalf("request B%d sent again: %d, want 200", i, st)
		}
	}
	got := outputIDs(t, out)
	for id := range 300 {
		if got[id] != 1 {
			t.Fatalf("id %d is in the output %d times, want once (acknowledged)", id, got[id])
		}
	}
	if len(got) != 300 {
		t.Fatalf("the output holds %d ids, want 300", len(got))
	}
}

// Without checkpoints, ack: durable is an error at its place in the file.
func TestHTTPDurableWithoutCheckpointsIsACompileError(t *testing.T) {
	p, err := spec.Parse("durable.yaml", fmt.Appendf(nil, durableYAML, "127.0.0.1:0", "out.jsonl"), builtin.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	p.Dir = t.TempDir()
	e := newTestEngine(t)
	_, err = e.Compile(p)
	if err == nil || !strings.Contains(err.Error(), "durable.yaml:4:64:") || !strings.Contains(err.Error(), "--state-dir") {
		t.Fatalf("compile without checkpoints: %v, want an error at durable.yaml:4:64 (the ack value) naming --state-dir", err)
	}
}
