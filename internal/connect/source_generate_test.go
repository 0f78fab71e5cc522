package connect

import (
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// generateN builds a generate source with opts and reads n events in
// batches of limit.
func generateN(t *testing.T, opts map[string]any, n, limit int) (*event.Schema, []event.Event) {
	t.Helper()
	opts["count"] = int64(n)
	ctx, _ := newCtx(t, "gen", opts)
	inst := mustNew(t, generateSpec(), ctx)
	events, _ := readAll(t, inst.Source, limit, n/limit+2)
	if len(events) != n {
		t.Fatalf("got %d events, want %d", len(events), n)
	}
	return inst.Schema, events
}

func sameEvents(a, b []event.Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Time != b[i].Time || a[i].Schema != b[i].Schema || len(a[i].Fields) != len(b[i].Fields) {
			return false
		}
		for j := range a[i].Fields {
			if a[i].Fields[j] != b[i].Fields[j] {
				return false
			}
		}
	}
	return true
}

func TestGenerateIsDeterministicPerSeed(t *testing.T) {
	for _, prof := range []string{profileSequence, profileVideoSessions} {
		t.Run(prof, func(t *testing.T) {
			opts := func(seed int64) map[string]any {
				return map[string]any{"profile": prof, "seed": seed}
			}
			_, a := generateN(t, opts(7), 5000, 1000)
			_, b := generateN(t, opts(7), 5000, 37) // other batch sizes, same events
			_, c := generateN(t, opts(8), 5000, 1000)
			if !sameEvents(a, b) {
				t.Error("same seed, different batch sizes: events differ")
			}
			if sameEvents(a, c) {
				t.Error("seeds 7 and 8 gave identical events")
			}
		})
	}
}

func TestGenerateStopsAtCount(t *testing.T) {
	ctx, _ := newCtx(t, "gen", map[string]any{"profile": profileSequence, "count": int64(2500)})
	src := mustNew(t, generateSpec(), ctx).Source
	var out component.Output
	for i, want := range []struct {
		n    int
		done bool
	}{{1000, false}, {1000, false}, {500, true}, {0, true}} {
		out.Reset()
		res, err := src.Read(&out, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if out.Len() != want.n || res.Done != want.done {
			t.Fatalf("read %d: got %d events, done %v; want %d, %v", i, out.Len(), res.Done, want.n, want.done)
		}
	}
}

func TestGenerateEventTimeAdvancesFromStart(t *testing.T) {
	sch, events := generateN(t, map[string]any{
		"profile": profileSequence, "start": "2026-03-01T10:00:00Z", "event_rate": float64(4),
	}, 100, 30)
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC).UnixNano()
	for i := range events {
		e := &events[i]
		want := start + int64(i)*int64(250*time.Millisecond)
		if e.Time != want || field(t, sch, e, "ts") != event.TimeValue(want) {
			t.Fatalf("event %d: time %d, ts %v; want %d", i, e.Time, field(t, sch, e, "ts"), want)
		}
		if id := field(t, sch, e, "id").Int(); id != int64(i) {
			t.Fatalf("event %d: id %d", i, id)
		}
	}
}

func TestGenerateDefaultEventRate(t *testing.T) {
	// Without rate or event_rate, events are 10 µs apart (100000/s) from
	// 2026-01-01; with rate, event time follows rate.
	_, events := generateN(t, map[string]any{"profile": profileSequence}, 3, 3)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	if events[2].Time != base+20_000 {
		t.Errorf("default: event 2 at %d, want %d", events[2].Time, base+20_000)
	}
	ctx, _ := newCtx(t, "gen", map[string]any{"profile": profileSequence, "rate": float64(1000)})
	src := mustNew(t, generateSpec(), ctx).Source
	var out component.Output
	if _, err := src.Read(&out, 10); err != nil {
		t.Fatal(err)
	}
	if got := out.Events()[0].Time; got != base {
		t.Errorf("rate 1000: event 0 at %d, want %d", got, base)
	}
}

