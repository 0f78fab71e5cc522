package connect

import (
	"fmt"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/diag"
	"github.com/greenwave/greenwave/internal/event"
)

const (
	formatJSON = "json"
	formatText = "text"
)

func stdoutSpec() *component.Spec {
	return &component.Spec{
		Type: "stdout",
		Kind: component.KindSink,
		Doc: "Writes each event as one line on standard output: a JSON object of the event's schema fields, " +
			"or aligned field=value text. Each batch is written with one write, so a terminal sees output " +
			"as it arrives and lines are never split. After a crash, a run with a state directory writes again " +
			"what came after the checkpoint it resumes from: at least once.",
		Options: []component.Option{
			{Name: "format", Type: component.Enum, Default: formatJSON, Enum: []string{formatJSON, formatText},
				Doc: "json writes one JSON object per line; text writes field=value pairs padded into columns, " +
					"strings unquoted unless they hold spaces or special characters, times in RFC 3339."},
			{Name: "fields", Type: component.StringList,
				Doc: "Write only these fields, in this order (null where an event's schema lacks one). " +
					"Each must be a field of at least one input. Default: all fields of each event's schema."},
		},
		IO: true,
		New: func(ctx *component.Context) (*component.Instance, error) {
			return newStdoutSink(ctx, lockedStdout)
		},
	}
}

// lockedStdout serialises the writes of every stdout sink of the process,
// so that lines of two tenants never interleave inside a batch's write
// (a pipe splits writes above PIPE_BUF). The sinks share the terminal or
// pipe anyway: when it stalls, all of them wait, each on its own goroutine.
// It looks os.Stdout up at each write, so that a test (or an Example)
// that redirects os.Stdout sees the output.
var lockedStdout io.Writer = &stdoutWriter{}

type stdoutWriter struct{ mu sync.Mutex }

func (l *stdoutWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return os.Stdout.Write(p)
}

// stdoutSink writes events as lines to w (os.Stdout outside tests). Owned
// by one actor.
type stdoutSink struct {
	w   io.Writer
	lf  lineFormat
	buf []byte
}

// newStdoutSink builds a stdout sink that writes to w; tests pass a buffer.
func newStdoutSink(ctx *component.Context, w io.Writer) (*component.Instance, error) {
	r := component.NewReader(stdoutSpec(), ctx.Options)
	format := r.String("format")
	fields := selectedFields(r, ctx.Inputs)
	if err := r.Err(); err != nil {
		return nil, err
	}
	s := &stdoutSink{
		w:  w,
		lf: lineFormat{text: format == formatText, fields: fields, cache: schemaCache{inputs: ctx.Inputs, reg: ctx.Registry}},
	}
	return &component.Instance{Operator: s}, nil
}

// selectedFields checks the fields option: no empty or repeated names, and
// each name a field of at least one input schema (when they are known).
// Each bad entry is reported at its place in the list.
func selectedFields(r *component.Reader, inputs []*event.Schema) []string {
	fields := r.StringList("fields")
	if len(fields) == 0 {
		return nil
	}
	var known []string
	for _, in := range inputs {
		if in != nil {
			known = append(known, in.Names()...)
		}
	}
	for i, name := range fields {
		at := r.At("fields").Index(i)
		switch {
		case name == "":
			r.Fail(at, "entry %d is empty", i+1)
		case slices.Contains(fields[:i], name):
			r.Fail(at, "field %s is listed twice", diag.Quote(name))
		case len(known) > 0 && !slices.Contains(known, name):
			r.Fail(at, "field %s is in no input schema%s", diag.Quote(name), diag.DidYouMean(name, known))
		}
	}
	return slices.Clone(fields)
}

// Process writes the batch with a single Write.
func (s *stdoutSink) Process(_ int, in []event.Event, _ *component.Output) error {
	buf := s.buf[:0]
	var err error
	for i := range in {
		if buf, err = s.lf.append(buf, &in[i]); err != nil {
			return fmt.Errorf("stdout: %w", err)
		}
	}
	s.buf = buf
	if len(buf) == 0 {
		return nil
	}
	if _, err := s.w.Write(buf); err != nil {
		return fmt.Errorf("cannot write to stdout: %w", err)
	}
	return nil
}

// Flush has nothing to do: every batch is written by Process.
func (s *stdoutSink) Flush(*component.Output) error { return nil }
