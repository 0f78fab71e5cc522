package queries

import (
	"slices"
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/spec"
)

func TestStreams(t *testing.T) {
	for name, want := range map[string][]string{
		"q0": {"bid"},
		"q3": {"auction", "person"},
		"q4": {"auction", "bid"},
		"q8": {"auction", "person"},
	} {
		q, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := q.Streams(); !slices.Equal(got, want) {
			t.Errorf("%s reads %v, want %v", name, got, want)
		}
	}
}

func TestRenderGenerator(t *testing.T) {
	for _, q := range All() {
		o := Options{Count: 1000, Parallelism: 2, Seed: 9, EventRate: 500}
		text, err := q.RenderGenerator(o)
		if err != nil {
			t.Fatal(err)
		}
		query, _ := q.Render(o)
		src := view{q: q, o: o}.Source()
		if !strings.Contains(text, src) || !strings.Contains(query, src) {
			t.Errorf("%s: the generator's source differs from the query's:\n%s", q.Name, text)
		}
		p, err := spec.Parse(q.Name+"-generator.yaml", []byte(text), builtin.Catalog())
		if err != nil {
			t.Fatalf("%s: %v\n%s", q.Name, err, text)
		}
		var kinds []string
		for _, c := range p.Components {
			kinds = append(kinds, c.Type)
		}
		want := append([]string{"nexmark"}, slices.Repeat([]string{"blackhole"}, len(q.Streams()))...)
		if !slices.Equal(kinds, want) {
			t.Errorf("%s: components %v, want %v", q.Name, kinds, want)
		}
	}
}