func TestGenerateRatePacing(t *testing.T) {
	ctx, clk := newCtx(t, "gen", map[string]any{"profile": profileSequence, "rate": float64(1000)})
	src := mustNew(t, generateSpec(), ctx).Source
	var out component.Output
	read := func(limit int) (int, component.ReadResult) {
		t.Helper()
		out.Reset()
		res, err := src.Read(&out, limit)
		if err != nil {
			t.Fatal(err)
		}
		return out.Len(), res
	}
	if n, _ := read(100); n != 1 {
		t.Fatalf("first read: %d events, want only event 0, due at once", n)
	}
	if n, res := read(100); n != 0 || res.Idle != time.Millisecond {
		t.Fatalf("same instant: %d events, idle %v; want 0 and 1ms", n, res.Idle)
	}
	clk.advance(400 * time.Microsecond)
	if n, res := read(100); n != 0 || res.Idle != 600*time.Microsecond {
		t.Fatalf("0.4ms later: %d events, idle %v; want 0 and 600µs", n, res.Idle)
	}
	clk.advance(9600 * time.Microsecond)
	if n, _ := read(100); n != 10 {
		t.Fatalf("10ms in: %d events, want events 1..10", n)
	}
	if got, want := out.Events()[9].Created, clk.t.UnixNano(); got != want {
		t.Fatalf("Created %d, want the clock %d", got, want)
	}
	// A stall of a second: catch up by one batch only, never burst; the
	// rest of the second's events are skipped, and counted.
	clk.advance(time.Second)
	if n, _ := read(100); n != 100 {
		t.Fatalf("after a 1s stall: %d events, want one batch of 100", n)
	}
	figs := src.(component.Figurer).AppendFigures(nil)
	if len(figs) != 1 || figs[0].Name != "generate_skipped_events_total" || figs[0].Value != 900 {
		t.Fatalf("figures after the stall: %+v; want generate_skipped_events_total 900 (1000 due, 100 generated)", figs)
	}
	if err := component.CheckFigure(figs[0]); err != nil {
		t.Fatal(err)
	}
	if n, res := read(100); n != 0 || res.Idle != time.Millisecond {
		t.Fatalf("right after catching up: %d events, idle %v; want 0 and 1ms", n, res.Idle)
	}
	clk.advance(5 * time.Millisecond)
	if n, _ := read(100); n != 5 {
		t.Fatalf("5ms later: %d events, want 5", n)
	}
}

func TestGenerateOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		opts map[string]any
		want string
	}{
		{map[string]any{"profile": "video_session"}, `option "profile": "video_session" is not one of "video_sessions", "sequence" (did you mean "video_sessions"?)`},
		{map[string]any{"profile": profileSequence, "customers": int64(5)}, `option "customers": applies only to profile "video_sessions", not "sequence"`},
		{map[string]any{"keys": int64(5)}, `option "keys": applies only to profile "sequence", not "video_sessions"`},
		{map[string]any{"start": "2026-01-01"}, `option "start": "2026-01-01" is not an RFC 3339 time (like "2026-01-01T00:00:00Z")`},
		{map[string]any{"rate": float64(-1)}, `option "rate": must be at least 0, got -1`},
		{map[string]any{"event_rate": float64(0)}, `option "event_rate": must be greater than 0, got 0`},
		{map[string]any{"sessions": int64(0)}, `option "sessions": must be between 1 and 16777216, got 0`},
		{map[string]any{"heartbeat": time.Millisecond}, `option "heartbeat": must be at least 10ms, got 1ms`},
		{map[string]any{"heartbeat": 20 * time.Second, "session_length": 10 * time.Second}, `option "session_length": must be at least one heartbeat (20s), got 10s`},
		{map[string]any{"customers": int64(100000), "sessions": int64(1000)}, `option "sessions": customers × sessions is 100000000, above the limit of 16777216 concurrent sessions`},
	} {
		ctx, _ := newCtx(t, "gen", tc.opts)
		_, err := generateSpec().New(ctx)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%v:\n got %v\nwant %s", tc.opts, err, tc.want)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "option ") {
			t.Errorf("%v: not an option error: %v", tc.opts, err)
		}
	}
}

