package connect

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/diag"
	"github.com/greenwave/greenwave/internal/event"
)

const (
	paceNone       = "none"
	paceEventTime  = "event_time"
	onErrorReject  = "reject"
	onErrorDead    = "dead_letter"
	formatJSONLine = "json_lines"
	extraIgnore    = "ignore"
	extraKeep      = "keep"
)

// Slots of the dead-letter schema's fields, in declaration order.
const (
	dlFile = iota
	dlLine
	dlError
	dlRaw
	dlFieldCount
)

var deadLetterFields = [dlFieldCount]event.Field{
	{Name: "file", Kind: event.String, Required: true},
	{Name: "line", Kind: event.Int, Required: true},
	{Name: "error", Kind: event.String, Required: true},
	{Name: "raw", Kind: event.String, Required: true},
}

func fileSourceSpec() *component.Spec {
	return &component.Spec{
		Type: "file",
		Kind: component.KindSource,
		Doc: "Reads a JSON-lines file: one JSON object per line, up to 1 MiB, decoded into the declared schema " +
			"(fields in name order). Unknown keys are ignored, null is absent, blank lines are skipped. " +
			"A line that is not valid JSON, holds a value of the wrong kind for a declared field, or misses a " +
			"required field is rejected (counted and reported as file:line) or sent to the dead_letter side output. " +
			"The source is done at the end of the file. With `parallelism: N` one reader reads the file in chunks " +
			"of whole lines that N decoders split and decode at once, and the events still come out in file order, exactly as with " +
			"parallelism 1 (not with type_field or extra_fields: keep, whose discovery is sequential).",
		Options: []component.Option{
			{Name: "path", Type: component.String, Required: true,
				Doc: "File to read, relative to the pipeline file's directory."},
			{Name: "format", Type: component.Enum, Default: formatJSONLine, Enum: []string{formatJSONLine},
				Doc: "File format; json_lines is the only one so far."},
			decodeOption("schema"),
			decodeOption("required"),
			{Name: "type_name", Type: component.String,
				Doc: "Name under which the schema is registered. Default: the component's name."},
			decodeOption("timestamp"),
			{Name: "pace", Type: component.Enum, Default: paceNone, Enum: []string{paceNone, paceEventTime},
				Doc: "none reads as fast as the pipeline takes events; event_time replays with the original gaps " +
					"between event times, divided by speed (needs timestamp)."},
			{Name: "speed", Type: component.Float, Default: float64(1), HasMin: true, ExclusiveMin: true,
				Doc: "Replay speed factor for pace event_time: 2 replays twice as fast."},
			{Name: "type_field", Type: component.String,
				Doc: "A declared string field whose value names the event's type. A value seen for the first time " +
					"registers the type `<type_name>:<value>` while the pipeline runs (the declared fields in the same " +
					"slots, plus the type's own undeclared fields with extra_fields: keep); events without the field " +
					"keep the declared type."},
			{Name: "extra_fields", Type: component.Enum, Default: extraIgnore, Enum: []string{extraIgnore, extraKeep},
				Doc: "What becomes of keys the schema does not declare. ignore drops them. keep adds each to the " +
					"event's type the first time it appears (registered while the pipeline runs; its kind is that of its " +
					"first value: string, bool, int, float, or string holding the JSON text of an object or array); a " +
					"later value of another kind makes the line bad. Operators see only declared fields (they are " +
					"compiled against them); filter and key_by pass the extra fields on, and sinks write them."},
			{Name: "max_types", Type: component.Int, Default: int64(defaultMaxTypes), HasMin: true, Min: 1,
				Doc: "Most types type_field may register; a line naming one more is bad."},
			{Name: "max_extra_fields", Type: component.Int, Default: int64(defaultMaxExtraFields), HasMin: true, Min: 1,
				Doc: "Most undeclared fields extra_fields: keep adds to one type; a line adding one more is bad."},
			decodeOption("on_error"),
		},
		SideOutputs: []string{"dead_letter"},
		IO:          true,
		Inner:       true,
		New:         newFileSource,
	}
}

