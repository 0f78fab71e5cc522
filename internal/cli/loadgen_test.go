package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestLoadgenJSONAndSweepFiles: `loadgen --sweep --json --out` prints one
// object per rate with the documented fields and writes the CSV and plots.
func TestLoadgenJSONAndSweepFiles(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if strings.Count(string(b), "\n") == 2 {
			got.Add(1)
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "latency")
	code, stdout, stderr := runMain("loadgen", srv.URL+"/events", "--sweep", "100,200", "--duration", "500ms",
		"--warmup", "0s", "--events", "2", "--json", "--out", out, "--connections", "4")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one JSON object per rate, got:\n%s", stdout)
	}
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"rate", "achieved_rate", "requests", "errors", "p50_ns", "p99_ns", "p999_ns", "max_ns", "uncorrected_p50_ns", "uncorrected_p99_ns"} {
			if _, ok := m[k]; !ok {
				t.Errorf("line %d lacks %q: %s", i, k, l)
			}
		}
		if want := []float64{100, 200}[i]; m["rate"] != want || m["requests"].(float64) != want/2 {
			t.Errorf("line %d: rate %v requests %v, want %v and %v", i, m["rate"], m["requests"], want, want/2)
		}
	}
	if n := got.Load(); n < 150 {
		t.Errorf("the server saw %d requests of 2 events", n)
	}
	for _, f := range []string{"latency.csv", "latency.svg", "latency.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
