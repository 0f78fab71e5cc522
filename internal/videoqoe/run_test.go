package videoqoe

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/spec"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// examplePath is the pipeline file under test, relative to this package.
const examplePath = "../../examples/video-qoe.yaml"

// The test's source settings: a fixed number of events, read as fast as
// possible, starting 15 s before a minute boundary so that the stream's 30 s
// of event time (at the file's 2000 events per second of event time) and
// its session rows fall into two minutes.
const (
	testEvents = 60_000
	testStart  = "2025-12-31T23:59:45Z"
)

// The output files the test points the file's sinks at, in the run's
// temporary folder.
const (
	consoleFile   = "console.jsonl"
	cdnDeviceFile = "by-cdn-device.jsonl"
	eventsFile    = "events.jsonl"
)

// readExample returns the text of the pipeline file under test.
func readExample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// replace returns text with every match of the regular expression pattern
// replaced by repl (which may use $1 and the like), and fails the test
// unless there were exactly want matches: an edit of the pipeline file that
// the test no longer understands must fail it, not silently test something
// else.
func replace(t *testing.T, text, pattern, repl string, want int) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	if n := len(re.FindAllStringIndex(text, -1)); n != want {
		t.Fatalf("the pipeline file has %d matches of %q, want %d; update the test's substitutions", n, pattern, want)
	}
	return re.ReplaceAllString(text, repl)
}

// finiteSource makes the file's generate source finite and unpaced: count
// events from testStart, as fast as possible.
func finiteSource(t *testing.T, text string) string {
	t.Helper()
	return replace(t, text, `(?m)^    rate: \d+ .*$`,
		"    rate: 0\n    count: "+strconv.Itoa(testEvents)+"\n    start: \""+testStart+"\"", 1)
}

// testPipeline returns the file under test with a finite source (shuffled
// in bounded groups when shuffled is set), every
// window's parallelism set to parallelism, the console sink turned into a
// file sink writing consoleFile and the CDN × device file renamed
// cdnDeviceFile (both relative to the pipeline's folder).
func testPipeline(t *testing.T, parallelism int, shuffled bool) string {
	t.Helper()
	text := finiteSource(t, readExample(t))
	if shuffled {
		// Shuffle the stream in groups of 100 events (50 ms of event time at
		// the file's event_rate) and let the watermark allow for it.
		text = replace(t, text, `(?m)^    event_time: \{max_out_of_orderness: 0s\}$`,
			"    event_time: {max_out_of_orderness: 100ms}\n    out_of_order_group: 100", 1)
	}
	text = replace(t, text, `(?m)^    parallelism: \d+.*$`, "    parallelism: "+strconv.Itoa(parallelism), 3)
	text = replace(t, text,
		`(?m)^    type: stdout\n    inputs: \[readable\]\n    format: text\n    fields: .*$`,
		"    type: file\n    inputs: [readable]\n    path: "+consoleFile, 1)
	return replace(t, text, `(?m)^    path: \.\./out/video-qoe-by-cdn-device\.jsonl$`, "    path: "+cdnDeviceFile, 1)
}

// eventsPipeline returns the file's source section unchanged but for
// finiteSource, feeding only a file sink that writes eventsFile: the
// generated events as they are, for the reference.
func eventsPipeline(t *testing.T) string {
	t.Helper()
	text := finiteSource(t, readExample(t))
	i := strings.Index(text, "\ntransforms:\n")
	if i < 0 || !strings.Contains(text[:i], "\n  players:\n") {
		t.Fatal("the pipeline file has no source named players before its transforms; update the test")
	}
	return text[:i+1] + "sinks:\n  raw:\n    type: file\n    inputs: [players]\n    path: " + eventsFile + "\n"
}

// run runs the pipeline text through the engine in the folder dir and
// checks that it read every event, dropped none and sent none to a window's
// late output.
func run(t *testing.T, name, text, dir string) {
	t.Helper()
	p, err := spec.Parse(name, []byte(text), builtin.Catalog())
	if err != nil {
		t.Fatalf("parse %s: %v\n%s", name, err, text)
	}
	p.Dir = dir
	e, err := engine.New(engine.Config{Workers: 2, Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pl, err := e.Compile(p)
	if err != nil {
		t.Fatalf("compile %s: %v", name, err)
	}
	tn, err := e.Run(pl)
	if err != nil {
		t.Fatalf("run %s: %v", name, err)
	}
	e.Start()
	select {
	case <-tn.Done():
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not finish within a minute: %+v", name, tn.Stats())
	}
	st := tn.Stats()
	if st.Err != nil {
		t.Fatalf("%s failed: %v", name, st.Err)
	}
	if st.In != testEvents || st.Dropped != 0 {
		t.Fatalf("%s: %d events in, %d dropped; want %d and 0", name, st.In, st.Dropped, testEvents)
	}
	for side, n := range st.SideOutputs {
		if strings.HasSuffix(side, ".late") && n > 0 {
			t.Fatalf("%s: %d events went to %s", name, n, side)
		}
	}
}

// readLines decodes every JSON line of the file at path into a new T.
func readLines[T any](t *testing.T, path string) []T {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []T
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: cannot decode %q: %v", filepath.Base(path), sc.Text(), err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// testLog sends the engine's log to the test's.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