// fileSource is the file source instance. It is owned by one actor.
type fileSource struct {
	file  string // the path as written, for messages
	path  string // resolved against the pipeline's directory
	f     *os.File
	lines *lineReader
	line  int64
	dec   *decoder
	now   func() time.Time

	// With parallelism > 1, par decoders run beside Read (started by
	// Open); Read emits what they decoded, in file order.
	parallelism int
	par         *parallelLines
	wake        func()

	schemaID uint32
	tsSlot   int        // -1 without a timestamp field
	types    *fileTypes // nil without type_field and extra_fields: keep

	deadLetter bool
	deadID     uint32
	deadSlots  []int
	deadWidth  int
	reject     func(error)
	rejected   int64

	pace        bool
	speed       float64
	paceStarted bool
	paceBase    int64 // wall clock of the first event, unix ns
	paceT0      int64 // event time of the first event
	pending     event.Event
	hasPending  bool
	// resumeAt is where Open starts reading: the offset a restored
	// checkpoint recorded.
	resumeAt int64
	// done and doneLine are the offset and number of the last line whose
	// event went out (or that was blank or rejected): what a checkpoint
	// records. A paced event held back is not done yet; pendingDone and
	// pendingLine are what it makes done when it goes out.
	done, doneLine           int64
	pendingDone, pendingLine int64
}

func newFileSource(ctx *component.Context) (*component.Instance, error) {
	r := component.NewReader(fileSourceSpec(), ctx.Options)
	file := r.String("path")
	if file == "" {
		r.Fail(r.At("path"), "must name a file")
	}
	r.String("format")
	fields, names, field, required, tsName := readDeclared(r)
	pace := r.String("pace")
	if pace == paceEventTime && tsName == "" {
		r.Fail(r.At("pace"), "pace %q needs the timestamp option", pace)
	}
	speed := r.Float("speed")
	onError := r.String("on_error")
	typeField := r.String("type_field")
	if r.Given("type_field") {
		if i := field(r.At("type_field"), typeField); i >= 0 && fields[i].Kind != event.String {
			r.Fail(r.At("type_field"), "field %q is declared %s; the type field must be of kind string", typeField, fields[i].Kind)
		}
	}
	extra := r.String("extra_fields")
	maxTypes := r.Int("max_types")
	maxExtra := r.Int("max_extra_fields")
	if err := r.Err(); err != nil {
		return nil, err
	}

	typeName := r.String("type_name")
	if typeName == "" {
		typeName = cmp.Or(ctx.Name, "file")
	}
	schema, slots, dead, deadSlots, err := bindDeclared(ctx, typeName, fields, required, deadLetterFields[:])
	if err != nil {
		return nil, err
	}

	s := &fileSource{
		file:       file,
		path:       resolvePath(ctx.Dir, file),
		now:        ctx.Now,
		schemaID:   schema.ID,
		tsSlot:     -1,
		deadLetter: onError == onErrorDead,
		deadID:     dead.ID,
		deadSlots:  deadSlots,
		deadWidth:  dead.Width(),
		reject:     ctx.Reject,
		pace:       pace == paceEventTime,
		speed:      speed,
	}
	if s.now == nil {
		s.now = time.Now
	}
	ff := make([]fileField, len(fields))
	var req []int
	for i, f := range fields {
		ff[i] = fileField{name: f.Name, kind: f.Kind, slot: slots[i]}
		if f.Required {
			req = append(req, i)
		}
		if f.Name == tsName {
			s.tsSlot = slots[i]
		}
	}
	s.dec = newDecoder(ff, req, schema.Width())
	s.parallelism, s.wake = max(ctx.Parallelism, 1), ctx.Wake
	if (typeField != "" || extra == extraKeep) && ctx.Registry != nil {
		typeSlot := -1
		if typeField != "" {
			typeSlot = slots[slices.Index(names, typeField)]
		}
		for i, slot := range slots {
			if slot != i {
				return nil, component.OptErr("schema", "type %q is already registered with its fields in other slots; "+
					"type discovery needs the declared fields first (set type_name to a name of its own)", typeName)
			}
		}
		s.types = newFileTypes(ctx.Registry, schema, typeName, typeSlot, extra == extraKeep, int(maxTypes), int(maxExtra))
		s.dec.keepUnknown = extra == extraKeep
	}
	if s.parallelism > 1 && (typeField != "" || extra == extraKeep) {
		return nil, component.OptErr("parallelism", "is %d, but type_field and extra_fields: keep discover types "+
			"line by line and need parallelism 1", s.parallelism)
	}
	if !ctx.Validating {
		// Report a missing file when the pipeline starts, not at the
		// first read; the file itself is opened by the first Read, so
		// an instance that never runs holds no descriptor.
		st, err := os.Stat(s.path)
		if err != nil {
			return nil, component.OptErr("path", "cannot open %q: %w", file, err)
		}
		if st.IsDir() {
			return nil, component.OptErr("path", "%q is a directory, not a file", file)
		}
	}
	return &component.Instance{Source: s, Schema: schema, SideSchemas: []*event.Schema{dead}}, nil
}

