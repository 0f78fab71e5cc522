package connect

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

var playSchema = map[string]string{
	"ts": "time", "session_id": "string", "bitrate_kbps": "int", "ratio": "float", "live": "bool",
}

// newFileSourceFrom writes content to events.jsonl in a fresh pipeline
// directory and builds a file source over it.
func newFileSourceFrom(t *testing.T, content string, opts map[string]any) (*component.Instance, *rejects, *fakeClock) {
	t.Helper()
	if opts["path"] == nil {
		opts["path"] = "events.jsonl"
	}
	if opts["schema"] == nil {
		opts["schema"] = playSchema
	}
	ctx, clk := newCtx(t, "plays", opts)
	if err := os.WriteFile(filepath.Join(ctx.Dir, "events.jsonl"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	rj := &rejects{}
	ctx.Reject = rj.add
	return mustNew(t, fileSourceSpec(), ctx), rj, clk
}

func TestFileSourceReadsGoodLines(t *testing.T) {
	content := `{"ts":"2026-01-01T00:00:01Z","session_id":"a","bitrate_kbps":1050,"ratio":0.5,"live":true,"extra":[1,2]}
{"ts":1767225602000,"session_id":"b","bitrate_kbps":-3,"ratio":2,"live":false}

{"ts":1767225603000000000,"session_id":"c\u00e9","ratio":null}` + "\r\n" +
		`{"ts":1767225604000.5,"session_id":"d"}`
	inst, rj, _ := newFileSourceFrom(t, content, map[string]any{"timestamp": "ts", "required": []string{"session_id"}})
	defer inst.Source.Close()
	events, _ := readAll(t, inst.Source, 100, 3)
	if len(rj.msgs) != 0 {
		t.Fatalf("rejects: %v", rj.msgs)
	}
	sch := inst.Schema
	if got := strings.Join(sch.Names(), ","); got != "bitrate_kbps,live,ratio,session_id,ts" || sch.Name != "plays" {
		t.Fatalf("schema %q: %s", sch.Name, got)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	want := []struct {
		time    int64
		session string
		bitrate event.Value
		ratio   event.Value
		live    event.Value
	}{
		{base + 1e9, "a", event.IntValue(1050), event.FloatValue(0.5), event.BoolValue(true)},
		{base + 2e9, "b", event.IntValue(-3), event.FloatValue(2), event.BoolValue(false)},
		{base + 3e9, "cé", event.Value{}, event.Value{}, event.Value{}},
		{base + 4e9 + 500_000, "d", event.Value{}, event.Value{}, event.Value{}},
	}
	if len(events) != len(want) {
		t.Fatalf("%d events, want %d", len(events), len(want))
	}
	for i, w := range want {
		e := &events[i]
		if e.Schema != sch.ID || e.Time != w.time || field(t, sch, e, "ts") != event.TimeValue(w.time) ||
			field(t, sch, e, "session_id").Str() != w.session || field(t, sch, e, "bitrate_kbps") != w.bitrate ||
			field(t, sch, e, "ratio") != w.ratio || field(t, sch, e, "live") != w.live {
			t.Errorf("event %d = time %d %v", i, e.Time, e.Fields)
		}
	}
}

const badLines = `{"session_id":"ok1","bitrate_kbps":1}
{"session_id":"x","bitrate_kbps":"fast"}
{"session_id":"x","bitrate_kbps":1.5}
{"session_id":"x", bitrate_kbps:1}
[1,2]
{"bitrate_kbps":1}
{"session_id":null}
{"session_id":"x","ts":"yesterday"}
{"session_id":"x","live":"yes","ratio":"1"}
{"session_id":"ok2"}
`

var badLineErrors = []string{
	`events.jsonl:2: field "bitrate_kbps": expected int, got "fast"`,
	`events.jsonl:3: field "bitrate_kbps": expected int, got 1.5`,
	`events.jsonl:4: invalid JSON: cannot parse object: cannot find opening '"" for object key; unparsed tail: "bitrate_kbps:1}"`,
	`events.jsonl:5: expected a JSON object, got array`,
	`events.jsonl:6: missing required field "session_id"`,
	`events.jsonl:7: missing required field "session_id"`,
	`events.jsonl:8: field "ts": expected time, got "yesterday"`,
	`events.jsonl:9: field "live": expected bool, got "yes"`,
}

func TestFileSourceRejectsBadLines(t *testing.T) {
	inst, rj, _ := newFileSourceFrom(t, badLines, map[string]any{"required": []string{"session_id"}})
	defer inst.Source.Close()
	events, side := readAll(t, inst.Source, 100, 3)
	if len(events) != 2 || len(side) != 0 {
		t.Fatalf("%d events, %d dead letters; want 2 and 0", len(events), len(side))
	}
	if got := strings.Join(rj.msgs, "\n"); got != strings.Join(badLineErrors, "\n") {
		t.Errorf("rejects:\n%s\nwant:\n%s", got, strings.Join(badLineErrors, "\n"))
	}
	if n := inst.Source.(*fileSource).Rejected(); n != int64(len(badLineErrors)) {
		t.Errorf("Rejected() = %d, want %d", n, len(badLineErrors))
	}
}

func TestFileSourceDeadLetters(t *testing.T) {
	inst, rj, clk := newFileSourceFrom(t, badLines, map[string]any{"required": []string{"session_id"}, "on_error": "dead_letter"})
	defer inst.Source.Close()
	events, side := readAll(t, inst.Source, 100, 3)
	if len(events) != 2 || len(rj.msgs) != 0 {
		t.Fatalf("%d events, %d rejects; want 2 and 0", len(events), len(rj.msgs))
	}
	dl := inst.SideSchemas[0]
	if dl.Name != "plays_dead_letter" || strings.Join(dl.Names(), ",") != "file,line,error,raw" || dl.ID == 0 {
		t.Fatalf("dead-letter schema %q %v id %d", dl.Name, dl.Names(), dl.ID)
	}
	if len(side) != len(badLineErrors) {
		t.Fatalf("%d dead letters, want %d", len(side), len(badLineErrors))
	}
	lines := strings.Split(badLines, "\n")
	for i := range side {
		e := &side[i]
		line := field(t, dl, e, "line").Int()
		if e.Schema != dl.ID || e.Created != clk.t.UnixNano() || field(t, dl, e, "file").Str() != "events.jsonl" ||
			field(t, dl, e, "error").Str() != badLineErrors[i] || field(t, dl, e, "raw").Str() != lines[line-1] {
			t.Errorf("dead letter %d = %v", i, e.Fields)
		}
	}
}

func TestFileSourceLongLines(t *testing.T) {
	big := strings.Repeat("x", 200<<10)
	huge := strings.Repeat("y", maxLineBytes)
	content := `{"session_id":"` + big + `"}` + "\n" + `{"session_id":"` + huge + `"}` + "\n" + `{"session_id":"after"}`
	inst, rj, _ := newFileSourceFrom(t, content, map[string]any{})
	defer inst.Source.Close()
	events, _ := readAll(t, inst.Source, 100, 3)
	if len(events) != 2 || field(t, inst.Schema, &events[0], "session_id").Str() != big ||
		field(t, inst.Schema, &events[1], "session_id").Str() != "after" {
		t.Fatalf("%d events", len(events))
	}
	want := "events.jsonl:2: line longer than 1048576 bytes (1 MiB)"
	if len(rj.msgs) != 1 || rj.msgs[0] != want {
		t.Errorf("rejects %q, want %q", rj.msgs, want)
	}
}

func TestFileSourcePacesByEventTime(t *testing.T) {
	content := `{"ts":"2026-01-01T00:00:00Z"}
{"ts":"2026-01-01T00:00:01Z"}
{"ts":"2026-01-01T00:00:00.5Z"}
{"ts":"2026-01-01T00:00:03Z"}
`
	inst, _, clk := newFileSourceFrom(t, content, map[string]any{"timestamp": "ts", "pace": "event_time", "speed": float64(2)})
	defer inst.Source.Close()
	src := inst.Source
	var out component.Output
	step := func(wantN int, wantIdle time.Duration, wantDone bool) {
		t.Helper()
		out.Reset()
		res, err := src.Read(&out, 100)
		if err != nil {
			t.Fatal(err)
		}
		if out.Len() != wantN || res.Idle != wantIdle || res.Done != wantDone {
			t.Fatalf("got %d events, idle %v, done %v; want %d, %v, %v", out.Len(), res.Idle, res.Done, wantN, wantIdle, wantDone)
		}
		for _, e := range out.Events() {
			if e.Created != clk.t.UnixNano() {
				t.Fatalf("Created %d, want the clock at emission %d", e.Created, clk.t.UnixNano())
			}
		}
	}
	step(1, 500*time.Millisecond, false) // the first event at once; the next 1s of event time later, at speed 2
	step(0, 500*time.Millisecond, false)
	clk.advance(200 * time.Millisecond)
	step(0, 300*time.Millisecond, false)
	clk.advance(300 * time.Millisecond)
	step(2, time.Second, false) // the out-of-order event is already due
	clk.advance(time.Second)
	step(1, 0, true)
}

func TestFileSourceOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		opts map[string]any
		want string
	}{
		{map[string]any{"schema": map[string]string{"n": "strng"}}, `option "schema.n": "strng" is not one of "bool", "int", "float", "string", "time" (did you mean "string"?)`},
		{map[string]any{"schema": map[string]string{}}, `option "schema": declares no fields; map each field name to one of bool, int, float, string, time`},
		{map[string]any{"required": []string{"sesion_id"}}, `option "required[0]": field "sesion_id" is not in the schema (did you mean "session_id"?)`},
		{map[string]any{"timestamp": "time"}, `option "timestamp": field "time" is not in the schema`},
		{map[string]any{"timestamp": "ratio"}, `option "timestamp": field "ratio" is declared float; the timestamp field must be of kind time`},
		{map[string]any{"pace": "event_time"}, `option "pace": pace "event_time" needs the timestamp option`},
		{map[string]any{"speed": float64(0)}, `option "speed": must be greater than 0, got 0`},
		{map[string]any{"on_error": "drop"}, `option "on_error": "drop" is not one of "reject", "dead_letter"`},
		{map[string]any{"format": "csv"}, `option "format": "csv" is not one of "json_lines"`},
		{map[string]any{"path": "missing.jsonl"}, `option "path": cannot open "missing.jsonl": stat `},
	} {
		if tc.opts["schema"] == nil {
			tc.opts["schema"] = playSchema
		}
		if tc.opts["path"] == nil {
			tc.opts["path"] = "events.jsonl"
		}
		ctx, _ := newCtx(t, "plays", tc.opts)
		os.WriteFile(filepath.Join(ctx.Dir, "events.jsonl"), nil, 0o644)
		_, err := fileSourceSpec().New(ctx)
		var oe *component.OptionError
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || !errors.As(err, &oe) {
			t.Errorf("%v:\n got %v\nwant %s", tc.opts, err, tc.want)
		}
	}
}

func TestFileSourceValidatingTouchesNoFile(t *testing.T) {
	ctx, _ := newCtx(t, "plays", map[string]any{"path": "does/not/exist.jsonl", "schema": playSchema, "type_name": "play"})
	ctx.Validating = true
	inst := mustNew(t, fileSourceSpec(), ctx)
	if inst.Schema.Name != "play" || inst.SideSchemas[0].Name != "plays_dead_letter" {
		t.Errorf("schemas %q and %q", inst.Schema.Name, inst.SideSchemas[0].Name)
	}
	ctx.Options = component.NewOptions(map[string]any{"path": "x.jsonl", "schema": map[string]string{"n": "integer"}})
	if _, err := fileSourceSpec().New(ctx); err == nil {
		t.Error("validation accepted kind \"integer\"")
	}
}

func TestFileSourceOpenErrorAtRead(t *testing.T) {
	inst, _, _ := newFileSourceFrom(t, "", map[string]any{})
	src := inst.Source.(*fileSource)
	os.Remove(src.path)
	var out component.Output
	if _, err := src.Read(&out, 10); err == nil || !strings.HasPrefix(err.Error(), `cannot open "events.jsonl": `) {
		t.Errorf("Read on a removed file: %v", err)
	}
	if err := src.Close(); err != nil {
		t.Errorf("Close after a failed open: %v", err)
	}
}

func TestFileSourceInternsRepeatedStrings(t *testing.T) {
	var b strings.Builder
	for range 3000 {
		b.WriteString(`{"session_id":"same","bitrate_kbps":5}` + "\n")
	}
	inst, _, _ := newFileSourceFrom(t, b.String(), map[string]any{})
	defer inst.Source.Close()
	var out component.Output
	read := func() {
		out.Reset()
		if _, err := inst.Source.Read(&out, 100); err != nil {
			t.Fatal(err)
		}
	}
	read()
	if allocs := testing.AllocsPerRun(20, read); allocs != 0 {
		t.Errorf("%v allocations per batch of 100 lines, want 0", allocs)
	}
}

// TestFileSourceCapsBadLineReports: a report quotes at most a prefix of a
// bad value or of the JSON parser's message, with the total length, however
// deep or long the line.
func TestFileSourceCapsBadLineReports(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	long := `{"bitrate_kbps": "` + strings.Repeat("z", 20000) + `"}`
	inst, rj, _ := newFileSourceFrom(t, deep+"\n"+long+"\n", map[string]any{})
	defer inst.Source.Close()
	readAll(t, inst.Source, 100, 3)
	if len(rj.msgs) != 2 {
		t.Fatalf("rejects %d, want 2", len(rj.msgs))
	}
	for i, m := range rj.msgs {
		if len(m) > 400 {
			t.Errorf("report %d is %d bytes: %.120s...", i, len(m), m)
		}
	}
	if m := rj.msgs[0]; !strings.HasPrefix(m, "events.jsonl:1: invalid JSON: ") || !strings.HasSuffix(m, " bytes)") || !strings.Contains(m, "…") {
		t.Errorf("deep line report: %s", m)
	}
	want := `events.jsonl:2: field "bitrate_kbps": expected int, got "` + strings.Repeat("z", 63) + `… (20002 bytes)`
	if rj.msgs[1] != want {
		t.Errorf("long value report:\n got %s\nwant %s", rj.msgs[1], want)
	}
}

// TestFileSourceReportsEveryOptionProblem: one New reports every problem,
// each at its option, entry or list element.
func TestFileSourceReportsEveryOptionProblem(t *testing.T) {
	ctx, _ := newCtx(t, "plays", map[string]any{
		"path":     "",
		"schema":   map[string]string{"ts": "tiem", "user": "strng", "page": "string", "n": "integr"},
		"required": []string{"page", "usr"},
		"speed":    -1.0,
		"on_error": "drop",
	})
	ctx.Validating = true
	_, err := fileSourceSpec().New(ctx)
	var got []string
	for _, p := range component.Problems(err) {
		got = append(got, p.Path.String()+": "+p.Err.Error())
	}
	want := []string{
		`path: must name a file`,
		`schema.n: "integr" is not one of "bool", "int", "float", "string", "time" (did you mean "int"?)`,
		`schema.ts: "tiem" is not one of "bool", "int", "float", "string", "time" (did you mean "time"?)`,
		`schema.user: "strng" is not one of "bool", "int", "float", "string", "time" (did you mean "string"?)`,
		`speed: must be greater than 0, got -1`,
		`on_error: "drop" is not one of "reject", "dead_letter"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// With a good schema, a list entry naming no field is reported at the
	// entry.
	ctx.Options = component.NewOptions(map[string]any{"path": "x", "schema": playSchema, "required": []string{"ts", "sesion_id", "rate"}})
	_, err = fileSourceSpec().New(ctx)
	got = got[:0]
	for _, p := range component.Problems(err) {
		got = append(got, p.Path.String()+": "+p.Err.Error())
	}
	want = []string{
		`required[1]: field "sesion_id" is not in the schema (did you mean "session_id"?)`,
		`required[2]: field "rate" is not in the schema (did you mean "ratio"?)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
