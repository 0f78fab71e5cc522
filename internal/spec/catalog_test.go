package spec

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// testCatalog is a catalog of fake component types covering what the
// loader distinguishes: every option type, nested options, a required
// option, enums, bounds, defaults, a side output, stateless, keyed and
// input-bounded transforms, and sinks, one of which claims a file. It does
// not depend on the built-in components.
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
			// Nested options: objects (in objects), lists of objects, maps of
			// enums and of bounded ints, a count, a float with both bounds.
			Type: "http", Kind: component.KindSource,
			Options: []component.Option{
				{Name: "address", Type: component.String, Required: true},
				{Name: "tls", Type: component.Object, Options: []component.Option{
					{Name: "cert", Type: component.String, Required: true},
					{Name: "key", Type: component.String},
					{Name: "min_version", Type: component.Enum, Enum: []string{"1.2", "1.3"}, Default: "1.2"},
					{Name: "client_auth", Type: component.Object, Options: []component.Option{
						{Name: "mode", Type: component.Enum, Enum: []string{"none", "require"}, Default: "none"},
						{Name: "ca", Type: component.String},
					}},
				}},
				{Name: "headers", Type: component.List, Elem: &component.Option{Type: component.Object, Options: []component.Option{
					{Name: "name", Type: component.String, Required: true},
					{Name: "value", Type: component.String, Default: ""},
				}}},
				{Name: "schema", Type: component.Map, Elem: &component.Option{Type: component.Enum, Enum: []string{"bool", "int", "float", "string", "time"}}},
				{Name: "quotas", Type: component.Map, Elem: &component.Option{Type: component.Int, HasMin: true, HasMax: true, Max: 100}},
				{Name: "max_body", Type: component.Count, Default: int64(1024), HasMin: true, Min: 1, HasMax: true, Max: 1 << 20},
				{Name: "sample", Type: component.Float, Default: 1.0, HasMin: true, ExclusiveMin: true, HasMax: true, Max: 1},
				{Name: "routes", Type: component.StringMap},
			},
		},
		&component.Spec{
			// A sink that claims the file it writes, shared when appending.
			Type: "file", Kind: component.KindSink,
			Options: []component.Option{
				{Name: "path", Type: component.String, Required: true},
				{Name: "append", Type: component.Bool, Default: false},
			},
			Claims: func(ctx *component.Context) []component.Claim {
				path := ctx.Options.String("path")
				return []component.Claim{{Kind: "file", Key: filepath.Join(ctx.Dir, path), Shared: ctx.Options.Bool("append"),
					Path: component.At("path"), Value: path, Verb: "written"}}
			},
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
