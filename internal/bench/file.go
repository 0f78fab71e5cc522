package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/spec"
)

func init() {
	register(&Scenario{
		Name: "file",
		Doc: "file -> filter bitrate_kbps > 1000 -> file over --events video events (default 3M, about 880 MB, written " +
			"once per process by greenwave's generator into a temporary folder): the file source at parallelism 1 " +
			"and at parallelism 2, alternating in each run; the outputs must be identical",
		Run:     runFile,
		Cleanup: removeVideoFile,
	})
}

// removeVideoFile deletes the generated input.
func removeVideoFile() {
	fileInput.Lock()
	defer fileInput.Unlock()
	if fileInput.dir != "" {
		os.RemoveAll(fileInput.dir)
		fileInput.dir = ""
	}
}

// fileDefaultEvents is the input's size without --events: the 3M video
// events of the JSON path's floor.
const fileDefaultEvents = 3_000_000

// fileSchema declares every field of a video event.
const fileSchema = `{ts: time, event_type: string, customer: string, session_id: string, viewer_id: string, ` +
	`video_id: string, cdn: string, device: string, country: string, bitrate_kbps: int, buffering_ms: int, ` +
	`startup_ms: int, play_ms: int, seq: int}`

// fileInput is the generated input, shared by the runs of one process.
var fileInput struct {
	sync.Mutex
	dir    string
	events int64
}

// videoFile returns a folder holding video.jsonl with n video events,
// generating it the first time (and again for another n).
func videoFile(n int64, cores int) (string, error) {
	fileInput.Lock()
	defer fileInput.Unlock()
	if fileInput.dir != "" && fileInput.events == n {
		return fileInput.dir, nil
	}
	if fileInput.dir != "" {
		os.RemoveAll(fileInput.dir)
		fileInput.dir = ""
	}
	dir, err := os.MkdirTemp("", "greenwave-bench-file")
	if err != nil {
		return "", fmt.Errorf("cannot make a folder for the input: %w", err)
	}
	gen := fmt.Sprintf(`tenant: bench-file-input
sources:
  players: {type: generate, profile: video_sessions, count: %d, seed: 7}
sinks:
  out: {type: file, inputs: [players], path: video.jsonl}
`, n)
	if _, err := runFilePipeline(gen, dir, cores); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("cannot generate the input: %w", err)
	}
	fileInput.dir, fileInput.events = dir, n
	return dir, nil
}

func runFile(cfg Config) ([]Result, error) {
	n := cfg.Events
	if n <= 0 {
		n = fileDefaultEvents
	}
	cores := cfg.Cores
	if cores <= 0 {
		cores = runtime.GOMAXPROCS(0)
	}
	if cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, "bench file: %d video events on %d workers\n", n, cores)
	}
	dir, err := videoFile(n, cores)
	if err != nil {
		return nil, err
	}
	var out []Result
	var first []byte
	for _, par := range []int{1, 2} {
		variant := fmt.Sprintf("parallelism-%d", par)
		if !cfg.Want("filter", variant) {
			continue
		}
		outFile := fmt.Sprintf("out-%d.jsonl", par)
		text := fmt.Sprintf(`tenant: bench-file
sources:
  events: {type: file, path: video.jsonl, parallelism: %d, schema: %s}
transforms:
  high: {type: filter, inputs: [events], condition: 'bitrate_kbps > 1000'}
sinks:
  out: {type: file, inputs: [high], path: %s}
`, par, fileSchema, outFile)
		el, err := runFilePipeline(text, dir, cores)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", variant, err)
		}
		got, err := os.ReadFile(filepath.Join(dir, outFile))
		os.Remove(filepath.Join(dir, outFile))
		if err != nil {
			return nil, err
		}
		lines := bytes.Count(got, []byte("\n"))
		if first == nil {
			first = got
		} else if !bytes.Equal(got, first) {
			return nil, fmt.Errorf("BUG: %s wrote another output than parallelism 1", variant)
		}
		out = append(out, Result{Bench: "file", Case: "filter", Variant: variant,
			EventsPerSec: float64(n) / el.Seconds(), NsPerEvent: float64(el.Nanoseconds()) / float64(n),
			Extra: map[string]any{"events": n, "rows_out": float64(lines), "cores": cores, "parallelism": par}})
	}
	return out, nil
}

// runFilePipeline runs a pipeline file's text in dir on cores workers
// until it finishes, and returns how long it ran from the engine's start.
func runFilePipeline(text, dir string, cores int) (time.Duration, error) {
	p, err := spec.Parse("bench-file.yaml", []byte(text), builtin.Catalog())
	if err != nil {
		return 0, err
	}
	p.Dir = dir
	e, err := engine.New(engine.Config{Workers: cores})
	if err != nil {
		return 0, err
	}
	defer e.Close()
	pl, err := e.Compile(p)
	if err != nil {
		return 0, err
	}
	t, err := e.Run(pl)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	e.Start()
	if err := t.Wait(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}
