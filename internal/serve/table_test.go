package serve_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/serve"
	"github.com/greenwave/greenwave/internal/serve/client"
)

// replicaOf builds a replica from the table's snapshot messages.
func replicaOf(t *testing.T, tb *serve.Table) *client.Replica {
	t.Helper()
	r := client.NewReplica()
	for _, m := range tb.Snapshot().Messages() {
		dm, err := client.Decode(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		apply(t, r, dm)
	}
	return r
}

// Every change takes the next sequence number; an identical row and the
// delete of an absent key change nothing; a re-emitted row (same key,
// other values) replaces the old one; a delete is a delta too.
func TestTableSequence(t *testing.T) {
	tb, err := serve.NewTable(testConfig("seq"))
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close(time.Second)
	put(t, tb, 1, 10, 2, 20)
	put(t, tb, 1, 10) // identical
	del(t, tb, 7)     // absent
	if got := tb.Seq(); got != 2 {
		t.Fatalf("seq %d after 2 changes, want 2", got)
	}
	put(t, tb, 1, 11) // re-emitted window row
	del(t, tb, 2)
	if got := tb.Seq(); got != 4 {
		t.Fatalf("seq %d, want 4", got)
	}
	r := replicaOf(t, tb)
	if len(r.Rows) != 1 || string(r.Rows["[1]"]) != `{"k":1,"v":11}` {
		t.Fatalf("rows %q", r.Rows)
	}
	st := tb.Stats()
	if st.Rows != 1 || st.Deltas != 4 || st.Retained != 4 {
		t.Fatalf("stats rows %d deltas %d retained %d", st.Rows, st.Deltas, st.Retained)
	}
}

// The deltas in the window are exactly the changes, in order, with
// absolute values: applied to the empty table they give the snapshot.
func TestWindowReplaysToSnapshot(t *testing.T) {
	cfg := testConfig("w")
	cfg.ChecksumEvery = 3
	tb, err := serve.NewTable(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close(time.Second)
	for i := range 50 {
		put(t, tb, i%7, i)
		if i%5 == 0 {
			del(t, tb, (i+3)%7)
		}
	}
	r := client.NewReplica()
	apply(t, r, &client.Message{Type: "snapshot", Seq: 0})
	apply(t, r, &client.Message{Type: "snapshot_end", Seq: 0, Checksum: serve.FormatChecksum(0)})
	ms := tb.WindowFrom(1)
	if uint64(len(ms)) != tb.Seq() {
		t.Fatalf("window holds %d deltas, table at %d", len(ms), tb.Seq())
	}
	sums := 0
	for _, m := range ms {
		dm, err := client.Decode(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		if dm.Checksum != "" {
			sums++
		}
		apply(t, r, dm) // verifies continuity and every third checksum
	}
	if sums == 0 || r.Verified != uint64(sums)+1 {
		t.Fatalf("%d checksums in deltas, %d verified", sums, r.Verified)
	}
	if got, want := serve.FormatChecksum(r.Sum), tb.Stats().Checksum; got != want {
		t.Fatalf("replayed checksum %s, table %s", got, want)
	}
}

// The window keeps at most retain deltas and retain_bytes bytes.
func TestWindowBounds(t *testing.T) {
	cfg := testConfig("b")
	cfg.Retain = 10
	tb, _ := serve.NewTable(cfg)
	defer tb.Close(time.Second)
	for i := range 25 {
		put(t, tb, i, i)
	}
	st := tb.Stats()
	if st.Retained != 10 || st.FirstRetained != 16 || st.WindowEvicted != 15 {
		t.Fatalf("retained %d from %d, evicted %d; want 10 from 16, 15", st.Retained, st.FirstRetained, st.WindowEvicted)
	}
	cfg = testConfig("bytes")
	cfg.RetainBytes = 200
	tb2, _ := serve.NewTable(cfg)
	defer tb2.Close(time.Second)
	for i := range 25 {
		put(t, tb2, i, i)
	}
	if st := tb2.Stats(); st.RetainedBytes > 200 || st.Retained < 2 {
		t.Fatalf("retained %d deltas, %d bytes; bound 200 bytes", st.Retained, st.RetainedBytes)
	}
}

// max_rows fails a new key under fail and evicts the least recently
// updated row, as a delete delta, under evict_oldest; ttl deletes rows
// not updated for that long.
func TestTableBounds(t *testing.T) {
	cfg := testConfig("fail")
	cfg.MaxRows = 3
	tb, _ := serve.NewTable(cfg)
	defer tb.Close(time.Second)
	put(t, tb, 1, 1, 2, 2, 3, 3)
	err := tb.Apply([]serve.Change{{Key: []byte("[4]"), Row: []byte(`{"k":4}`)}}, 0, time.Now())
	if !errors.Is(err, serve.ErrStateLimit) || !strings.Contains(err.Error(), "max_rows 3") {
		t.Fatalf("err %v, want the max_rows limit", err)
	}

	cfg = testConfig("evict")
	cfg.MaxRows, cfg.Evict = 3, true
	tb2, _ := serve.NewTable(cfg)
	defer tb2.Close(time.Second)
	put(t, tb2, 1, 1, 2, 2, 3, 3)
	put(t, tb2, 1, 5) // 1 is now the most recent
	put(t, tb2, 4, 4) // evicts 2
	r := replicaOf(t, tb2)
	if _, ok := r.Rows["[2]"]; ok || len(r.Rows) != 3 {
		t.Fatalf("rows %q, want 2 evicted", r.Rows)
	}
	last := tb2.WindowFrom(tb2.Seq() - 1)
	if !strings.Contains(string(last[0].Data), `"op":"delete","key":[2]`) {
		t.Fatalf("eviction delta %s", last[0].Data)
	}
	if st := tb2.StateStats(); st.Evicted != 1 || st.Keys != 3 || st.MaxKeys != 3 {
		t.Fatalf("state stats %+v", st)
	}

	cfg = testConfig("ttl")
	cfg.TTL = time.Minute
	tb3, _ := serve.NewTable(cfg)
	defer tb3.Close(time.Second)
	t0 := time.Unix(1000, 0)
	for k, at := range []time.Time{t0, t0.Add(30 * time.Second), t0.Add(50 * time.Second)} {
		ch := []serve.Change{{Key: []byte(fmt.Sprintf("[%d]", k)), Row: []byte(`{}`)}}
		if err := tb3.Apply(ch, 0, at); err != nil {
			t.Fatal(err)
		}
	}
	tb3.Expire(t0.Add(95 * time.Second)) // 0 and 1 were updated more than a minute before
	r = replicaOf(t, tb3)
	if len(r.Rows) != 1 || r.Rows["[2]"] == nil || tb3.StateStats().Expired != 2 || tb3.Seq() != 5 {
		t.Fatalf("after ttl: rows %q, expired %d, seq %d", r.Rows, tb3.StateStats().Expired, tb3.Seq())
	}
}

// A snapshot of more than 1000 rows is split over several messages; the
// document GET .../snapshot returns holds the same rows and checksum.
func TestSnapshotChunks(t *testing.T) {
	tb, _ := serve.NewTable(testConfig("big"))
	defer tb.Close(time.Second)
	kv := make([]int, 0, 5000)
	for i := range 2500 {
		kv = append(kv, i, i*i)
	}
	put(t, tb, kv...)
	snap := tb.Snapshot()
	ms := snap.Messages()
	if len(ms) != 4 || ms[3].Kind != serve.KindSnapshotEnd {
		t.Fatalf("%d messages, want 3 parts and an end", len(ms))
	}
	r := replicaOf(t, tb)
	if len(r.Rows) != 2500 {
		t.Fatalf("%d rows", len(r.Rows))
	}
	var doc struct {
		Seq      uint64
		Checksum string
		Rows     []client.Entry
	}
	if err := json.Unmarshal(snap.AppendJSON(nil), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Seq != 2500 || len(doc.Rows) != 2500 || doc.Checksum != serve.FormatChecksum(r.Sum) {
		t.Fatalf("document seq %d rows %d checksum %s", doc.Seq, len(doc.Rows), doc.Checksum)
	}
	if tb.Snapshot() != snap {
		t.Fatal("an unchanged table made a new snapshot")
	}
}
