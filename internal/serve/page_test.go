package serve_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/serve"
)

// The page served at / shows the tables of examples/video-qoe-live.yaml
// updating, in Debian's chromium driven by playwright-core
// (web/page-test.mjs). scripts/test installs chromium and the npm
// package.
func TestPageInChromium(t *testing.T) {
	web, _ := filepath.Abs("../../web")
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed; the browser test needs Node.js (scripts/test says how it is set up)")
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no chromium at %s: run scripts/test, which installs Debian's chromium (apt-get install chromium)", chromium)
	}
	if _, err := os.Stat(filepath.Join(web, "node_modules", "playwright-core")); err != nil {
		t.Fatalf("playwright-core is not installed in web/: run scripts/test, which runs npm ci there")
	}
	yaml, err := os.ReadFile("../../examples/video-qoe-live.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Free ports instead of the example's, so the test runs beside
	// anything else.
	text := strings.ReplaceAll(string(yaml), "tcp_address: 127.0.0.1:8091", "tcp_address: 127.0.0.1:0")
	text = strings.ReplaceAll(text, "    type: serve\n", "    type: serve\n    address: 127.0.0.1:0\n")
	e, err := engine.New(engine.Config{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.Start()
	tn := startPipeline(t, e, text)
	defer func() {
		tn.Stop()
		_ = tn.Wait()
		serve.Drain(5 * time.Second)
	}()
	var tb *serve.Table
	waitFor(t, "the totals table", func() bool { tb = serve.Lookup("127.0.0.1:0", "totals"); return tb != nil })

	shot := filepath.Join(t.TempDir(), "page.png")
	cmd := exec.Command(node, filepath.Join(web, "page-test.mjs"), "http://"+tb.HTTPAddr()+"/", shot)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("page test: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	var seen struct {
		Tables        []string
		Before, After string
		Rows          int
	}
	if err := json.Unmarshal(stdout.Bytes(), &seen); err != nil {
		t.Fatalf("page test printed %q: %v", stdout.String(), err)
	}
	if strings.Join(seen.Tables, ",") != "per_cdn,per_customer,totals" || seen.Rows != 20 {
		t.Fatalf("the page showed tables %v and %d rows of totals; want per_cdn, per_customer, totals and 20", seen.Tables, seen.Rows)
	}
	if fi, err := os.Stat(shot); err != nil || fi.Size() == 0 {
		t.Fatalf("no screenshot: %v", err)
	}
	t.Logf("events of the first customer went from %s to %s", seen.Before, seen.After)
}
