package connect

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// readFileSourceFrom builds a file source over dir/events.jsonl, restores
// it from snap when snap is not nil, and reads until the end or until
// stopAfter Read calls (0: no stop), when it takes a snapshot. It returns
// the events, dead letters and rejects emitted before that point, and the
// snapshot.
func readFileSourceFrom(t *testing.T, dir string, opts map[string]any, parallelism int, snap []byte, stopAfter int) (main, dead []event.Event, rejected []string, taken []byte) {
	t.Helper()
	ctx, _ := newCtx(t, "plays", opts)
	ctx.Dir, ctx.Parallelism = dir, parallelism
	woken := make(chan struct{}, 1)
	ctx.Wake = func() {
		select {
		case woken <- struct{}{}:
		default:
		}
	}
	rj := &rejects{}
	ctx.Reject = rj.add
	inst := mustNew(t, fileSourceSpec(), ctx)
	src := inst.Source.(*fileSource)
	if snap != nil {
		if err := src.Restore(snap); err != nil {
			t.Fatalf("Restore: %v", err)
		}
	}
	defer src.Close()
	var out component.Output
	for calls := 1; ; calls++ {
		out.Reset()
		res, err := src.Read(&out, 50)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		for _, e := range out.Events() {
			main = append(main, e.Clone())
		}
		if len(out.Sides()) > 0 {
			for _, e := range out.Side(0).Events() {
				dead = append(dead, e.Clone())
			}
		}
		if res.Done {
			return main, dead, rj.msgs, nil
		}
		if stopAfter > 0 && calls >= stopAfter {
			b, err := src.Snapshot(nil)
			if err != nil {
				t.Fatalf("Snapshot: %v", err)
			}
			return main, dead, rj.msgs, b
		}
		if res.Idle == component.PushReady {
			select {
			case <-woken:
			case <-time.After(10 * time.Second):
				t.Fatal("the source returned PushReady and never woke")
			}
		}
	}
}

// TestFileSourceResumesAfterWhatItEmitted: a snapshot taken between two
// Reads, restored into a fresh source, continues exactly after the last
// line whose event went out, with the same line numbers in its rejects,
// sequential and with decoders reading ahead of what was emitted.
func TestFileSourceResumesAfterWhatItEmitted(t *testing.T) {
	dir := t.TempDir()
	const lines = 3*chunkLines + 300
	if err := os.WriteFile(filepath.Join(dir, "events.jsonl"), []byte(parallelFile(lines)), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := func() map[string]any {
		return map[string]any{"path": "events.jsonl", "schema": playSchema, "timestamp": "ts",
			"required": []string{"session_id"}, "on_error": onErrorReject}
	}
	whole, _, wholeRej, _ := readFileSourceFrom(t, dir, opts(), 1, nil, 0)
	for _, par := range []int{1, 3} {
		for _, stop := range []int{1, 7, 40, 60} {
			first, _, firstRej, snap := readFileSourceFrom(t, dir, opts(), par, nil, stop)
			if snap == nil {
				t.Fatalf("parallelism %d: the file ended before Read call %d", par, stop)
			}
			rest, _, restRej, _ := readFileSourceFrom(t, dir, opts(), par, snap, 0)
			if got, want := show(append(first, rest...)), show(whole); got != want {
				t.Fatalf("parallelism %d, snapshot after %d Reads: %d+%d events, want the %d of one uninterrupted read",
					par, stop, len(first), len(rest), len(whole))
			}
			if got := append(firstRej, restRej...); !slices.Equal(got, wholeRej) {
				t.Fatalf("parallelism %d, snapshot after %d Reads: rejects %v, want %v", par, stop, got, wholeRej)
			}
		}
	}
}
