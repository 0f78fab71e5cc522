package connect

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

func newFileSinkFor(t *testing.T, opts map[string]any) (*fileSink, []event.Event, string) {
	t.Helper()
	ctx, _ := newCtx(t, "out", opts)
	s, events := playEvents(t, ctx.Registry)
	ctx.Inputs = []*event.Schema{s}
	inst := mustNew(t, fileSinkSpec(), ctx)
	sink := inst.Operator.(*fileSink)
	var _ component.Ticker = sink
	return sink, events, filepath.Join(ctx.Dir, opts["path"].(string))
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const line0 = `{"ts":"2026-01-01T00:00:00Z","cdn":"akamai","kbps":235,"ratio":0.5,"live":true}` + "\n"
const line1 = `{"ts":"2026-01-01T00:00:01.5Z","cdn":"level 3","kbps":8000,"ratio":1,"live":false}` + "\n"

func TestFileSinkBuffersUntilTickAndFlush(t *testing.T) {
	sink, events, path := newFileSinkFor(t, map[string]any{"path": "out/nested/plays.jsonl"})
	if sink.TickEvery() != time.Second {
		t.Errorf("TickEvery %v, want the 1s default", sink.TickEvery())
	}
	if err := sink.Process(0, events[:1], nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("file exists before the first write: %v", err)
	}
	if err := sink.Tick(time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != line0 {
		t.Fatalf("after Tick: %q", got)
	}
	if err := sink.Process(0, events[1:2], nil); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != line0 {
		t.Fatalf("second batch written before Tick or Flush: %q", got)
	}
	if err := sink.Flush(nil); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != line0+line1 {
		t.Fatalf("after Flush: %q", got)
	}
}

func TestFileSinkAppendAndTruncate(t *testing.T) {
	sink, events, path := newFileSinkFor(t, map[string]any{"path": "plays.jsonl", "append": true, "flush_every": time.Duration(0)})
	os.WriteFile(path, []byte("old\n"), 0o644)
	if err := sink.Process(0, events[:1], nil); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "old\n"+line0 {
		t.Fatalf("append with flush_every 0: %q", got)
	}
	if err := sink.Flush(nil); err != nil {
		t.Fatal(err)
	}

	sink, _, path = newFileSinkFor(t, map[string]any{"path": "plays.jsonl"})
	os.WriteFile(path, []byte("old\n"), 0o644)
	if err := sink.Flush(nil); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "" {
		t.Fatalf("a run without events left %q, want an empty file", got)
	}
}

func TestFileSinkOptionErrors(t *testing.T) {
	ctx, _ := newCtx(t, "out", map[string]any{"path": "x", "flush_every": -time.Second})
	if _, err := fileSinkSpec().New(ctx); err == nil || err.Error() != `option "flush_every": must be at least 0s, got -1s` {
		t.Errorf("negative flush_every: %v", err)
	}
	ctx, _ = newCtx(t, "out", map[string]any{"path": ""})
	if _, err := fileSinkSpec().New(ctx); err == nil || err.Error() != `option "path": must name a file` {
		t.Errorf("empty path: %v", err)
	}
}

// TestFileSinkClaimsItsFile: the claim names the absolute, cleaned path,
// from the pipeline's directory, and is shared only when appending.
func TestFileSinkClaimsItsFile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		opts   map[string]any
		key    string
		shared bool
	}{
		{map[string]any{"path": "out/../out/x.jsonl"}, filepath.Join(dir, "out", "x.jsonl"), false},
		{map[string]any{"path": "/tmp/y.jsonl", "append": true}, "/tmp/y.jsonl", true},
	} {
		claims := fileSinkSpec().Claims(&component.Context{Dir: dir, Options: component.NewOptions(tc.opts)})
		if len(claims) != 1 {
			t.Fatalf("%v: %d claims", tc.opts, len(claims))
		}
		c := claims[0]
		if c.Kind != "file" || c.Key != tc.key || c.Shared != tc.shared || c.Path.String() != "path" || c.Value != tc.opts["path"] || c.Verb != "written" {
			t.Errorf("%v: claim %+v", tc.opts, c)
		}
	}
}