func TestSequenceFields(t *testing.T) {
	sch, events := generateN(t, map[string]any{"profile": profileSequence, "keys": int64(7)}, 50, 50)
	if got := strings.Join(sch.Names(), ","); got != "id,key,value,ts" || sch.Name != "sequence" || sch.ID == 0 {
		t.Fatalf("schema %q id %d fields %s", sch.Name, sch.ID, got)
	}
	values := map[int64]bool{}
	for i := range events {
		e := &events[i]
		if e.Schema != sch.ID {
			t.Fatalf("event %d: schema id %d, want %d", i, e.Schema, sch.ID)
		}
		if k := field(t, sch, e, "key").Int(); k != int64(i%7) {
			t.Fatalf("event %d: key %d", i, k)
		}
		v := field(t, sch, e, "value").Int()
		if v < 0 || v >= sequenceValueRange {
			t.Fatalf("event %d: value %d out of range", i, v)
		}
		values[v] = true
	}
	if len(values) < 45 {
		t.Errorf("only %d distinct values in 50 events", len(values))
	}
}

func TestGenerateUsesAlreadyRegisteredSchemaSlots(t *testing.T) {
	// Another component registered "sequence" first, with an extra field
	// and another order: the generator must write by the registered slots.
	ctx, _ := newCtx(t, "gen", map[string]any{"profile": profileSequence, "count": int64(3)})
	pre := event.MustSchema("acme", "sequence",
		event.Field{Name: "note", Kind: event.String},
		event.Field{Name: "value", Kind: event.Int},
		event.Field{Name: "id", Kind: event.Int})
	if _, err := ctx.Registry.Register(pre); err != nil {
		t.Fatal(err)
	}
	inst := mustNew(t, generateSpec(), ctx)
	events, _ := readAll(t, inst.Source, 10, 2)
	sch := inst.Schema
	if sch.Width() != 5 {
		t.Fatalf("registered schema %v", sch.Names())
	}
	e := &events[2]
	if len(e.Fields) != 5 || !field(t, sch, e, "note").IsNull() || field(t, sch, e, "id").Int() != 2 || field(t, sch, e, "key").Int() != 2 {
		t.Fatalf("event 2 = %v", e.Fields)
	}
}

func TestSequenceDoesNotAllocate(t *testing.T) {
	ctx, _ := newCtx(t, "gen", map[string]any{"profile": profileSequence})
	src := mustNew(t, generateSpec(), ctx).Source
	var out component.Output
	read := func() {
		out.Reset()
		if _, err := src.Read(&out, 1024); err != nil {
			t.Fatal(err)
		}
	}
	read() // the output's slots get their Fields arrays
	if allocs := testing.AllocsPerRun(50, read); allocs != 0 {
		t.Errorf("%v allocations per batch of 1024, want 0", allocs)
	}
}

// TestGenerateOutOfOrderGroups: with out_of_order_group the same events
// come, in another order, each displaced by less than a group.
func TestGenerateOutOfOrderGroups(t *testing.T) {
	for _, prof := range []string{profileSequence, profileVideoSessions} {
		t.Run(prof, func(t *testing.T) {
			_, inOrder := generateN(t, map[string]any{"profile": prof, "seed": int64(5)}, 3000, 500)
			_, shuffled := generateN(t, map[string]any{"profile": prof, "seed": int64(5), "out_of_order_group": int64(50)}, 3000, 500)
			if sameEvents(inOrder, shuffled) {
				t.Fatal("out_of_order_group 50 changed nothing")
			}
			pos := map[int64]int{}
			for i := range inOrder {
				pos[inOrder[i].Time] = i
			}
			moved := 0
			for i := range shuffled {
				j, ok := pos[shuffled[i].Time]
				if !ok {
					t.Fatalf("event %d (time %d) is not in the in-order stream", i, shuffled[i].Time)
				}
				if d := i - j; d >= 50 || d <= -50 {
					t.Fatalf("event at %d moved to %d: more than a group", j, i)
				}
				if i != j {
					moved++
				}
				if !sameEvents(shuffled[i:i+1], inOrder[j:j+1]) {
					t.Fatalf("event %d differs from its in-order twin %d", i, j)
				}
			}
			if moved < 1000 {
				t.Fatalf("only %d of 3000 events moved", moved)
			}
		})
	}
}
