package connect

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// The generators in batches of 1024, reported per event.
func BenchmarkGenerate(b *testing.B) {
	for _, prof := range []string{profileSequence, profileVideoSessions} {
		b.Run(prof, func(b *testing.B) {
			ctx := &component.Context{Tenant: "b", Options: component.NewOptions(map[string]any{"profile": prof}), Registry: newTestRegistry()}
			inst, err := generateSpec().New(ctx)
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

// The file source decoding video events, beside the naive decoding into a
// map per line with encoding/json. Reported per line.
func BenchmarkFileSource(b *testing.B) {
	dir := b.TempDir()
	const lines = 20000
	content, schema := videoJSONLines(b, lines)
	path := filepath.Join(dir, "events.jsonl")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		b.Fatal(err)
	}
	b.Run("greenwave", func(b *testing.B) {
		b.ReportAllocs()
		var out component.Output
		var src component.Source
		for n := 0; b.Loop(); n++ {
			if n%lines == 0 {
				if src != nil {
					src.Close()
				}
				ctx := &component.Context{Tenant: "b", Name: "f", Dir: dir, Registry: newTestRegistry(),
					Options: component.NewOptions(map[string]any{"path": "events.jsonl", "schema": schema, "timestamp": "ts"})}
				inst, err := fileSourceSpec().New(ctx)
				if err != nil {
					b.Fatal(err)
				}
				src = inst.Source
			}
			if n%1024 == 0 {
				out.Reset()
				if _, err := src.Read(&out, 1024); err != nil {
					b.Fatal(err)
				}
			}
		}
		src.Close()
	})
	b.Run("naive_encoding_json_map", func(b *testing.B) {
		b.ReportAllocs()
		all := strings.Split(strings.TrimSpace(string(content)), "\n")
		for n := 0; b.Loop(); n++ {
			var m map[string]any
			if err := json.Unmarshal([]byte(all[n%lines]), &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The stdout sink's JSON encoding to io.Discard, beside encoding/json of a
// map per event. Reported per event.
func BenchmarkStdoutJSON(b *testing.B) {
	reg := newTestRegistry()
	ctx := &component.Context{Tenant: "b", Options: component.NewOptions(map[string]any{"profile": profileVideoSessions, "count": int64(1024)}), Registry: reg}
	inst, err := generateSpec().New(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var out component.Output
	inst.Source.Read(&out, 1024)
	events := out.Events()
	b.Run("greenwave", func(b *testing.B) {
		sink, err := newStdoutSink(&component.Context{Options: component.NewOptions(nil), Registry: reg}, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for n := 0; b.Loop(); n++ {
			if n%1024 == 0 {
				sink.Operator.Process(0, events, nil)
			}
		}
	})
	b.Run("naive_encoding_json_map", func(b *testing.B) {
		enc := json.NewEncoder(io.Discard)
		names := inst.Schema.Names()
		b.ReportAllocs()
		for n := 0; b.Loop(); n++ {
			e := &events[n%1024]
			m := make(map[string]any, len(names))
			for i, name := range names {
				v := e.Fields[i]
				switch v.Kind {
				case event.String:
					m[name] = v.S
				default:
					m[name] = v.Int()
				}
			}
			enc.Encode(m)
		}
	})
}

// videoJSONLines renders n video_sessions events as JSON lines and returns
// them with the file-source schema option that reads them back.
func videoJSONLines(tb testing.TB, n int) ([]byte, map[string]string) {
	reg := newTestRegistry()
	ctx := &component.Context{Tenant: "b", Options: component.NewOptions(map[string]any{"count": int64(n)}), Registry: reg}
	inst, err := generateSpec().New(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	var lf lineFormat
	lf.cache.reg = reg
	var buf []byte
	var out component.Output
	for done := false; !done; {
		out.Reset()
		res, err := inst.Source.Read(&out, 1024)
		if err != nil {
			tb.Fatal(err)
		}
		for i := range out.Events() {
			buf, _ = lf.append(buf, &out.Events()[i])
		}
		done = res.Done
	}
	schema := map[string]string{}
	for _, f := range inst.Schema.Fields {
		schema[f.Name] = f.Kind.String()
	}
	return buf, schema
}
