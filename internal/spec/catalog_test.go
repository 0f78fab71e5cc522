package spec

import (
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// testCatalog is a catalog of fake component types covering what the
// loader distinguishes: every option type, a required option, enums, mins,
// defaults, a side output, stateless, keyed and input-bounded transforms,
// and sinks. It does not depend on the built-in components.
func testCatalog(tb testing.TB) *component.Catalog {
	tb.Helper()
	cat, err := component.NewCatalog(
		&component.Spec{
			Type: "generate", Kind: component.KindSource,
			SideOutputs: []string{"dead_letter"},
			Options: []component.Option{
				{Name: "profile", Type: component.Enum, Enum: []string{"video_sessions", "clicks"}, Default: "clicks"},
				{Name: "rate", Type: component.Int, HasMin: true, Min: 1, Default: int64(1000)},
				{Name: "count", Type: component.Int},
				{Name: "jitter", Type: component.Float, HasMin: true, Min: 0, Default: 0.0},
				{Name: "realtime", Type: component.Bool, Default: false},
				{Name: "interval", Type: component.Duration, HasMin: true, Min: float64(time.Millisecond), Default: time.Second},
				{Name: "max_bytes", Type: component.Size, HasMin: true, Min: 16, Default: int64(1 << 20)},
				{Name: "fields", Type: component.StringList, Default: []string{"id"}},
				{Name: "labels", Type: component.StringMap},
				{Name: "template", Type: component.Any},
				{Name: "name_prefix", Type: component.String},
				{Name: "where", Type: component.Expr},
			},
		},
		&component.Spec{
			Type: "file", Kind: component.KindSource,
			Options: []component.Option{{Name: "path", Type: component.String, Required: true}},
		},
		&component.Spec{
			Type: "filter", Kind: component.KindTransform, Stateless: true,
			Options: []component.Option{{Name: "condition", Type: component.Expr, Required: true}},
		},
		&component.Spec{
			// A non-keyed type with an option named like the keyed-only key.
			Type: "key_by", Kind: component.KindTransform, Stateless: true, MaxInputs: 1,
			Options: []component.Option{{Name: "key", Type: component.StringList, Required: true}},
		},
		&component.Spec{
			Type: "count", Kind: component.KindTransform, Keyed: true,
			Options: []component.Option{
				{Name: "window", Type: component.Duration, Default: 10 * time.Second},
				{Name: "emit", Type: component.Enum, Enum: []string{"update", "final"}, Default: "final"},
			},
		},
		&component.Spec{
			Type: "join", Kind: component.KindTransform, Keyed: true, MaxInputs: 2,
			Options: []component.Option{{Name: "within", Type: component.Duration, Required: true}},
		},
		&component.Spec{
			Type: "stdout", Kind: component.KindSink,
			Options: []component.Option{{Name: "format", Type: component.Enum, Enum: []string{"json", "text"}, Default: "json"}},
		},
		&component.Spec{Type: "blackhole", Kind: component.KindSink},
	)
	if err != nil {
		tb.Fatal(err)
	}
	return cat
}
