package agg

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics; it either returns an *Error with a column
// inside the text, or a spec whose canonical form parses to itself and
// whose layout gives a result for an empty window. The seeds are the
// golden cases; `go test -fuzz FuzzParse ./internal/agg` explores further.
func FuzzParse(f *testing.F) {
	data, err := os.ReadFile("testdata/parse.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if text, ok := strings.CutPrefix(line, "> "); ok {
			f.Add(text)
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := Parse("x", text, testSchema)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Col < 1 || pe.Col > len([]rune(text))+1 {
				t.Fatalf("%q: error %v (%T) without a column in the text", text, err, err)
			}
			return
		}
		again, err := Parse("x", s.canonical(false), testSchema)
		if err != nil || again.canonical(true) != s.canonical(true) || again.Kind != s.Kind {
			t.Fatalf("%q: canonical form %q does not round-trip (%v)", text, s.canonical(false), err)
		}
		results(NewLayout([]*Spec{s}).New())
	})
}
