package ops

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/connect"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/spec"
)

// joinPipeline joins people with the auctions they sell in 10s windows
// (Nexmark q8's shape) and auctions with the bids placed before they
// expire (q4's), both with two parallel instances fed by key_by.
const joinPipeline = `tenant: joins
sources:
  persons:
    type: file
    path: persons.jsonl
    schema: {id: int, name: string, ts: time}
    timestamp: ts
  auctions:
    type: file
    path: auctions.jsonl
    schema: {id: int, seller: int, ts: time, expires: time}
    timestamp: ts
  bids:
    type: file
    path: bids.jsonl
    schema: {auction: int, price: int, ts: time}
    timestamp: ts
transforms:
  persons_by_id:
    type: key_by
    inputs: [persons]
    key: [id]
  auctions_by_seller:
    type: key_by
    inputs: [auctions]
    key: [seller]
  auctions_by_id:
    type: key_by
    inputs: [auctions]
    key: [id]
  bids_by_auction:
    type: key_by
    inputs: [bids]
    key: [auction]
  new_sellers:
    type: join
    inputs: [persons_by_id, auctions_by_seller]
    parallelism: 2
    mode: window
    window: tumbling
    size: 10s
    left_key: [id]
    right_key: [seller]
    left_prefix: person_
    right_prefix: auction_
  open_bids:
    type: join
    inputs: [auctions_by_id, bids_by_auction]
    parallelism: 2
    mode: interval
    until: expires
    left_key: [id]
    right_key: [auction]
    right_prefix: bid_
sinks:
  sellers_out:
    type: file
    inputs: [new_sellers]
    path: sellers.jsonl
  bids_out:
    type: file
    inputs: [open_bids]
    path: bids_out.jsonl
  late_out:
    type: file
    inputs: [new_sellers.late, open_bids.late]
    path: late.jsonl
`

var joinPipelineInputs = map[string]string{
	"persons.jsonl": `{"id": 1, "name": "ann", "ts": "2026-01-01T00:00:01Z"}
{"id": 2, "name": "bob", "ts": "2026-01-01T00:00:02Z"}
{"id": 3, "name": "cy", "ts": "2026-01-01T00:00:12Z"}
`,
	"auctions.jsonl": `{"id": 100, "seller": 1, "ts": "2026-01-01T00:00:03Z", "expires": "2026-01-01T00:00:20Z"}
{"id": 101, "seller": 1, "ts": "2026-01-01T00:00:06Z", "expires": "2026-01-01T00:00:08Z"}
{"id": 102, "seller": 2, "ts": "2026-01-01T00:00:11Z", "expires": "2026-01-01T00:00:30Z"}
{"id": 103, "seller": 3, "ts": "2026-01-01T00:00:15Z", "expires": "2026-01-01T00:00:16Z"}
`,
	"bids.jsonl": `{"auction": 100, "price": 5, "ts": "2026-01-01T00:00:04Z"}
{"auction": 101, "price": 7, "ts": "2026-01-01T00:00:07Z"}
{"auction": 101, "price": 8, "ts": "2026-01-01T00:00:09Z"}
{"auction": 100, "price": 9, "ts": "2026-01-01T00:00:10Z"}
{"auction": 103, "price": 1, "ts": "2026-01-01T00:00:16Z"}
{"auction": 100, "price": 6, "ts": "2026-01-01T00:00:21Z"}
{"auction": 104, "price": 2, "ts": "2026-01-01T00:00:22Z"}
`,
}

