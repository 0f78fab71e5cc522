package queries

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/nexmark"
	"github.com/greenwave/greenwave/internal/spec"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The generator settings of the correctness tests: a fixed seed, and by
// default 1000 events per second of event time so that testEvents events
// span 40 s, several 10 s windows.
const (
	testSeed      = 42
	testEventRate = 1000
	testEvents    = 40_000
	// testGroup is the out-of-order group of the shuffled runs; it divides
	// testEvents, so the shuffled stream holds the same events.
	testGroup = 100
)

// testStart is the nexmark source's default start, the event time of
// event 0.
var testStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// setup is one way of running a query whose output must not depend on it.
type setup struct {
	name        string
	parallelism int
	group       int64 // out-of-order group; 1 keeps events in order
}

var setups = []setup{
	{"parallelism-1", 1, 1},
	{"parallelism-4", 4, 1},
	{"out-of-order-parallelism-1", 1, testGroup},
	{"out-of-order-parallelism-4", 4, testGroup},
}

// events returns the first n events of the tests' generator at rate events
// per second of event time, in order, straight from the nexmark package.
func events(t *testing.T, n int64, rate float64) []nexmark.Event {
	t.Helper()
	cfg := nexmark.DefaultConfig()
	cfg.Seed = testSeed
	cfg.BaseTime = testStart.UnixNano()
	cfg.EventRate = rate
	g, err := nexmark.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]nexmark.Event, n)
	for i := range out {
		g.Generate(int64(i), &out[i])
	}
	return out
}

// row is one expected output row: its fields in the order of the output
// schema, as the file sink writes them.
type row []col

// col is one field of a row; v is an int64, a float64, a string or a ts.
type col struct {
	name string
	v    any
}

// ts is a time in unix nanoseconds, written as an RFC 3339 string in UTC.
type ts int64

// line renders r as the file sink does: one JSON object, fields in order,
// ints and floats as numbers (floats in the shortest form that reads back),
// times as RFC 3339 strings in UTC.
func (r row) line() string {
	b := []byte{'{'}
	for i, c := range r {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, c.name)
		b = append(b, ':')
		switch v := c.v.(type) {
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case float64:
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		case string:
			b = appendJSONString(b, v)
		case ts:
			b = append(b, '"')
			b = time.Unix(0, int64(v)).UTC().AppendFormat(b, time.RFC3339Nano)
			b = append(b, '"')
		default:
			panic(fmt.Sprintf("BUG: row field %q holds a %T", c.name, c.v))
		}
	}
	return string(append(b, '}'))
}

// appendJSONString appends s as a JSON string as encoding/json would
// without HTML escaping.
func appendJSONString(b []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		plain = s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\'
	}
	if plain {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic("BUG: cannot encode a string: " + err.Error())
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// checkQuery runs the query in every setup, for testEvents events at rate
// events per second of event time, and compares its output, as a sorted
// list of rows, with what ref computes from the same events. Every setup
// must give exactly the reference's rows, drop nothing and send nothing to
// a late output.
func checkQuery(t *testing.T, name string, rate float64, ref func([]nexmark.Event) []row) {
	t.Helper()
	q, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	want := ref(events(t, testEvents, rate))
	if len(want) < nexmark.NumCategories { // q4 has a row per category, the fewest
		t.Fatalf("BUG: the reference gives only %d rows; the test would prove little", len(want))
	}
	wantLines := make([]string, len(want))
	for i, r := range want {
		wantLines[i] = r.line()
	}
	slices.Sort(wantLines)
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			got := runQuery(t, q, s, rate)
			compareRows(t, got, wantLines)
		})
	}
}

// runQuery runs q's pipeline as runQueryInOrder does and returns its
// output lines, sorted.
func runQuery(t *testing.T, q *Query, s setup, rate float64) []string {
	t.Helper()
	rows := runQueryInOrder(t, q, s, rate)
	slices.Sort(rows)
	return rows
}

