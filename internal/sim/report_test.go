package sim

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (rerun with -update to accept):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// The all-uniform run is exact integer arithmetic, so its output is the
// same on every platform.
func TestWriteTextGolden(t *testing.T) {
	r := mustRun(t, uniformConfig(time.Second, 200_000))
	var b bytes.Buffer
	if err := WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "uniform-200k.txt", b.Bytes())
}

func TestWriteJSONGolden(t *testing.T) {
	r := mustRun(t, uniformConfig(time.Second, 200_000))
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "uniform-200k.json", b.Bytes())
	var rep Report
	if err := json.Unmarshal(b.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep != r.Report() {
		t.Fatalf("report does not survive a JSON round trip:\n%+v\n%+v", rep, r.Report())
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	lat, ok := m["latency_s"].(map[string]any)
	if !ok || lat["p99"] != 0.0005 || m["bounded"] != true || m["dispatcher_delays"] != "uniform" {
		t.Fatalf("unexpected JSON: %s", b.Bytes())
	}
}
