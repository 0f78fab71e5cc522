package agg

import (
	"errors"
	"math/rand/v2"
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

// FuzzDecodeState: DecodeState never panics, whatever the bytes; it either
// reports an error or yields a Set that takes events, merges both ways
// with a Set of its layout, gives results and encodes again. The seeds are
// states of every function; `go test -fuzz FuzzDecodeState ./internal/agg`
// explores further.
func FuzzDecodeState(f *testing.F) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, n := range []int{0, 3, 200, 3000} {
		s := mustLayout(f, allFunctions...).New()
		s.AddBatch(randomEvents(rng, n))
		b, err := s.AppendState(nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	l := mustLayout(f, allFunctions...)
	more := randomEvents(rng, 300)
	f.Fuzz(func(t *testing.T, data []byte) {
		s := l.New()
		if _, err := s.DecodeState(data); err != nil {
			if s.Count() != 0 {
				t.Fatal("a failed decode left state behind")
			}
			return
		}
		o := l.New()
		o.AddBatch(more)
		s.AddBatch(more[:10])
		if err := s.Merge(o); err != nil {
			t.Fatal(err)
		}
		if err := o.Merge(s); err != nil {
			t.Fatal(err)
		}
		results(s)
		if _, err := s.AppendState(nil); err != nil {
			t.Fatal(err)
		}
	})
}
