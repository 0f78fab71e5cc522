package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/admin"
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/connect"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/ops"
)

// repoRoot is the repository's root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

const rebuild = "rebuild with `npm ci --prefix web/console && node web/console/build.mjs` and commit internal/admin/console"

// The committed console assets are what web/console/build.mjs makes from
// the console's source and the locked npm packages.
func TestConsoleAssetsAreBuilt(t *testing.T) {
	root := repoRoot(t)
	if _, err := os.Stat(filepath.Join(root, "web", "console", "node_modules")); err != nil {
		t.Fatalf("web/console/node_modules is missing (scripts/test installs it): run `npm ci --prefix web/console`")
	}
	out := t.TempDir()
	cmd := exec.Command("node", filepath.Join(root, "web", "console", "build.mjs"), out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node web/console/build.mjs: %v\n%s", err, b)
	}
	committed := filepath.Join(root, "internal", "admin", "console")
	want, got := names(t, out), names(t, committed)
	if !slices.Equal(want, got) {
		t.Fatalf("internal/admin/console holds %v, build.mjs makes %v: %s", got, want, rebuild)
	}
	for _, n := range want {
		a, err := os.ReadFile(filepath.Join(out, n))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(committed, n))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("internal/admin/console/%s differs from what web/console/build.mjs makes: %s", n, rebuild)
		}
	}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// stallSpec is `stall`: a sink that sleeps `pause` per batch, on a
// goroutine of its own — a consumer that cannot keep up.
func stallSpec() *component.Spec {
	return &component.Spec{
		Type: "stall", Kind: component.KindSink, IO: true,
		Doc:     "Sleeps `pause` per batch.",
		Options: []component.Option{{Name: "pause", Type: component.Duration, Default: 50 * time.Millisecond, Doc: "Sleep per batch."}},
		New: func(ctx *component.Context) (*component.Instance, error) {
			return &component.Instance{Operator: stall(ctx.Options.Duration("pause"))}, nil
		},
	}
}

type stall time.Duration

func (s stall) Process(int, []event.Event, *component.Output) error {
	time.Sleep(time.Duration(s))
	return nil
}

func (stall) Flush(*component.Output) error { return nil }

// jam's sink takes at most 64 events per 50 ms, well below the keyed
// count's 5,000 a second: the edge into it is back-pressured. calm runs
// far below what its components can take.
const (
	jam = `tenant: jam
sources:
  gen: {type: generate, profile: sequence, rate: 5000, keys: 100}
transforms:
  per_key: {type: count, inputs: [gen], key: [key], parallelism: 2, emit: update}
sinks:
  stalled: {type: stall, inputs: [per_key], pause: 50ms, buffer: {capacity: 64}}
`
	calm = `tenant: calm
sources:
  gen: {type: generate, profile: sequence, rate: 200, keys: 10}
transforms:
  per_key: {type: count, inputs: [gen], key: [key], parallelism: 2, emit: update}
sinks:
  out: {type: blackhole, inputs: [per_key]}
`
)

// The console in Debian's chromium, driven by playwright-core
// (web/console/console-test.mjs): a running pipeline's DAG is drawn with
// its components' names, the edge into the stalled sink turns red,
// clicking the sink opens its panel with charts, the healthy tenant has no
// red edge; the page takes the server's token from the address, or asks
// for it. The screenshot is saved in the test's temporary folder.
func TestConsoleInChromium(t *testing.T) {
	root := repoRoot(t)
	for _, need := range []string{"web/node_modules/playwright-core", "web/console/node_modules"} {
		if _, err := os.Stat(filepath.Join(root, need)); err != nil {
			t.Fatalf("%s is missing (scripts/test installs it): run `npm ci --prefix %s`", need, filepath.Dir(filepath.Dir(need)))
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		t.Fatalf("/usr/bin/chromium is missing (scripts/test installs it): apt-get install chromium")
	}

	e, err := engine.New(engine.Config{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := component.NewCatalog(append(append(connect.Specs(), ops.Specs()...), stallSpec())...)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := admin.NewFleet(e, cat, dir)
	f.DrainTimeout = 5 * time.Second
	srv, err := admin.New(admin.Config{Addr: "127.0.0.1:0", TokenFile: tokenFile}, f)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	srv.SetReady()
	t.Cleanup(func() {
		_ = srv.Close()
		// The stalled sink holds events the stop would wait for; the
		// test only needs the engine gone.
		e.Stop(2 * time.Second)
		e.Close()
	})
	for id, text := range map[string]string{"jam": jam, "calm": calm} {
		if _, err := f.Apply(id, []byte(text)); err != nil {
			t.Fatalf("apply %s: %v", id, err)
		}
	}

	shot := filepath.Join(t.TempDir(), "console.png")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(root, "web", "console", "console-test.mjs"),
		"http://"+srv.Addr()+"/#token=s3cret", shot)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	t.Logf("console-test.mjs (%.1fs): %s", time.Since(start).Seconds(), out)
	if err != nil {
		t.Fatalf("console-test.mjs: %v\n%s", err, stderr.Bytes())
	}
	var seen struct {
		OK     bool              `json:"ok"`
		Nodes  []string          `json:"nodes"`
		Grades map[string]string `json:"grades"`
		Charts []string          `json:"charts"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &seen); err != nil {
		t.Fatalf("console-test.mjs printed %q: %v", out, err)
	}
	if !seen.OK || seen.Grades["per_key->stalled"] != "high" || !slices.Contains(seen.Charts, "throughput") {
		t.Fatalf("console-test.mjs saw %+v", seen)
	}
	png, err := os.ReadFile(shot)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("no PNG screenshot at %s: %v", shot, err)
	}
	t.Logf("screenshot: %s (%d bytes)", shot, len(png))
}