// TestJoinPipeline runs the YAML pipeline on the engine and checks every
// row of both joins; the engine's watermarks and partitioning are the real
// ones.
func TestJoinPipeline(t *testing.T) {
	dir, err := runJoinPipeline(t, joinPipeline)
	if err != nil {
		t.Fatal(err)
	}

	sellers := jsonRows(t, filepath.Join(dir, "sellers.jsonl"), "person_name", "auction_id", "auction_ts")
	want := []string{"ann 100 2026-01-01T00:00:03Z", "ann 101 2026-01-01T00:00:06Z", "cy 103 2026-01-01T00:00:15Z"}
	if !slices.Equal(sellers, want) {
		t.Errorf("window join rows:\n  %s\nwant:\n  %s", strings.Join(sellers, "\n  "), strings.Join(want, "\n  "))
	}
	bids := jsonRows(t, filepath.Join(dir, "bids_out.jsonl"), "id", "seller", "bid_price", "bid_ts")
	want = []string{
		"100 1 5 2026-01-01T00:00:04Z", "100 1 9 2026-01-01T00:00:10Z",
		"101 1 7 2026-01-01T00:00:07Z", "103 3 1 2026-01-01T00:00:16Z",
	}
	if !slices.Equal(bids, want) {
		t.Errorf("interval join rows:\n  %s\nwant:\n  %s", strings.Join(bids, "\n  "), strings.Join(want, "\n  "))
	}
	if late := jsonRows(t, filepath.Join(dir, "late.jsonl")); len(late) != 0 {
		t.Errorf("late rows %v, want none: every file is in time order", late)
	}
}

// TestJoinPipelineIntAgainstFloat: the bids' auction ids read as floats
// (100.0) join the auctions' int ids (100) at parallelism 2: key_by hashes
// an int and the float equal to it alike, so both land on one instance.
func TestJoinPipelineIntAgainstFloat(t *testing.T) {
	yaml := strings.Replace(joinPipeline, "schema: {auction: int, price: int, ts: time}", "schema: {auction: float, price: int, ts: time}", 1)
	if yaml == joinPipeline {
		t.Fatal("pipeline not changed")
	}
	dir, err := runJoinPipeline(t, yaml)
	if err != nil {
		t.Fatal(err)
	}
	bids := jsonRows(t, filepath.Join(dir, "bids_out.jsonl"), "id", "bid_auction", "bid_price")
	want := []string{"100 100 5", "100 100 9", "101 101 7", "103 103 1"}
	if !slices.Equal(bids, want) {
		t.Errorf("interval join rows:\n  %s\nwant:\n  %s", strings.Join(bids, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestJoinPipelineUnkeyed: with parallelism 2 and inputs that no key_by
// partitioned, the join stops the tenant rather than miss pairs. The two
// file sources read on goroutines of their own, so either input's first
// batch may be the one found unpartitioned.
func TestJoinPipelineUnkeyed(t *testing.T) {
	yaml := strings.Replace(joinPipeline, "inputs: [persons_by_id, auctions_by_seller]", "inputs: [persons, auctions]", 1)
	_, err := runJoinPipeline(t, yaml)
	left := `the left input is not partitioned by left_key ["id"]`
	right := `the right input is not partitioned by right_key ["seller"]`
	if err == nil || !(strings.Contains(err.Error(), left) || strings.Contains(err.Error(), right)) || !strings.Contains(err.Error(), "new_sellers") {
		t.Fatalf("error %v, want one naming new_sellers and containing %q or %q", err, left, right)
	}
}

// runJoinPipeline writes the input files to a temporary directory, runs
// the pipeline there on a two-worker engine until it ends, and returns the
// directory and the tenant's error.
func runJoinPipeline(t *testing.T, yaml string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	for name, data := range joinPipelineInputs {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cat, err := component.NewCatalog(append(connect.Specs(), Specs()...)...)
	if err != nil {
		t.Fatal(err)
	}
	p, err := spec.Parse("joins.yaml", []byte(yaml), cat)
	if err != nil {
		t.Fatal(err)
	}
	p.Dir = dir
	e, err := engine.New(engine.Config{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pl, err := e.Compile(p)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	tn, err := e.Run(pl)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	e.Start()
	select {
	case <-tn.Done():
	case <-time.After(20 * time.Second):
		t.Fatalf("the pipeline did not finish: %+v", tn.Stats())
	}
	return dir, tn.Err()
}

// jsonRows reads a JSON-lines file (none when it was never written) and
// returns, sorted, one line per row with the given fields' values.
func jsonRows(t *testing.T, path string, fields ...string) []string {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var row map[string]any
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("%s: bad line %q: %v", path, sc.Text(), err)
		}
		var vals []string
		for _, name := range fields {
			vals = append(vals, fmt.Sprint(row[name]))
		}
		rows = append(rows, strings.Join(vals, " "))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(rows)
	return rows
}