// declaredFields reads the schema option into fields sorted by name (the
// file's order must not decide the slots, so that reordering the schema
// changes nothing), and reports whether every entry was good. Each entry's
// kind was checked against kindNames by the loader (and by r, for a direct
// call).
// bindDeclared marks the required fields, registers the declared schema
// as typeName and, beside it, the dead-letter schema (named after the
// component) with deadFields. A schema the registry refuses is an error of
// the schema option.
func bindDeclared(ctx *component.Context, typeName string, fields []event.Field, required map[string]bool, deadFields []event.Field) (schema *event.Schema, slots []int, dead *event.Schema, deadSlots []int, err error) {
	for i := range fields {
		fields[i].Required = required[fields[i].Name]
	}
	decl, err := event.NewSchema(ctx.Tenant, typeName, fields...)
	if err != nil {
		return nil, nil, nil, nil, component.OptErr("schema", "%w", err)
	}
	if schema, slots, err = bindSchema(ctx.Registry, decl); err != nil {
		return nil, nil, nil, nil, component.OptErr("schema", "%w", err)
	}
	deadName := cmp.Or(ctx.Name, typeName) + "_dead_letter"
	if dead, deadSlots, err = bindSchema(ctx.Registry, event.MustSchema(ctx.Tenant, deadName, deadFields...)); err != nil {
		return nil, nil, nil, nil, err
	}
	return schema, slots, dead, deadSlots, nil
}

// readDeclared reads the options that declare what a decoded record holds,
// shared by the file and network sources: the schema (its fields and their
// names), required and timestamp (itself required, and of kind time).
// field returns a declared field's index, recording an error at at when
// the name is not declared; such errors are reported only when the schema
// itself is good (with a bad schema they would only repeat that).
func readDeclared(r *component.Reader) (fields []event.Field, names []string, field func(at component.Path, name string) int, required map[string]bool, tsName string) {
	fields, names, known := declaredFields(r)
	field = func(at component.Path, name string) int {
		i := slices.Index(names, name)
		if i < 0 && known {
			r.Fail(at, "field %s is not in the schema%s", diag.Quote(name), diag.DidYouMean(name, names))
		}
		return i
	}
	required = map[string]bool{}
	for i, name := range r.StringList("required") {
		if field(r.At("required").Index(i), name) >= 0 {
			required[name] = true
		}
	}
	tsName = r.String("timestamp")
	if tsName != "" {
		if i := field(r.At("timestamp"), tsName); i >= 0 {
			if fields[i].Kind != event.Time {
				r.Fail(r.At("timestamp"), "field %q is declared %s; the timestamp field must be of kind time", tsName, fields[i].Kind)
			}
			required[tsName] = true
		}
	}
	return fields, names, field, required, tsName
}

