package engine_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/connect"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/ops"
)

// wmRecorder collects what a wmtrack operator saw.
type wmRecorder struct {
	mu         sync.Mutex
	marks      []int64
	late       int // events at or below the watermark already received
	events     int
	afterFinal int // events after the final watermark
}

func (r *wmRecorder) snapshot() (marks []int64, late, events, afterFinal int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int64(nil), r.marks...), r.late, r.events, r.afterFinal
}

// wmTrackSpec is a transform that records its watermarks and checks every
// event against the last one.
func wmTrackSpec(rec *wmRecorder) *component.Spec {
	return &component.Spec{
		Type: "wmtrack", Kind: component.KindTransform, Doc: "test: records watermarks",
		New: func(ctx *component.Context) (*component.Instance, error) {
			return &component.Instance{Operator: &wmTrack{rec: rec, wm: event.MinWatermark}, Schema: ctx.Inputs[0]}, nil
		},
	}
}

type wmTrack struct {
	rec *wmRecorder
	wm  int64
}

func (w *wmTrack) Process(_ int, in []event.Event, out *component.Output) error {
	w.rec.mu.Lock()
	for i := range in {
		w.rec.events++
		if in[i].Time <= w.wm {
			w.rec.late++
		}
		if w.wm == event.MaxWatermark {
			w.rec.afterFinal++
		}
		out.Emit(&in[i])
	}
	w.rec.mu.Unlock()
	return nil
}

func (w *wmTrack) OnWatermark(wm int64, out *component.Output) error {
	w.rec.mu.Lock()
	defer w.rec.mu.Unlock()
	if wm <= w.wm {
		return fmt.Errorf("watermark went from %d to %d", w.wm, wm)
	}
	w.wm = wm
	w.rec.marks = append(w.rec.marks, wm)
	return nil
}

func (w *wmTrack) Flush(*component.Output) error { return nil }

// trickleSpec is a source that emits `count` events one millisecond of
// event time apart, then stays silent without ending.
func trickleSpec() *component.Spec {
	return &component.Spec{
		Type: "trickle", Kind: component.KindSource, Doc: "test: a few events, then silence",
		Options: []component.Option{{Name: "count", Type: component.Int, Default: int64(1)}},
		New: func(ctx *component.Context) (*component.Instance, error) {
			s, err := ctx.Registry.Register(event.MustSchema(ctx.Tenant, "trickle",
				event.Field{Name: "id", Kind: event.Int}, event.Field{Name: "ts", Kind: event.Time}))
			if err != nil {
				return nil, err
			}
			return &component.Instance{Source: &trickle{schema: s.ID, left: ctx.Options.Int("count")}, Schema: s}, nil
		},
	}
}

type trickle struct {
	schema uint32
	left   int64
	next   int64
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()

func (t *trickle) Read(out *component.Output, max int) (component.ReadResult, error) {
	for ; t.left > 0 && max > 0; t.left, max = t.left-1, max-1 {
		e := out.Next()
		e.Schema = t.schema
		e.Time = epoch + t.next*int64(time.Millisecond)
		e.Fields = append(e.Fields, event.IntValue(t.next), event.TimeValue(e.Time))
		t.next++
	}
	return component.ReadResult{Idle: time.Millisecond}, nil
}

func (t *trickle) Close() error { return nil }

func wmCatalog(t *testing.T, rec *wmRecorder) *component.Catalog {
	t.Helper()
	specs := append(connect.Specs(), ops.Specs()...)
	specs = append(specs, wmTrackSpec(rec), trickleSpec())
	c, err := component.NewCatalog(specs...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestWatermarksFollowEventTime: an in-order source's watermarks reach the
// operator increasing, no event arrives at or below a watermark already
// delivered, and the end of the stream brings the final watermark after
// the last event.
func TestWatermarksFollowEventTime(t *testing.T) {
	rec := &wmRecorder{}
	e := newEngine(t, 2, "spin_then_park")
	p := parse(t, wmCatalog(t, rec), "wm", `tenant: wm
sources:
  numbers: {type: generate, profile: sequence, count: 30000, rate: 100000, event_rate: 1000}
transforms:
  keep: {type: filter, inputs: [numbers], condition: 'id % 2 == 0'}
  track: {type: wmtrack, inputs: [keep], buffer: {capacity: 64}}
sinks:
  out: {type: blackhole, inputs: [track]}
`)
	tn := start(t, e, p)
	waitDone(t, tn, 20*time.Second)
	if err := tn.Err(); err != nil {
		t.Fatal(err)
	}
	marks, late, events, after := rec.snapshot()
	if events != 15000 || late != 0 || after != 0 {
		t.Fatalf("events %d (want 15000), late %d, after the final watermark %d (want 0, 0)", events, late, after)
	}
	if len(marks) < 5 || marks[len(marks)-1] != event.MaxWatermark {
		t.Fatalf("watermarks %v: want several, ending with the final one", marks)
	}
	// The last real watermark is close to the last event time (29999 ms).
	last := marks[len(marks)-2]
	if last > epoch+29999*int64(time.Millisecond) || last < epoch {
		t.Fatalf("last watermark %v outside the stream's event time", time.Unix(0, last).UTC())
	}
}

// TestWatermarkIsMinimumOverInputsAndSkipsIdle: an operator's watermark is
// the minimum over its inputs, so a silent input holds it back — unless the
// silent source declares an idle_timeout.
func TestWatermarkIsMinimumOverInputsAndSkipsIdle(t *testing.T) {
	for _, idle := range []bool{false, true} {
		t.Run(fmt.Sprintf("idle_timeout=%v", idle), func(t *testing.T) {
			rec := &wmRecorder{}
			et := ""
			if idle {
				et = "event_time: {idle_timeout: 30ms}"
			}
			e := newEngine(t, 2, "spin_then_park")
			p := parse(t, wmCatalog(t, rec), "idle", fmt.Sprintf(`tenant: idle
sources:
  busy: {type: generate, profile: sequence, rate: 5000, event_rate: 1000}
  quiet: {type: trickle, count: 3, %s}
transforms:
  track: {type: wmtrack, inputs: [busy, quiet]}
sinks:
  out: {type: blackhole, inputs: [track]}
`, et))
			tn := start(t, e, p)
			time.Sleep(400 * time.Millisecond)
			running, _, _, _ := rec.snapshot()
			tn.Stop()
			waitDone(t, tn, 20*time.Second)
			if err := tn.Err(); err != nil {
				t.Fatal(err)
			}
			marks, _, _, _ := rec.snapshot()
			quietEnd := epoch + 2*int64(time.Millisecond)
			var beyond int
			for _, m := range running {
				if m != event.MaxWatermark && m > quietEnd {
					beyond++
				}
			}
			if !idle && beyond != 0 {
				t.Fatalf("watermarks %v passed the silent input's %d without idleness", running, quietEnd)
			}
			if idle && beyond == 0 {
				t.Fatalf("watermarks %v never passed the idle input's %d", running, quietEnd)
			}
			if marks[len(marks)-1] != event.MaxWatermark {
				t.Fatalf("no final watermark at stop: %v", marks)
			}
		})
	}
}
