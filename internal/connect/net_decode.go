package connect

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// netDecoding is what a network source needs to turn records into events
// on many goroutines at once: the declared schema (and the dead-letter
// schema), and a pool of decoders, one per goroutine decoding at a time.
// Its methods are safe for concurrent use.
type netDecoding struct {
	schema  *event.Schema
	fields  []fileField
	req     []int
	width   int
	tsSlot  int // -1 without a timestamp field
	ridSlot int // -1 without a request id field

	deadLetter bool
	dead       *event.Schema
	deadSlots  []int

	decoders sync.Pool // *decoder
}

// readNetDecoding reads the decode options (schema, required, timestamp,
// on_error) and registers the source's schema, with an int field named
// requestID after the declared ones when requestID is set (request/reply
// correlation; not decoded from the records). Problems are recorded in r.
func readNetDecoding(r *component.Reader, ctx *component.Context, requestID string) (*netDecoding, error) {
	fields, names, _, required, tsName := readDeclared(r)
	if requestID != "" && slices.Contains(names, requestID) {
		r.Fail(r.At("schema", requestID), "field %q is the request id that mode request_reply adds; the schema cannot declare it", requestID)
	}
	onError := r.String("on_error")
	if err := r.Err(); err != nil {
		return nil, err
	}
	for i := range fields {
		fields[i].Required = required[fields[i].Name]
	}
	all := fields
	if requestID != "" {
		all = append(slices.Clone(fields), event.Field{Name: requestID, Kind: event.Int})
	}
	decl, err := event.NewSchema(ctx.Tenant, cmp.Or(ctx.Name, "events"), all...)
	if err != nil {
		return nil, component.OptErr("schema", "%w", err)
	}
	schema, slots, err := bindSchema(ctx.Registry, decl)
	if err != nil {
		return nil, component.OptErr("schema", "%w", err)
	}
	dead, deadSlots, err := bindSchema(ctx.Registry, event.MustSchema(ctx.Tenant, cmp.Or(ctx.Name, "events")+"_dead_letter", deadLetterFields[:]...))
	if err != nil {
		return nil, err
	}
	d := &netDecoding{schema: schema, width: schema.Width(), tsSlot: -1, ridSlot: -1,
		deadLetter: onError == onErrorDead, dead: dead, deadSlots: deadSlots}
	for i, f := range fields {
		d.fields = append(d.fields, fileField{name: f.Name, kind: f.Kind, slot: slots[i]})
		if f.Required {
			d.req = append(d.req, i)
		}
		if f.Name == tsName {
			d.tsSlot = slots[i]
		}
	}
	if requestID != "" {
		d.ridSlot = slots[len(fields)]
	}
	return d, nil
}

// decoder returns a decoder for the calling goroutine; give it back with
// release.
func (d *netDecoding) decoder() *decoder {
	if dec, ok := d.decoders.Get().(*decoder); ok {
		return dec
	}
	// Each decoder interns strings in tables of its own.
	ff := make([]fileField, len(d.fields))
	for i, f := range d.fields {
		ff[i] = fileField{name: f.name, kind: f.kind, slot: f.slot}
	}
	return newDecoder(ff, d.req, d.width)
}

func (d *netDecoding) release(dec *decoder) { d.decoders.Put(dec) }

// decode decodes one record into e (schema, fields, event time, creation
// time created); the error says what is wrong with the record.
func (d *netDecoding) decode(dec *decoder, rec []byte, e *event.Event, created int64) error {
	if err := dec.decode(rec, e); err != nil {
		return err
	}
	e.Schema, e.Created = d.schema.ID, created
	if d.tsSlot >= 0 {
		e.Time = int64(e.Fields[d.tsSlot].N)
	}
	return nil
}

// deadLetterEvent fills e as the dead letter of a bad record.
func (d *netDecoding) deadLetterEvent(e *event.Event, from string, line int64, err error, raw []byte, created int64) {
	e.Schema, e.Created = d.dead.ID, created
	f := fieldsOf(e, d.dead.Width())
	clear(f)
	f[d.deadSlots[dlFile]] = event.StringValue(from)
	f[d.deadSlots[dlLine]] = event.IntValue(line)
	f[d.deadSlots[dlError]] = event.StringValue(err.Error())
	f[d.deadSlots[dlRaw]] = event.StringValue(string(raw))
}

// maxWidth is the widest schema the source puts into its inbox.
func (d *netDecoding) maxWidth() int { return max(d.width, d.dead.Width()) }

// side routes dead letters to side output 0 and the rest to the main
// output (for inbox.Take).
func (d *netDecoding) side(e *event.Event) int {
	if e.Schema == d.dead.ID && d.dead.ID != d.schema.ID {
		return 0
	}
	return -1
}

// recordError is a bad record of a request body or a connection: its line
// (counted from 1; for a JSON array, its element) and what is wrong.
type recordError struct {
	Line int64
	Err  error
}

// netRecordError is a bad record as a network source reports it (through
// Context.Reject): the client it came from, its line and what is wrong.
type netRecordError struct {
	From string
	Line int64
	Err  error
}

func (e *netRecordError) Error() string { return fmt.Sprintf("%s: line %d: %v", e.From, e.Line, e.Err) }

func (e *netRecordError) Unwrap() error { return e.Err }
