package agg

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

var update = flag.Bool("update", false, "rewrite testdata/parse.txt with the current output")

// TestParseGolden parses each case of testdata/parse.txt and compares the
// outcome with the expected output below it. Cases are separated by blank
// lines; a case is optional # comments, the aggregate's text on a line
// starting with "> ", and the output: the result kind and the fully
// parenthesised aggregate, or the error message with a caret under the
// column it reports. Run `go test ./internal/agg -run ParseGolden -update`
// to rewrite the outputs after a deliberate change, and review the diff.
func TestParseGolden(t *testing.T) {
	const file = "testdata/parse.txt"
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cases := strings.Split(strings.TrimSpace(string(data)), "\n\n")
	var out bytes.Buffer
	for i, c := range cases {
		lines := strings.Split(c, "\n")
		var comments []string
		for len(lines) > 0 && strings.HasPrefix(lines[0], "#") {
			comments = append(comments, lines[0])
			lines = lines[1:]
		}
		if len(lines) == 0 || !strings.HasPrefix(lines[0]+" ", "> ") {
			t.Fatalf("%s: case %d: want comments, then the text after \"> \"", file, i+1)
		}
		text := strings.TrimPrefix(strings.TrimPrefix(lines[0], ">"), " ")
		got := parseOutcome(t, text)
		if want := strings.Join(lines[1:], "\n"); !*update && want != got {
			t.Errorf("> %s\n got: %s\nwant: %s", text, got, want)
		}
		if i > 0 {
			out.WriteString("\n")
		}
		for _, cm := range comments {
			out.WriteString(cm + "\n")
		}
		out.WriteString("> " + text + "\n" + got + "\n")
	}
	if *update {
		if err := os.WriteFile(file, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// parseOutcome describes what Parse makes of text.
func parseOutcome(t *testing.T, text string) string {
	s, err := Parse("x", text, testSchema)
	if err != nil {
		var pe *Error
		if !errors.As(err, &pe) {
			t.Fatalf("%q: error %T, want *Error", text, err)
		}
		if pe.Col < 1 || pe.Col > len([]rune(text))+1 {
			t.Errorf("%q: column %d outside the text", text, pe.Col)
		}
		if m := pe.Msg; m == "" || strings.ToLower(m[:1]) != m[:1] {
			t.Errorf("%q: message must be lowercase and non-empty: %q", text, m)
		}
		return "error: " + err.Error() + "\n  " + strings.Repeat(" ", pe.Col-1) + "^ column " + strconv.Itoa(pe.Col)
	}
	if s.Name != "x" || s.Text != text {
		t.Errorf("%q: spec name %q text %q", text, s.Name, s.Text)
	}
	return s.Kind.String() + ": " + s.canonical(true)
}

// TestErrorColumnCountsRunes: columns count runes, not bytes.
func TestErrorColumnCountsRunes(t *testing.T) {
	_, err := Parse("x", `sum("débit") + $`, testSchema)
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v, want *Error", err)
	}
	if pe.Col != 16 {
		t.Errorf("column %d, want 16 (the rune column of $)", pe.Col)
	}
}

func TestParseAll(t *testing.T) {
	specs, err := ParseAll(map[string]string{"b": "count()", "a": "avg(bitrate_kbps)", "c": "sum(play_ms)"}, testSchema)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "a,b,c" {
		t.Errorf("order %s, want a,b,c", got)
	}
	_, err = ParseAll(map[string]string{"ok": "count()", "bad1": "sum(nope)", "bad2": "avg("}, testSchema)
	if err == nil {
		t.Fatal("no error")
	}
	// Each problem names its aggregate as the path of an option error (the
	// caller adds its option to it) and keeps its column.
	var got []string
	for _, p := range component.Problems(err) {
		var e *Error
		if !errors.As(p.Err, &e) {
			t.Fatalf("%s: %v is not an *Error", p.Path, p.Err)
		}
		got = append(got, fmt.Sprintf("%s:%d: %s", p.Path, e.Col, e.Msg))
	}
	want := `bad1:5: sum: unknown field "nope" (fields: viewer_id, cdn, bitrate_kbps, startup_ms, buffering_ms, play_ms, ts, ok, ...)` + "\n" +
		`bad2:5: avg: expected a field name, got the end`
	if strings.Join(got, "\n") != want {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
}

func TestSpecString(t *testing.T) {
	for text, want := range map[string]string{
		"sum( buffering_ms )/sum(play_ms)":      "r = sum(buffering_ms) / sum(play_ms)",
		"(count() - count(cdn)) * 100":          "r = (count() - count(cdn)) * 100",
		"count() - (count(cdn) - 1)":            "r = count() - (count(cdn) - 1)",
		"count() - count(cdn) - 1":              "r = count() - count(cdn) - 1",
		"-(sum(play_ms))":                       "r = -sum(play_ms)",
		`count_distinct("user-agent")`:          `r = count_distinct("user-agent")`,
		"percentile(startup_ms, .5)":            "r = percentile(startup_ms, 0.5)",
		"count() / (count() * 2.5e0)":           "r = count() / (count() * 2.5)",
		"max(bitrate_kbps) - min(bitrate_kbps)": "r = max(bitrate_kbps) - min(bitrate_kbps)",
	} {
		s, err := Parse("r", text, testSchema)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if got := s.String(); got != want {
			t.Errorf("%q: got %q, want %q", text, got, want)
		}
		// The canonical form parses to the same canonical form.
		again, err := Parse("r", strings.TrimPrefix(s.String(), "r = "), testSchema)
		if err != nil || again.canonical(true) != s.canonical(true) || again.Kind != s.Kind {
			t.Errorf("%q: canonical form %q does not round-trip (%v)", text, s.String(), err)
		}
	}
}

func TestParseNeedsSchema(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "BUG: ") {
			t.Errorf("recovered %v, want a BUG panic", r)
		}
	}()
	_, _ = Parse("x", "count()", (*event.Schema)(nil))
}
