package connect

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// fileSinkBuffer is how much the file sink buffers before it writes
// regardless of flush_every.
const fileSinkBuffer = 256 << 10

func fileSinkSpec() *component.Spec {
	return &component.Spec{
		Type: "file",
		Kind: component.KindSink,
		Doc: "Writes events as JSON lines (one object of the event's schema fields per line) to a file. " +
			"The file (and, with create_dirs, its parent directories) is created when the tenant starts, " +
			"so a path that cannot be written fails the tenant at start; the sink buffers and " +
			"writes every flush_every, when 256 KiB are pending, and when the pipeline ends. It writes on a " +
			"goroutine of its own: a slow disk or a stalled pipe fills its input buffer and backs up (or drops, " +
			"per the buffer's when_full) without slowing any other component. With a state directory " +
			"(`run --state-dir`) the file is exactly once across crashes: each checkpoint syncs the file and " +
			"records its length, and a restart truncates it to the length its checkpoint committed before the " +
			"output after that is written again; between checkpoints the file may hold output a crash takes back.",
		Options: []component.Option{
			{Name: "path", Type: component.String, Required: true,
				Doc: "File to write, relative to the pipeline file's directory."},
			{Name: "append", Type: component.Bool, Default: false,
				Doc: "Append to an existing file instead of replacing its content. Sinks (of any tenant of the run) " +
					"may share a file only when all of them append; otherwise two sinks on one path are an error."},
			{Name: "flush_every", Type: component.Duration, Default: time.Second, HasMin: true,
				Doc: "Longest time an event waits in the buffer before it is written; 0 writes every batch."},
			{Name: "create_dirs", Type: component.Bool, Default: true,
				Doc: "Create the file's missing parent directories at start; false makes a missing directory an error."},
		},
		IO:     true,
		Claims: fileSinkClaims,
		New:    newFileSink,
	}
}

// fileSink is the file sink instance. Owned by one actor; Process, Tick and
// Flush are never called concurrently. The file is opened by Open and
// closed by Flush (or Close, when the tenant fails).
type fileSink struct {
	file       string // the path as written, for messages
	path       string
	appendMode bool
	every      time.Duration
	createDirs bool
	// written counts the bytes in the file; resume and resumeAt, set by
	// Restore, make Open keep the first resumeAt bytes and drop the rest.
	written  int64
	resume   bool
	resumeAt int64
	f        *os.File
	lf       lineFormat
	buf      []byte
}

func newFileSink(ctx *component.Context) (*component.Instance, error) {
	r := component.NewReader(fileSinkSpec(), ctx.Options)
	file := r.String("path")
	if file == "" {
		r.Fail(r.At("path"), "must name a file")
	}
	every := r.Duration("flush_every")
	appendMode := r.Bool("append")
	createDirs := r.Bool("create_dirs")
	if err := r.Err(); err != nil {
		return nil, err
	}
	s := &fileSink{
		file:       file,
		path:       resolvePath(ctx.Dir, file),
		appendMode: appendMode,
		createDirs: createDirs,
		every:      every,
		lf:         lineFormat{cache: schemaCache{inputs: ctx.Inputs, reg: ctx.Registry}},
	}
	return &component.Instance{Operator: s}, nil
}

// fileSinkClaims claims the file the sink writes: two sinks writing one
// file would interleave their lines (or one would truncate the other's),
// unless both append.
func fileSinkClaims(ctx *component.Context) []component.Claim {
	r := component.NewReader(fileSinkSpec(), ctx.Options)
	file := r.String("path")
	if file == "" {
		return nil
	}
	key := resolvePath(ctx.Dir, file)
	if abs, err := filepath.Abs(key); err == nil {
		key = abs
	}
	return []component.Claim{{
		Kind: "file", Key: filepath.Clean(key), Shared: r.Bool("append"),
		Path: r.At("path"), Value: file, Verb: "written",
	}}
}

// Process buffers the batch and writes when the buffer is full (or at
// once when flush_every is 0).
func (s *fileSink) Process(_ int, in []event.Event, _ *component.Output) error {
	var err error
	for i := range in {
		if s.buf, err = s.lf.append(s.buf, &in[i]); err != nil {
			return fmt.Errorf("file %q: %w", s.file, err)
		}
	}
	if s.every == 0 || len(s.buf) >= fileSinkBuffer {
		return s.write()
	}
	return nil
}

// TickEvery is flush_every (a second when flush_every is 0, which writes
// every batch anyway).
func (s *fileSink) TickEvery() time.Duration {
	if s.every == 0 {
		return time.Second
	}
	return s.every
}

// Tick writes whatever is buffered.
func (s *fileSink) Tick(time.Time, *component.Output) error {
	if len(s.buf) == 0 {
		return nil
	}
	return s.write()
}

// Flush writes what is buffered and closes the file. A sink that received
// no events still creates (or, without append, empties) its file, so the
// file always reflects the run.
func (s *fileSink) Flush(*component.Output) error {
	if err := s.write(); err != nil {
		return err
	}
	err := s.f.Close()
	s.f = nil
	if err != nil {
		return fmt.Errorf("cannot close %q: %w", s.file, err)
	}
	return nil
}

// Open creates the file (or opens it for appending), and its directory
// with create_dirs.
func (s *fileSink) Open(context.Context) error {
	if s.createDirs {
		if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
			return fmt.Errorf("cannot create the directory of %q: %w", s.file, err)
		}
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if s.appendMode || s.resume {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := os.OpenFile(s.path, flags, 0o644)
	if err != nil {
		return fmt.Errorf("cannot open %q for writing: %w", s.file, err)
	}
	if s.resume {
		// Back to what the restored checkpoint committed: what came after
		// will be written again.
		if err := f.Truncate(s.resumeAt); err != nil {
			f.Close()
			return fmt.Errorf("cannot truncate %q to its checkpoint (%d bytes): %w", s.file, s.resumeAt, err)
		}
		s.written = s.resumeAt
	} else if st, err := f.Stat(); err == nil {
		s.written = st.Size()
	}
	s.f = f
	return nil
}

// Close closes the file if Flush did not (a tenant that failed).
func (s *fileSink) Close() error {
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// write opens the file if needed (a sink used without Open, in tests) and
// writes the buffer.
func (s *fileSink) write() error {
	if s.f == nil {
		if err := s.Open(context.Background()); err != nil {
			return err
		}
	}
	if len(s.buf) == 0 {
		return nil
	}
	n, err := s.f.Write(s.buf)
	s.written += int64(n)
	s.buf = s.buf[:0]
	if err != nil {
		return fmt.Errorf("cannot write %q: %w", s.file, err)
	}
	return nil
}
