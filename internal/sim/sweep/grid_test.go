package sweep

import (
	"strings"
	"testing"
)

func TestGridValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*Grid)
		want string
	}{
		{"limit below one", func(g *Grid) { g.ConsumerRate = 1000 }, "dispatch limit 0.75 requests"},
		{"no periods", func(g *Grid) { g.Periods = nil }, "no dispatcher periods"},
		{"bad fraction", func(g *Grid) { g.Fractions = []float64{0.5, -1} }, "rate fraction -1"},
		{"nothing", func(g *Grid) { g.Fractions, g.EffectiveFactors = nil, nil }, "nothing to run"},
	} {
		g := tiny()
		c.edit(&g)
		err := g.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	for name, g := range map[string]Grid{"default": Default(), "quick": Quick(), "tiny": tiny()} {
		if err := g.Validate(); err != nil {
			t.Errorf("%s grid: %v", name, err)
		}
	}
}
