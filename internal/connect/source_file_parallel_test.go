package connect

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// parallelFile returns a JSON-lines file of n lines that crosses many
// chunks, with bad lines (malformed JSON, wrong kinds, missing required
// fields, a line over 1 MiB), blank and CRLF lines, keys in changing order,
// some of them just before, at and after the chunk boundaries
// (multiples of chunkLines), and a last line without a line ending.
func parallelFile(n int) string {
	r := rand.New(rand.NewPCG(7, 8))
	var b strings.Builder
	for i := 1; i <= n; i++ {
		at := i % chunkLines
		switch {
		case at == 0 || at == 1 || at == chunkLines-1:
			fmt.Fprintf(&b, `{"ts":"2026-01-01T00:00:%02dZ","session_id":"s%d", "bitrate_kbps": oops}`, i%60, i%7)
		case i%97 == 0:
			b.WriteString(`{"ts":"2026-01-01T00:00:00Z","session_id":"x","bitrate_kbps":"fast"}`)
		case i%101 == 0:
			b.WriteString(`{"bitrate_kbps":5}`)
		case i%89 == 0:
			b.WriteString("   ")
		case i == n/2:
			b.WriteString(`{"session_id":"` + strings.Repeat("z", maxLineBytes) + `"}`)
		case i%3 == 0:
			fmt.Fprintf(&b, `{"bitrate_kbps":%d,"session_id":"s%d","ts":%d,"live":%v}`,
				r.IntN(5000), i%7, 1767225600000+int64(i), i%2 == 0)
		default:
			fmt.Fprintf(&b, `{"ts":"2026-01-01T00:%02d:%02d.%03dZ","session_id":"s%d","bitrate_kbps":%d,"ratio":%g}`,
				i/60%60, i%60, i%1000, i%7, r.IntN(5000), r.Float64())
		}
		if i%13 == 0 {
			b.WriteString("\r")
		}
		if i < n {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// readFileSource builds a file source over dir/events.jsonl and reads it
// to the end, waiting for its wake-ups when it has nothing ready. It
// returns the events, the dead letters and the rejected lines' messages.
func readFileSource(t *testing.T, dir string, opts map[string]any, parallelism int) (main, dead []event.Event, rejected []string) {
	t.Helper()
	main, dead, rejected, _ = readFileSourceFrom(t, dir, opts, parallelism, nil, 0)
	return main, dead, rejected
}

func TestParallelFileSourceEmitsWhatTheSequentialOneDoes(t *testing.T) {
	t.Run("chunks of 1024 lines", func(t *testing.T) { checkParallelFileSource(t) })
	// Chunks of a few lines: many boundaries, every chunk reused often.
	defer func(n, b int) { linesPerChunk, bytesPerChunk = n, b }(linesPerChunk, bytesPerChunk)
	for _, n := range []int{1, 17} {
		linesPerChunk = n
		t.Run(fmt.Sprintf("chunks of %d lines", n), func(t *testing.T) { checkParallelFileSource(t) })
	}
	// Reads of a few bytes: most lines are cut by a read and carried over
	// to the next chunk, and the line over 1 MiB is read in many pieces.
	linesPerChunk = chunkLines
	for _, b := range []int{7, 61, 4096} {
		bytesPerChunk = b
		t.Run(fmt.Sprintf("reads of %d bytes", b), func(t *testing.T) { checkParallelFileSource(t) })
	}
}

func checkParallelFileSource(t *testing.T) {
	dir := t.TempDir()
	const lines = 5*chunkLines + 300
	if err := os.WriteFile(filepath.Join(dir, "events.jsonl"), []byte(parallelFile(lines)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, onError := range []string{onErrorDead, onErrorReject} {
		opts := func() map[string]any {
			return map[string]any{"path": "events.jsonl", "schema": playSchema, "timestamp": "ts",
				"required": []string{"session_id"}, "on_error": onError}
		}
		seqMain, seqDead, seqRej := readFileSource(t, dir, opts(), 1)
		if len(seqMain) < lines*3/4 || len(seqDead)+len(seqRej) < 20 {
			t.Fatalf("%s: the file gave %d events and %d bad lines; want most lines good and some bad", onError, len(seqMain), len(seqDead)+len(seqRej))
		}
		for _, par := range []int{2, 3, 8} {
			main, dead, rej := readFileSource(t, dir, opts(), par)
			if got, want := show(main), show(seqMain); got != want {
				t.Fatalf("%s, parallelism %d: events differ from parallelism 1 (%d vs %d events)", onError, par, len(main), len(seqMain))
			}
			if got, want := show(dead), show(seqDead); got != want {
				t.Fatalf("%s, parallelism %d: dead letters differ:\n%s\nwant:\n%s", onError, par, cut(got), cut(want))
			}
			if !slices.Equal(rej, seqRej) {
				t.Fatalf("%s, parallelism %d: rejects %v, want %v", onError, par, rej, seqRej)
			}
		}
	}
}

// show prints events with everything that must match: schema, time and
// fields (not Created, the clock at emission).
func show(evs []event.Event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "%d %d %v\n", e.Schema, e.Time, e.Fields)
	}
	return b.String()
}

func cut(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

func TestParallelFileSourceStopsItsGoroutines(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "events.jsonl"), []byte(parallelFile(20*chunkLines)), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, _ := newCtx(t, "plays", map[string]any{"path": "events.jsonl", "schema": playSchema})
	ctx.Dir, ctx.Parallelism, ctx.Wake = dir, 4, func() {}
	inst := mustNew(t, fileSourceSpec(), ctx)
	var out component.Output
	if _, err := inst.Source.Read(&out, 10); err != nil {
		t.Fatal(err)
	}
	src := inst.Source.(*fileSource)
	par := src.par
	done := make(chan struct{})
	go func() {
		par.wg.Wait()
		close(done)
	}()
	// Nothing reads the rest: the reader and decoders wait on full
	// queues until Close stops them.
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close returned with the reader or decoders still running")
	}
}

func TestParallelFileSourceRefusesTypeDiscovery(t *testing.T) {
	for _, opts := range []map[string]any{
		{"type_field": "session_id"},
		{"extra_fields": "keep"},
	} {
		opts["path"], opts["schema"] = "events.jsonl", playSchema
		ctx, _ := newCtx(t, "plays", opts)
		ctx.Parallelism = 2
		_, err := fileSourceSpec().New(ctx)
		if err == nil || !strings.Contains(err.Error(), "parallelism") {
			t.Errorf("%v with parallelism 2: error %v, want one about parallelism", opts, err)
		}
	}
}

// TestChunkReaderTilesTheFile: the chunks the reader cuts follow each
// other without gap or overlap, hold whole lines (the last one of the file
// may lack its ending) and at most linesPerChunk of them, and at most about
// two lines of maxLineBytes beyond bytesPerChunk: a line too long comes
// whole in a chunk, or, when it does not fit, as its first maxLineBytes
// bytes with the offset past its ending; for reads of every size, chunk
// sizes and line counts.
func TestChunkReaderTilesTheFile(t *testing.T) {
	// Lines too long: one in parallelFile, one just so with "\r\n", one of
	// the maximum with "\r\n" (not too long), and the last, without its
	// ending.
	content := parallelFile(3000) + "\n" + strings.Repeat("y", maxLineBytes+1) + "\r\n{}\n" +
		strings.Repeat("x", maxLineBytes) + "\r\n" + strings.Repeat("w", 3*maxLineBytes)
	defer func(n, b int) { linesPerChunk, bytesPerChunk = n, b }(linesPerChunk, bytesPerChunk)
	for _, lines := range []int{1, 7, chunkLines} {
		for _, size := range []int{1, 100, 4096, chunkBytes} {
			linesPerChunk, bytesPerChunk = lines, size
			for _, reader := range []string{"whole", "half", "one byte"} {
				var r io.Reader = strings.NewReader(content)
				switch reader {
				case "half":
					r = iotest.HalfReader(r)
				case "one byte":
					if size != 100 || lines != 7 {
						continue // slow; one size is enough
					}
					r = iotest.OneByteReader(r)
				}
				name := fmt.Sprintf("%d lines, %d bytes, %s reads", lines, size, reader)
				cr := &chunkReader{r: r, target: bytesPerChunk}
				var off int64
				longs := 0
				for n := 0; ; n++ {
					var c chunk
					cr.fill(&c)
					if c.start != off {
						t.Fatalf("%s: chunk %d starts at %d, want %d", name, n, c.start, off)
					}
					if c.long {
						longs++
						end := strings.IndexByte(content[off:], '\n')
						want := int64(len(content))
						if end >= 0 {
							want = off + int64(end) + 1
						}
						if string(c.buf) != content[off:off+maxLineBytes] || c.longEnd != want {
							t.Fatalf("%s: long line at %d: %d bytes ending at %d, want %d bytes ending at %d", name, off, len(c.buf), c.longEnd, maxLineBytes, want)
						}
						off = c.longEnd
						continue
					}
					if string(c.buf) != content[off:off+int64(len(c.buf))] {
						t.Fatalf("%s: chunk %d at %d is not the file's bytes there", name, n, off)
					}
					if len(c.buf) > 2*(size+maxLineBytes+2) {
						t.Fatalf("%s: chunk %d holds %d bytes", name, n, len(c.buf))
					}
					for _, l := range strings.Split(string(c.buf), "\n") {
						if len(strings.TrimSuffix(l, "\r")) > maxLineBytes {
							longs++
						}
					}
					off += int64(len(c.buf))
					if c.eof {
						break
					}
					if len(c.buf) == 0 || c.buf[len(c.buf)-1] != '\n' {
						t.Fatalf("%s: chunk %d at %d does not end with a line ending", name, n, c.start)
					}
					if k := strings.Count(string(c.buf), "\n"); k > lines {
						t.Fatalf("%s: chunk %d holds %d lines", name, n, k)
					}
				}
				if off != int64(len(content)) || longs != 3 {
					t.Fatalf("%s: the chunks end at %d of %d, with %d long lines (want 3)", name, off, len(content), longs)
				}
			}
		}
	}
}
