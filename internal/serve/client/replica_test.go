package client

import (
	"errors"
	"testing"

	"github.com/greenwave/greenwave/internal/serve"
)

func msg(t *testing.T, s string) *Message {
	t.Helper()
	m, err := Decode([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestReplicaChecks(t *testing.T) {
	sum := serve.FormatChecksum(serve.RowHash([]byte(`[1]`), []byte(`{"v":1}`)))
	r := NewReplica()
	for _, s := range []string{
		`{"type":"snapshot","seq":5,"rows":[{"key":[1],"row":{"v":1}}]}`,
		`{"type":"snapshot_end","seq":5,"checksum":"` + sum + `"}`,
		`{"type":"delta","seq":6,"op":"upsert","key":[2],"row":{"v":2}}`,
		`{"type":"delta","seq":7,"op":"delete","key":[2],"checksum":"` + sum + `"}`,
		`{"type":"progress","seq":7,"watermark":"2026-01-01T00:00:00Z"}`,
	} {
		if err := r.Apply(msg(t, s)); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if r.Seq != 7 || len(r.Rows) != 1 || r.Verified != 2 || r.Watermark != "2026-01-01T00:00:00Z" {
		t.Fatalf("replica %+v", r)
	}
	for _, c := range []struct {
		msg  string
		want error
	}{
		{`{"type":"delta","seq":9,"op":"upsert","key":[3],"row":{}}`, ErrDiscontinuity},
		{`{"type":"progress","seq":8}`, ErrDiscontinuity},
		{`{"type":"delta","seq":8,"op":"upsert","key":[3],"row":{},"checksum":"0000000000000001"}`, ErrChecksum},
	} {
		if err := r.Apply(msg(t, c.msg)); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.msg, err, c.want)
		}
	}
	// After a gap, deltas wait for the next snapshot.
	r = NewReplica()
	_ = r.Apply(msg(t, `{"type":"gap","from":3,"to":9}`))
	if err := r.Apply(msg(t, `{"type":"delta","seq":10,"op":"delete","key":[1]}`)); !errors.Is(err, ErrProtocol) || r.Gaps != 1 {
		t.Fatalf("delta after a gap: %v", err)
	}
}

// The fast path reads the server's deltas as Decode does, checksums
// included, and leaves anything else to Decode.
func TestParseDelta(t *testing.T) {
	for _, c := range []struct {
		in       string
		ok       bool
		seq      uint64
		key, row string
		sum      string
	}{
		{`{"type":"delta","seq":12,"op":"upsert","key":["a]\"b",2],"row":{"x":"]"}}`, true, 12, `["a]\"b",2]`, `{"x":"]"}`, ""},
		{`{"type":"delta","seq":3,"op":"delete","key":[1]}`, true, 3, `[1]`, "", ""},
		{`{"type":"delta","seq":4,"op":"delete","key":[1],"checksum":"00000000000000ff"}`, true, 4, `[1]`, "", "00000000000000ff"},
		{`{"type":"delta","seq":5,"op":"upsert","key":[1],"row":{"a":1},"checksum":"00000000000000ff"}`, true, 5, `[1]`, `{"a":1}`, "00000000000000ff"},
		{`{"type": "delta","seq":5}`, false, 0, "", "", ""},
		{`{"type":"progress","seq":5}`, false, 0, "", "", ""},
	} {
		d, ok := parseDelta([]byte(c.in))
		if ok != c.ok || ok && (d.seq != c.seq || string(d.key) != c.key || string(d.row) != c.row || d.sum != c.sum) {
			t.Errorf("%s: got %v %d %s %s %s", c.in, ok, d.seq, d.key, d.row, d.sum)
		}
	}
}

// A snapshot part read on the fast path gives the rows Decode gives.
func TestSnapshotFastPath(t *testing.T) {
	raw := `{"type":"snapshot","seq":9,"rows":[{"key":["a}",1],"row":{"s":"x}{\"","n":[1,{"d":2}]}},{"key":[2],"row":{}}]}`
	fast, slow := NewReplica(), NewReplica()
	if _, err := fast.ApplyRaw([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	if err := slow.Apply(msg(t, raw)); err != nil {
		t.Fatal(err)
	}
	if len(fast.Rows) != 2 || fast.Sum != slow.Sum || string(fast.Rows[`["a}",1]`]) != `{"s":"x}{\"","n":[1,{"d":2}]}` {
		t.Fatalf("fast %q, slow %q", fast.Rows, slow.Rows)
	}
}