func declaredFields(r *component.Reader) ([]event.Field, []string, bool) {
	decl := r.Map("schema")
	if len(decl) == 0 {
		r.Fail(r.At("schema"), "declares no fields; map each field name to one of %s", strings.Join(kindNames, ", "))
		return nil, nil, false
	}
	slices.SortFunc(decl, func(a, b component.Entry) int { return strings.Compare(a.Key, b.Key) })
	fields := make([]event.Field, 0, len(decl))
	names := make([]string, 0, len(decl))
	all := true
	for _, e := range decl {
		k, ok := event.ParseKind(e.Value.(string))
		if !ok {
			all = false // reported by r.Map
			continue
		}
		fields = append(fields, event.Field{Name: e.Key, Kind: k})
		names = append(names, e.Key)
	}
	return fields, names, all
}

// Open opens the file, so that a missing or unreadable file fails the
// tenant at start.
func (s *fileSource) Open(context.Context) error {
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("cannot open %q: %w", s.file, err)
	}
	if s.resumeAt > 0 {
		if _, err := f.Seek(s.resumeAt, io.SeekStart); err != nil {
			f.Close()
			return fmt.Errorf("cannot resume %q at byte %d: %w", s.file, s.resumeAt, err)
		}
	}
	s.f, s.lines = f, newLineReader(f)
	s.lines.off = s.resumeAt
	s.done, s.doneLine = s.resumeAt, s.line
	if s.parallelism > 1 {
		s.par = startParallel(f, s.resumeAt, s.line, s.parallelism, s.dec.clone, s.prepare, s.wake)
	}
	return nil
}

// prepare gives a decoded event its schema and, with a timestamp field,
// its time (Created is set when it is emitted).
func (s *fileSource) prepare(e *event.Event) {
	e.Schema = s.schemaID
	if s.tsSlot >= 0 {
		e.Time = int64(e.Fields[s.tsSlot].N)
	}
}

// readParallel is Read with decoders beside it: it emits the decoded
// lines in file order, and returns PushReady when the next chunk is not
// decoded yet (its decoder wakes the source when it is).
func (s *fileSource) readParallel(out *component.Output, limit int, now int64) (component.ReadResult, error) {
	for range limit {
		l, dec, raw, ready, err := s.par.next()
		switch {
		case !ready:
			return component.ReadResult{Idle: component.PushReady}, nil
		case errors.Is(err, io.EOF):
			return component.ReadResult{Done: true}, nil
		case err != nil:
			return component.ReadResult{}, fmt.Errorf("cannot read %q: %w", s.file, err)
		}
		s.line = l.num
		if dec == nil {
			s.fail(out, raw, l.err, now)
			s.done, s.doneLine = l.off, l.num
			continue
		}
		// The decoded event's Fields array goes out, and the slot's array
		// goes back to the chunk for its next use: no copy.
		e := out.Next()
		f := e.Fields
		*e = *dec
		dec.Fields = f
		e.Created = now
		if s.pace {
			if wait := s.wait(e.Time, now); wait > 0 {
				s.pending.CopyFrom(e)
				s.hasPending = true
				s.pendingDone, s.pendingLine = l.off, l.num
				out.Unemit()
				return component.ReadResult{Idle: wait}, nil
			}
		}
		s.done, s.doneLine = l.off, l.num
	}
	return component.ReadResult{}, nil
}

// Read decodes up to limit lines. Paced, it stops at the first event whose
// replay time has not come, keeps it, and returns Idle until then. The clock
// is read once per call.

