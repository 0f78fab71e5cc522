package diag

import (
	"errors"
	"strings"
	"testing"
)

func TestDiagnosticText(t *testing.T) {
	cases := []struct {
		d    Diagnostic
		want string
	}{
		{Diagnostic{Pos: Pos{File: "p.yaml", Line: 12, Col: 5}, Component: `transform "s"`, Msg: `unknown input "evnts"`, Suggestion: "events"},
			`p.yaml:12:5: transform "s": unknown input "evnts" (did you mean "events"?)`},
		{Diagnostic{Pos: Pos{File: "p.yaml", Line: 3}, Msg: "boom"}, "p.yaml:3: boom"},
		{Diagnostic{Pos: Pos{File: "dir"}, Msg: "no pipeline files"}, "dir: no pipeline files"},
		{Diagnostic{Msg: "bare"}, "bare"},
		// Relative to a text: the first line's column is for the caller.
		{Diagnostic{Pos: Pos{Line: 1, Col: 4}, Msg: "boom"}, "boom"},
		{Diagnostic{Pos: Pos{Line: 2, Col: 3}, Msg: "boom"}, "line 2, column 3: boom"},
	}
	for _, c := range cases {
		if got := c.d.Error(); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
		if got := c.d.String(); got != c.want {
			t.Errorf("String() = %s, want Error()'s text", got)
		}
	}
}

func TestDiagnosticCapsLongMessages(t *testing.T) {
	d := Errorf(Pos{File: "f", Line: 1, Col: 1}, "", "bad: %s", strings.Repeat("x", 5000))
	got := d.Error()
	if len(got) > MaxMessage+50 || !strings.HasSuffix(got, "… (5005 bytes)") {
		t.Fatalf("message of %d bytes not capped: %.80s...%s", len(got), got, got[len(got)-30:])
	}
}

func TestListSortDedupeErr(t *testing.T) {
	a := Errorf(Pos{File: "b.yaml", Line: 1, Col: 1}, "", "late file")
	b := Errorf(Pos{File: "a.yaml", Line: 9, Col: 1}, "", "later line")
	c := Errorf(Pos{File: "a.yaml", Line: 2, Col: 7}, "", "first")
	dup := Errorf(Pos{File: "a.yaml", Line: 2, Col: 7}, "", "first")
	l := List{a, b, c, dup}
	l.Sort()
	l = l.Dedupe()
	if got := l.Error(); got != "a.yaml:2:7: first\na.yaml:9:1: later line\nb.yaml:1:1: late file" {
		t.Fatalf("sorted, deduplicated:\n%s", got)
	}
	var d *Diagnostic
	if !errors.As(l.Err(), &d) || d != c {
		t.Errorf("errors.As does not find the first problem")
	}
	if (List{}).Err() != nil {
		t.Errorf("an empty list is a non-nil error")
	}
}

func TestQuoteAndCap(t *testing.T) {
	if got := Quote(`a "b"`); got != `"a \"b\""` {
		t.Errorf("short value: %s", got)
	}
	long := strings.Repeat("[", 100000)
	got := Quote(long)
	want := `"` + strings.Repeat("[", MaxQuoted) + `"… (100000 bytes)`
	if got != want {
		t.Errorf("long value quoted as %s", got)
	}
	// The cut keeps runes whole.
	got = Quote(strings.Repeat("é", 40))
	if !strings.HasPrefix(got, `"`+strings.Repeat("é", 32)+`"…`) {
		t.Errorf("cut inside a rune: %s", got)
	}
	if got := Cap("short", 10); got != "short" {
		t.Errorf("Cap of a short text: %q", got)
	}
	if got := Cap("0123456789abc", 10); got != "0123456789… (13 bytes)" {
		t.Errorf("Cap: %q", got)
	}
}