// runQueryInOrder runs q's pipeline for testEvents events at rate events
// per second of event time, with a file sink in a temporary folder, checks
// that every event was read and none dropped or late, and returns the
// output lines in the order the sink wrote them.
func runQueryInOrder(t *testing.T, q *Query, s setup, rate float64) []string {
	t.Helper()
	o := Options{Count: testEvents, Seed: testSeed, EventRate: rate, Parallelism: s.parallelism,
		Sink: SinkFile, Path: "out.jsonl"}
	if s.group > 1 {
		o.OutOfOrderGroup = s.group
		// A group spans group/rate of event time; allow twice that.
		o.MaxOutOfOrderness = time.Duration(2 * float64(s.group) / rate * float64(time.Second))
	}
	text, err := q.Render(o)
	if err != nil {
		t.Fatal(err)
	}
	p, err := spec.Parse(q.Name+".yaml", []byte(text), builtin.Catalog())
	if err != nil {
		t.Fatalf("parse %s:\n%v\n%s", q.Name, err, text)
	}
	p.Dir = t.TempDir()
	e, err := engine.New(engine.Config{Workers: 2, Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pl, err := e.Compile(p)
	if err != nil {
		t.Fatalf("compile %s: %v", q.Name, err)
	}
	tn, err := e.Run(pl)
	if err != nil {
		t.Fatalf("run %s: %v", q.Name, err)
	}
	e.Start()
	select {
	case <-tn.Done():
	case <-time.After(60 * time.Second):
		t.Fatalf("query %s did not finish within a minute: %+v", q.Name, tn.Stats())
	}
	st := tn.Stats()
	if st.Err != nil {
		t.Fatalf("query %s failed: %v", q.Name, st.Err)
	}
	if st.In != testEvents || st.Dropped != 0 {
		t.Fatalf("query %s: %d events in, %d dropped; want %d and 0", q.Name, st.In, st.Dropped, testEvents)
	}
	for side, n := range st.SideOutputs {
		if strings.HasSuffix(side, ".late") && n > 0 {
			t.Fatalf("query %s: %d events went to %s", q.Name, n, side)
		}
	}
	return readLines(t, filepath.Join(p.Dir, "out.jsonl"))
}

// runPipeline runs a pipeline file's text in dir until it finishes and
// returns the lines of its file sink out.jsonl, in order.
func runPipeline(t *testing.T, name, text, dir string) []string {
	t.Helper()
	p, err := spec.Parse(name+".yaml", []byte(text), builtin.Catalog())
	if err != nil {
		t.Fatalf("parse %s:\n%v\n%s", name, err, text)
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
	if err := tn.Stats().Err; err != nil {
		t.Fatalf("%s failed: %v", name, err)
	}
	return readLines(t, filepath.Join(dir, "out.jsonl"))
}

// readLines reads a file sink's lines in file order.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// compareRows fails the test with the first differences between two sorted
// lists of rows.
func compareRows(t *testing.T, got, want []string) {
	t.Helper()
	var missing, extra []string
	i, j := 0, 0
	for i < len(got) || j < len(want) {
		switch {
		case j == len(want) || (i < len(got) && got[i] < want[j]):
			extra = append(extra, got[i])
			i++
		case i == len(got) || want[j] < got[i]:
			missing = append(missing, want[j])
			j++
		default:
			i++
			j++
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return
	}
	first := func(rows []string) string {
		if len(rows) > 5 {
			return strings.Join(rows[:5], "\n  ") + fmt.Sprintf("\n  ... (%d more)", len(rows)-5)
		}
		return strings.Join(rows, "\n  ")
	}
	t.Fatalf("got %d rows, want %d\nmissing (%d):\n  %s\nunexpected (%d):\n  %s",
		len(got), len(want), len(missing), first(missing), len(extra), first(extra))
}

// testLog sends the engine's log to the test's.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
