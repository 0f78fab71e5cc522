package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/admin"
	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/metrics"
)

const observed = `tenant: acme
sources:
  gen: {type: generate, profile: sequence, rate: 5000, keys: 10}
transforms:
  per_key: {type: count, inputs: [gen], key: [key], parallelism: 2, emit: update}
sinks:
  out: {type: blackhole, inputs: [per_key]}
`

func adminServer(t *testing.T) string {
	t.Helper()
	e, err := engine.New(engine.Config{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	f := admin.NewFleet(e, builtin.Catalog(), t.TempDir())
	srv, err := admin.New(admin.Config{Addr: "127.0.0.1:0"}, f)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Close()
		e.Stop(5 * time.Second)
		e.Close()
	})
	if _, err := f.Apply("acme", []byte(observed)); err != nil {
		t.Fatal(err)
	}
	return srv.Addr()
}

func TestTopShowsTheColumns(t *testing.T) {
	addr := adminServer(t)
	code, out, errs := runMain("top", "--once", "--every", "300ms", "--addr", addr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"TENANT", "COMPONENT", "IN/S", "OUT/S", "BUSY%", "BP%", "FILL%", "MAX BATCH", "DROPS/S", "P99"} {
		if !strings.Contains(out, want) {
			t.Fatalf("no column %q in:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`(?m)^acme\s+per_key\+out ×2\s`).MatchString(out) || !regexp.MustCompile(`(?m)^acme\s+gen\s`).MatchString(out) {
		t.Fatalf("rows missing:\n%s", out)
	}
	// Rendered into a fixed-size terminal, it keeps to its width and height.
	var snap metrics.Snapshot
	resp, err := http.Get("http://" + addr + "/api/metrics?reader=t&precise=1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := json.Unmarshal(b, &snap); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	renderTop(&sb, &snap, "name", 60, 3)
	lines := strings.Split(strings.TrimSuffix(sb.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines in a 3-line terminal:\n%s", len(lines), sb.String())
	}
	for _, l := range lines {
		if len([]rune(l)) > 60 {
			t.Fatalf("line wider than 60: %q", l)
		}
	}
	if !strings.HasPrefix(lines[1], "TENANT") || !strings.HasPrefix(lines[2], "acme") {
		t.Fatalf("sorted by name, the first row is acme's:\n%s", sb.String())
	}
	if code, _, errs := runMain("top", "--once", "--addr", "127.0.0.1:1"); code != 1 || !strings.Contains(errs, "cannot reach the admin server") {
		t.Fatalf("no server: exit %d: %s", code, errs)
	}
}

func TestTapPrintsEvents(t *testing.T) {
	addr := adminServer(t)
	code, out, errs := runMain("tap", "acme", "gen", "--limit", "3", "--rate", "50", "--addr", addr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	for _, l := range lines {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil || ev["key"] == nil {
			t.Fatalf("line %q: %v", l, err)
		}
	}
	if code, _, errs := runMain("tap", "acme", "nope", "--addr", addr); code != 1 || !strings.Contains(errs, `no component \"nope\"`) {
		t.Fatalf("unknown component: exit %d: %s", code, errs)
	}
}

func TestDoctorOnAHealthyRun(t *testing.T) {
	addr := adminServer(t)
	code, out, errs := runMain("doctor", "--addr", addr, "--for", "3s")
	if code != 0 || out != "no trap found\n" {
		t.Fatalf("exit %d: %q %s", code, out, errs)
	}
	code, out, _ = runMain("doctor", "--addr", addr, "--for", "3s", "--json")
	if code != 0 || out != "" {
		t.Fatalf("json: exit %d: %q", code, out)
	}
}

// run --http serves the API while the tenants run, follows a tenant added
// through it, and keeps running until --for.
func TestRunWithAdminServer(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "first.yaml", `sources:
  gen: {type: generate, profile: sequence, rate: 1000, count: 500}
sinks:
  out: {type: blackhole, inputs: [gen]}
`)
	var out, errb lockedBuffer
	done := make(chan int)
	go func() {
		done <- Main([]string{"run", "--http", "127.0.0.1:0", "--for", "3s", "--status", "off", dir}, &out, &errb)
	}()
	re := regexp.MustCompile(`admin server on http://([0-9.:]+)/`)
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(errb.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatalf("no admin server address in:\n%s", errb.String())
	}
	req, _ := http.NewRequest(http.MethodPut, "http://"+addr+"/api/tenants/second", strings.NewReader(`sources:
  gen: {type: generate, profile: sequence, rate: 1000, count: 300}
sinks:
  out: {type: blackhole, inputs: [gen]}
`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("put: %s", resp.Status)
	}
	if code := <-done; code != 0 {
		t.Fatalf("exit %d:\n%s", code, errb.String())
	}
	for _, want := range []string{`tenant "first"`, `tenant "second"`, "in 300, out 300"} {
		if !strings.Contains(errb.String(), want) {
			t.Fatalf("no %q in:\n%s", want, errb.String())
		}
	}
}
