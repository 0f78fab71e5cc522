package connect

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// playEvents registers a small schema and returns three events of it.
func playEvents(t *testing.T, reg component.Registry) (*event.Schema, []event.Event) {
	t.Helper()
	s, err := reg.Register(event.MustSchema("acme", "play",
		event.Field{Name: "ts", Kind: event.Time},
		event.Field{Name: "cdn", Kind: event.String},
		event.Field{Name: "kbps", Kind: event.Int},
		event.Field{Name: "ratio", Kind: event.Float},
		event.Field{Name: "live", Kind: event.Bool}))
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	mk := func(dt int64, cdn string, kbps int64, ratio float64, live bool) event.Event {
		return event.Event{Schema: s.ID, Time: ts + dt, Fields: []event.Value{
			event.TimeValue(ts + dt), event.StringValue(cdn), event.IntValue(kbps), event.FloatValue(ratio), event.BoolValue(live)}}
	}
	return s, []event.Event{
		mk(0, "akamai", 235, 0.5, true),
		mk(1500*int64(time.Millisecond), "level 3", 8000, 1, false),
		{Schema: s.ID, Time: ts, Fields: []event.Value{event.TimeValue(ts), event.StringValue("")}}, // trailing fields missing
	}
}

// countingWriter records each Write.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

func stdoutLines(t *testing.T, opts map[string]any, batches ...[]event.Event) (string, int) {
	t.Helper()
	ctx, _ := newCtx(t, "out", opts)
	s, events := playEvents(t, ctx.Registry)
	ctx.Inputs = []*event.Schema{s}
	if len(batches) == 0 {
		batches = [][]event.Event{events}
	}
	var w countingWriter
	inst, err := newStdoutSink(ctx, &w)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		if err := inst.Operator.Process(0, b, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := inst.Operator.Flush(nil); err != nil {
		t.Fatal(err)
	}
	return w.String(), w.writes
}

func TestStdoutJSON(t *testing.T) {
	got, writes := stdoutLines(t, map[string]any{})
	want := `{"ts":"2026-01-01T00:00:00Z","cdn":"akamai","kbps":235,"ratio":0.5,"live":true}
{"ts":"2026-01-01T00:00:01.5Z","cdn":"level 3","kbps":8000,"ratio":1,"live":false}
{"ts":"2026-01-01T00:00:00Z","cdn":"","kbps":null,"ratio":null,"live":null}
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if writes != 1 {
		t.Errorf("%d writes for one batch, want 1", writes)
	}
}

func TestStdoutText(t *testing.T) {
	got, _ := stdoutLines(t, map[string]any{"format": "text"})
	want := `ts=2026-01-01T00:00:00Z cdn=akamai kbps=235 ratio=0.5 live=true
ts=2026-01-01T00:00:01.5Z cdn="level 3" kbps=8000 ratio=1   live=false
ts=2026-01-01T00:00:00Z   cdn=""        kbps=null ratio=null live=null
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestStdoutSelectedFields(t *testing.T) {
	got, _ := stdoutLines(t, map[string]any{"fields": []string{"kbps", "cdn"}})
	want := `{"kbps":235,"cdn":"akamai"}
{"kbps":8000,"cdn":"level 3"}
{"kbps":null,"cdn":""}
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestStdoutFollowsSchemaChanges(t *testing.T) {
	ctx, _ := newCtx(t, "out", map[string]any{"format": "text", "fields": []string{"cdn", "kbps"}})
	play, events := playEvents(t, ctx.Registry)
	other, _ := ctx.Registry.Register(event.MustSchema("acme", "other", event.Field{Name: "cdn", Kind: event.String}))
	ctx.Inputs = []*event.Schema{play, other}
	var w bytes.Buffer
	inst, err := newStdoutSink(ctx, &w)
	if err != nil {
		t.Fatal(err)
	}
	o := event.Event{Schema: other.ID, Fields: []event.Value{event.StringValue("fastly")}}
	if err := inst.Operator.Process(0, []event.Event{events[0], o, events[1]}, nil); err != nil {
		t.Fatal(err)
	}
	want := "cdn=akamai kbps=235\ncdn=fastly kbps=null\ncdn=\"level 3\" kbps=8000\n"
	if w.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", w.String(), want)
	}
	bad := event.Event{Schema: 99}
	if err := inst.Operator.Process(0, []event.Event{bad}, nil); err == nil || err.Error() != "stdout: event has unknown schema id 99" {
		t.Errorf("unknown schema: %v", err)
	}
}

func TestStdoutOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		opts map[string]any
		want string
	}{
		{map[string]any{"fields": []string{"kpbs"}}, `option "fields[0]": field "kpbs" is in no input schema (did you mean "kbps"?)`},
		{map[string]any{"fields": []string{"cdn", "cdn"}}, `option "fields[1]": field "cdn" is listed twice`},
		{map[string]any{"fields": []string{""}}, `option "fields[0]": entry 1 is empty`},
		{map[string]any{"format": "yaml"}, `option "format": "yaml" is not one of "json", "text"`},
	} {
		ctx, _ := newCtx(t, "out", tc.opts)
		s, _ := playEvents(t, ctx.Registry)
		ctx.Inputs = []*event.Schema{s}
		_, err := newStdoutSink(ctx, &bytes.Buffer{})
		if err == nil || err.Error() != tc.want {
			t.Errorf("%v:\n got %v\nwant %s", tc.opts, err, tc.want)
		}
	}
}

func TestTextQuoting(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "plain", "": `""`, "a b": `"a b"`, "k=v": `"k=v"`, `q"`: `"q\""`, "tab\t": `"tab\t"`, "\x01": `"\u0001"`, "ünï": "ünï",
	} {
		if got := string(appendTextValue(nil, event.StringValue(in))); got != want {
			t.Errorf("%q: got %s, want %s", in, got, want)
		}
	}
	if got := string(appendJSONString(nil, "a\"\\\n\x1f")); got != `"a\"\\\n\u001f"` {
		t.Errorf("JSON string %s", got)
	}
	if !strings.Contains(string(appendTextValue(nil, event.FloatValue(1.25))), "1.25") {
		t.Error("float formatting")
	}
}
