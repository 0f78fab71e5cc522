package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testCheckpoint(id uint64) *checkpoint {
	c := &checkpoint{manifest: manifest{Tenant: "t", ID: id, Time: time.Unix(1700000000, 0).UTC(), Entries: []entry{
		{Node: "gen", Instance: 0, Fingerprint: "aa", data: []byte("position")},
		{Node: "count", Instance: 1, Fingerprint: "bb", data: []byte{0, 1, 2, 3}},
		{Node: "done", Instance: 0, Fingerprint: "cc", Finished: true},
	}}}
	return c
}

// TestCheckpointFileRoundTrip: what is written reads back, entry for entry.
func TestCheckpointFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for id := uint64(1); id <= 4; id++ {
		if _, err := writeCheckpoint(dir, testCheckpoint(id)); err != nil {
			t.Fatal(err)
		}
	}
	names := checkpointFiles(filepath.Join(dir, "t"))
	if len(names) != keepCheckpoints || !strings.Contains(names[0], "0004") {
		t.Fatalf("files kept: %v", names)
	}
	c, skipped := loadCheckpoint(dir, "t")
	if c == nil || len(skipped) != 0 || c.ID != 4 {
		t.Fatalf("loaded %v, skipped %v", c, skipped)
	}
	if e := c.lookup("count", 1); e == nil || string(e.data) != "\x00\x01\x02\x03" || e.Fingerprint != "bb" {
		t.Fatalf("entry count#1: %+v", e)
	}
	if e := c.lookup("done", 0); e == nil || !e.Finished || len(e.data) != 0 {
		t.Fatalf("entry done#0: %+v", e)
	}
}

// TestDamagedCheckpointFilesAreRefused: a truncated file, a flipped bit, a
// foreign file and another tenant's file are each refused with a reason,
// and the older good file is used.
func TestDamagedCheckpointFilesAreRefused(t *testing.T) {
	good, err := testCheckpoint(1).encode()
	if err != nil {
		t.Fatal(err)
	}
	other := testCheckpoint(2)
	other.Tenant = "u"
	foreignTenant, _ := other.encode()
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 1
	cases := map[string]struct {
		data []byte
		why  string
	}{
		"truncated":      {good[:len(good)-3], "truncated"},
		"flipped bit":    {flipped, "checksum mismatch"},
		"not ours":       {[]byte("hello, world, this is not a checkpoint"), "not a checkpoint file"},
		"another tenant": {foreignTenant, `written for tenant "u"`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := writeCheckpoint(dir, testCheckpoint(1)); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "t", checkpointName(2)), c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			ck, skipped := loadCheckpoint(dir, "t")
			if ck == nil || ck.ID != 1 {
				t.Fatalf("loaded %v, want the older checkpoint", ck)
			}
			if len(skipped) != 1 || !strings.Contains(skipped[0], c.why) {
				t.Fatalf("skipped %v, want one saying %q", skipped, c.why)
			}
		})
	}
}