func (s *fileSource) Read(out *component.Output, limit int) (component.ReadResult, error) {
	if s.lines == nil {
		if err := s.Open(context.Background()); err != nil {
			return component.ReadResult{}, err
		}
	}
	now := s.now().UnixNano()
	if s.hasPending {
		if wait := s.wait(s.pending.Time, now); wait > 0 {
			return component.ReadResult{Idle: wait}, nil
		}
		s.pending.Created = now
		out.Emit(&s.pending)
		s.hasPending = false
		s.done, s.doneLine = s.pendingDone, s.pendingLine
	}
	if s.par != nil {
		return s.readParallel(out, limit, now)
	}
	for range limit {
		b, err := s.lines.next()
		if errors.Is(err, io.EOF) {
			return component.ReadResult{Done: true}, nil
		}
		if err != nil && !errors.Is(err, errLineTooLong) {
			return component.ReadResult{}, fmt.Errorf("cannot read %q: %w", s.file, err)
		}
		s.line++
		end := s.lines.off
		if err != nil {
			s.fail(out, b, err, now)
			s.done, s.doneLine = end, s.line
			continue
		}
		if isBlank(b) {
			s.done, s.doneLine = end, s.line
			continue
		}
		e := out.Next()
		if err := s.dec.decode(b, e); err != nil {
			out.Unemit()
			s.fail(out, b, err, now)
			s.done, s.doneLine = end, s.line
			continue
		}
		e.Schema, e.Created = s.schemaID, now
		if s.types != nil {
			if err := s.types.apply(s.dec, e); err != nil {
				out.Unemit()
				s.fail(out, b, err, now)
				s.done, s.doneLine = end, s.line
				continue
			}
		}
		if s.tsSlot >= 0 {
			e.Time = int64(e.Fields[s.tsSlot].N)
		}
		if s.pace {
			if wait := s.wait(e.Time, now); wait > 0 {
				s.pending.CopyFrom(e)
				s.hasPending = true
				s.pendingDone, s.pendingLine = end, s.line
				out.Unemit()
				return component.ReadResult{Idle: wait}, nil
			}
		}
		s.done, s.doneLine = end, s.line
	}
	return component.ReadResult{}, nil
}

// wait returns how long before an event of time t is due under event-time
// pacing (zero or less: due now). The first event fixes the origin.
func (s *fileSource) wait(t, now int64) time.Duration {
	if !s.paceStarted {
		s.paceBase, s.paceT0, s.paceStarted = now, t, true
		return 0
	}
	due := s.paceBase + int64(float64(t-s.paceT0)/s.speed)
	return time.Duration(due - now)
}

// fail handles a bad line: a dead-letter event on side output 0, or a
// reject (counted, and passed to the Context's Reject).
func (s *fileSource) fail(out *component.Output, raw []byte, err error, now int64) {
	lerr := &LineError{File: s.file, Line: s.line, Err: err}
	if s.deadLetter {
		e := out.Side(0).Next()
		e.Schema, e.Created = s.deadID, now
		f := fieldsOf(e, s.deadWidth)
		clear(f)
		f[s.deadSlots[dlFile]] = event.StringValue(s.file)
		f[s.deadSlots[dlLine]] = event.IntValue(s.line)
		f[s.deadSlots[dlError]] = event.StringValue(lerr.Error())
		f[s.deadSlots[dlRaw]] = event.StringValue(string(raw))
		return
	}
	s.rejected++
	if s.reject != nil {
		s.reject(lerr)
	}
}

// Rejected returns the number of lines rejected so far (not counting
// dead-lettered ones, which the runtime counts as side-output events).
func (s *fileSource) Rejected() int64 { return s.rejected }

// Close stops the decoders, if any, and closes the file, if Read opened it.
func (s *fileSource) Close() error {
	if s.f == nil {
		return nil
	}
	if s.par != nil {
		s.par.close()
		s.par = nil
	}
	err := s.f.Close()
	s.f = nil
	if err != nil {
		return fmt.Errorf("cannot close %q: %w", s.file, err)
	}
	return nil
}
