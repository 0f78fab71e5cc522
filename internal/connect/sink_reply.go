package connect

import (
	"slices"
	"sync/atomic"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/diag"
	"github.com/greenwave/greenwave/internal/event"
)

func replySinkSpec() *component.Spec {
	return &component.Spec{
		Type: "reply",
		Kind: component.KindSink,
		Doc: "Answers the requests of an http source in mode request_reply: each event's row (a JSON object of its " +
			"fields but the request id) becomes the body of the 200 response to the request whose `request_id` it " +
			"carries. A row whose request already had its answer (504 after reply_timeout, or an earlier row) is " +
			"counted and dropped. An event the pipeline drops (a filter) gets no row: its request is answered 504 " +
			"at its deadline. The sink never blocks: it hands each row to the waiting request.",
		Options: []component.Option{
			{Name: "field", Type: component.String, Default: requestIDField,
				Doc: "The int field that carries the request id (the http source adds `request_id`; keep it through maps)."},
		},
		Parallel: true,
		New:      newReplySink,
	}
}

// replySink hands rows to waiting requests. Owned by one actor.
type replySink struct {
	field string
	slots map[uint32]int // schema id → slot of the request id
	reg   component.Registry
	lf    lineFormat
	table *replyTable // the last table used, for the next event's lookup

	// delivered and unmatched count rows, added once per batch by the
	// sink's actor and read by AppendFigures from any goroutine.
	delivered, unmatched atomic.Uint64
}

func newReplySink(ctx *component.Context) (*component.Instance, error) {
	r := component.NewReader(replySinkSpec(), ctx.Options)
	field := r.String("field")
	s := &replySink{field: field, slots: map[uint32]int{}, reg: ctx.Registry}
	var names []string
	for i, in := range ctx.Inputs {
		if in == nil {
			continue
		}
		slot, ok := in.Slot(field)
		switch {
		case !ok:
			r.Fail(r.At("field"), "input %d (%s) has no field %s%s: a reply needs the request id of an http source "+
				"in mode request_reply; keep it through every map", i+1, diag.Quote(in.Name), diag.Quote(field), diag.DidYouMean(field, in.Names()))
		case in.Fields[slot].Kind != event.Int:
			r.Fail(r.At("field"), "field %s of input %d is %s, not int", diag.Quote(field), i+1, in.Fields[slot].Kind)
		default:
			s.slots[in.ID] = slot
		}
		for _, n := range in.Names() {
			if n != field && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if names == nil {
		names = []string{}
	}
	s.lf = lineFormat{fields: names, cache: schemaCache{inputs: ctx.Inputs, reg: ctx.Registry}}
	return &component.Instance{Operator: s}, nil
}

// Process hands each event's row to its request.
func (s *replySink) Process(_ int, in []event.Event, _ *component.Output) error {
	var delivered, unmatched uint64
	defer func() {
		if delivered > 0 {
			s.delivered.Add(delivered)
		}
		if unmatched > 0 {
			s.unmatched.Add(unmatched)
		}
	}()
	for i := range in {
		e := &in[i]
		slot, ok := s.slots[e.Schema]
		if !ok {
			slot, ok = s.slotOf(e.Schema)
		}
		v := e.Get(slot)
		if !ok || v.Kind != event.Int {
			unmatched++
			continue
		}
		rid := int64(v.N)
		t := s.table
		if t == nil || t.id != uint64(rid)>>replySeqBits {
			if t = lookupReplyTable(rid); t == nil {
				unmatched++
				continue
			}
			s.table = t
		}
		body, err := s.lf.append(nil, e)
		if err != nil {
			return err
		}
		if t.deliver(rid, body) {
			delivered++
		} else {
			unmatched++
		}
	}
	return nil
}

// slotOf finds the request id's slot in a schema the sink was not built
// with (a type registered while running).
func (s *replySink) slotOf(id uint32) (int, bool) {
	if s.reg == nil {
		return 0, false
	}
	sc := s.reg.Schema(id)
	if sc == nil {
		return 0, false
	}
	slot, ok := sc.Slot(s.field)
	if ok {
		s.slots[id] = slot
	}
	return slot, ok
}

func (s *replySink) Flush(*component.Output) error { return nil }

// AppendFigures appends the sink's figures (component.Figure), named
// reply_sink_*. Safe from any goroutine.
func (s *replySink) AppendFigures(dst []component.Figure) []component.Figure {
	return append(dst,
		component.CounterOf("reply_sink_delivered_rows_total", "Rows handed to their waiting request.", float64(s.delivered.Load())),
		component.CounterOf("reply_sink_unmatched_rows_total", "Rows whose request was not waiting (answered already, or no request id).", float64(s.unmatched.Load())),
	)
}
