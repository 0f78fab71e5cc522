package serve_test

import (
	"context"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/serve"
	"github.com/greenwave/greenwave/internal/serve/client"
)

// Every transport sends a snapshot, then deltas in sequence, and a
// replica built from them matches the table's checksum.
func TestTransportsSnapshotThenDeltas(t *testing.T) {
	tb := newTable(t, testConfig("t"))
	put(t, tb, 1, 10, 2, 20)
	for i, url := range []string{wsURL(tb), sseURL(tb), tcpURL(tb)} {
		t.Run(url[:3], func(t *testing.T) {
			s, err := client.Open(context.Background(), url, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			r := client.NewReplica()
			for !r.Synced {
				apply(t, r, collect(t, s, 1)[0])
			}
			if len(r.Rows) != 2 {
				t.Fatalf("snapshot has %d rows, want 2", len(r.Rows))
			}
			seq := tb.Seq()
			put(t, tb, 3, 30+i, 1, 100+i)
			del(t, tb, 1)
			for r.Seq < seq+3 {
				apply(t, r, collect(t, s, 1)[0])
			}
			st := tb.Stats()
			if got := serve.FormatChecksum(r.Sum); got != st.Checksum {
				t.Fatalf("replica checksum %s, table %s", got, st.Checksum)
			}
			if _, ok := r.Rows["[1]"]; ok || len(r.Rows) != 2 || string(r.Rows["[3]"]) != `{"k":3,"v":3`+itoa(i)+`}` {
				t.Fatalf("rows after delete: %v", keys(r))
			}
		})
	}
}

func apply(t *testing.T, r *client.Replica, m *client.Message) {
	t.Helper()
	if err := r.Apply(m); err != nil {
		t.Fatal(err)
	}
}

func keys(r *client.Replica) []string {
	var k []string
	for key := range r.Rows {
		k = append(k, key)
	}
	return k
}

var _ = time.Second
