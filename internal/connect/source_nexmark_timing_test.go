package connect

import (
	"testing"

	"github.com/greenwave/greenwave/internal/component"
)

// The nexmark source in batches of 1024, reported per event (of any kind),
// beside the generate source's sequence profile, the cheapest source there
// is, as the baseline.
func BenchmarkNexmarkSource(b *testing.B) {
	for _, c := range []struct {
		name string
		spec *component.Spec
		opts map[string]any
	}{
		{"nexmark", nexmarkSpec(), map[string]any{}},
		{"nexmark_combined", nexmarkSpec(), map[string]any{"combined": true}},
		{"baseline_generate_sequence", generateSpec(), map[string]any{"profile": profileSequence}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := &component.Context{Tenant: "b", Options: component.NewOptions(c.opts), Registry: newTestRegistry()}
			inst, err := c.spec.New(ctx)
			if err != nil {
				b.Fatal(err)
			}
			var out component.Output
			b.ReportAllocs()
			for n := 0; b.Loop(); n++ {
				if n%1024 == 0 {
					out.Reset()
					if _, err := inst.Source.Read(&out, 1024); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
