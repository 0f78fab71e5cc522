package ops

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

func TestWindowStateLimits(t *testing.T) {
	n := map[string]string{"n": "count()"}
	two := map[string]any{"max_keys": int64(2)}
	tumbling := map[string]any{"window": "tumbling", "size": time.Minute, "aggregates": n}
	runStateCases(t, WindowSpec(), tumbling, []stateCase{
		{"fail", two, "a @10s b @20s a c",
			[]string{"error: state limit reached: max_keys 2 (when_state_full: fail)"}, 2, 0, 0},
		{"evict_oldest drops the first key of the oldest window", map[string]any{"max_keys": int64(2), "when_state_full": evict},
			"@5s a @10s b @65s c wm@end",
			[]string{"b [0,60) n=1", "c [60,120) n=1"}, 0, 1, 0},
		{"a fired window awaiting its lateness goes first", map[string]any{"max_keys": int64(2), "when_state_full": evict, "allowed_lateness": time.Hour},
			"@5s a b wm@61s @70s c @30s a wm@end",
			[]string{"a [0,60) n=1", "b [0,60) n=1", "a [0,60) n=1", "c [60,120) n=1"}, 0, 2, 0},
	})
	hopping := map[string]any{"window": "hopping", "size": time.Minute, "slide": 30 * time.Second, "aggregates": n}
	runStateCases(t, WindowSpec(), hopping, []stateCase{
		{"hopping: an entry per key per window", map[string]any{"max_keys": int64(3), "when_state_full": evict},
			"@45s a @50s b wm@end",
			[]string{"b [0,60) n=1", "a [30,90) n=1", "b [30,90) n=1"}, 0, 1, 0},
	})
	session := map[string]any{"window": "session", "gap": 10 * time.Second, "aggregates": n}
	runStateCases(t, WindowSpec(), session, []stateCase{
		{"session: fail", map[string]any{"max_keys": int64(1)}, "a @3s b",
			[]string{"error: state limit reached: max_keys 1 (when_state_full: fail)"}, 1, 0, 0},
		{"session: extending a session needs no room", map[string]any{"max_keys": int64(1)}, "a @5s a wm@end",
			[]string{"a [0,15) n=2"}, 0, 0, 0},
		{"session: evict_oldest drops the session due first", map[string]any{"max_keys": int64(2), "when_state_full": evict},
			"@2s a @1s b @4s c @6s b wm@end",
			[]string{"c [4,14) n=1", "b [6,16) n=1"}, 0, 2, 0},
		{"session: an evicted key's late event opens a new session", map[string]any{"max_keys": int64(1), "when_state_full": evict},
			"a @3s b @5s a wm@end",
			[]string{"a [5,15) n=1"}, 0, 2, 0},
	})
}

// TestWindowStateFiguresFollowTheWatermark: the figures count each key
// entry as it opens and give it back when the watermark frees it; a late
// event that opens nothing leaves nothing behind.
func TestWindowStateFiguresFollowTheWatermark(t *testing.T) {
	n := map[string]string{"d": "count_distinct(path)", "p": "percentile(bytes, 0.5)"}
	for _, c := range []struct {
		opts   map[string]any
		script string
		keys   int64
	}{
		{map[string]any{"window": "tumbling", "size": time.Minute}, "a b @70s a", 3},
		{map[string]any{"window": "hopping", "size": time.Minute, "slide": 20 * time.Second}, "a b", 6},
		{map[string]any{"window": "session", "gap": time.Minute}, "a b @2m a", 3},
	} {
		c.opts["aggregates"] = n
		_, st := runKeyed(t, WindowSpec(), c.opts, c.script)
		if st.Keys != c.keys || st.Bytes <= c.keys*(64<<10) {
			t.Errorf("%v after %q: %d entries of %d bytes; want %d entries of more than 64KiB each (two sketches)", c.opts, c.script, st.Keys, st.Bytes, c.keys)
		}
		_, st = runKeyed(t, WindowSpec(), c.opts, c.script+" wm@1h @1s b wm@end")
		if st.Keys != 0 || st.Bytes != 0 {
			t.Errorf("%v: after the last watermark %d entries, %d bytes; want none", c.opts, st.Keys, st.Bytes)
		}
	}
}

func TestJoinStateLimits(t *testing.T) {
	window := map[string]any{"mode": "window", "window": "tumbling", "size": 10 * time.Second}
	interval := map[string]any{"mode": "interval", "upper": 10 * time.Second}
	with := func(base map[string]any, extra map[string]any) map[string]any {
		o := map[string]any{}
		for _, m := range []map[string]any{base, extra} {
			for k, v := range m {
				o[k] = v
			}
		}
		o["left_key"], o["right_key"] = []string{"k"}, []string{"k"}
		return o
	}
	evict2 := map[string]any{"max_keys": int64(2), "when_state_full": evict}
	cases := []struct {
		name   string
		opts   map[string]any
		script []jstep
		want   []string
		evict  uint64
		keys   int64
	}{
		{"window: the oldest window's first key goes, both sides", with(window, evict2),
			[]jstep{jl("a", 1, 1), jr("a", 2, 2), jl("b", 3, 3), jr("b", 4, 4), jwm("end")},
			[]string{"b L3@3 R4@4 t=9.999999999"}, 2, 0},
		{"interval: the row due to go first goes", with(interval, evict2),
			[]jstep{jl("a", 1, 1), jl("b", 2, 2), jr("a", 3, 3), jr("b", 4, 4), jr("a", 6, 6), jwm("end")},
			[]string{"a L1@1 R3@3 t=3", "b L2@2 R4@4 t=4"}, 3, 0},
		{"table: the least recently updated row goes", with(tableJoinOpts(map[string]any{"outer": true}), evict2),
			[]jstep{jr("a", 1, 1), jr("b", 2, 2), jr("a", 3, 3), jr("c", 4, 4), jl("b", 5, 5), jl("a", 6, 6)},
			[]string{"b L5@5 R- t=5", "a L6@6 R3@3 t=6"}, 1, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newJoinRunner(t, c.opts)
			got := r.run(c.script)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
			st := r.op.(component.StateReporter).StateStats()
			if st.Evicted != c.evict || st.Keys != c.keys || (st.Keys == 0) != (st.Bytes == 0) {
				t.Errorf("%+v: want %d evicted, %d rows, and bytes only with rows", st, c.evict, c.keys)
			}
		})
	}
	for _, opts := range []map[string]any{with(window, nil), with(interval, nil), with(tableJoinOpts(nil), nil)} {
		opts["max_keys"], opts["right_prefix"] = int64(1), "r_"
		op := build(t, JoinSpec(), newJoinCtx(t, opts)).Operator
		var out component.Output
		err := op.Process(rightSide, []event.Event{jr("a", 1, 1).event(), jr("b", 2, 2).event()}, &out)
		if want := "state limit reached: max_keys 1 (when_state_full: fail)"; err == nil || err.Error() != want {
			t.Errorf("%s join: error %v, want %q", opts["mode"], err, want)
		}
	}
}

// TestTableJoinTTL: a right row not updated for the ttl is removed on the
// timer, by processing time, and left events of its key then find none.
func TestTableJoinTTL(t *testing.T) {
	now := t0
	ctx := newJoinCtx(t, tableJoinOpts(map[string]any{"ttl": 10 * time.Second, "outer": true, "right_prefix": "r_"}))
	ctx.Now = func() time.Time { return now }
	inst := build(t, JoinSpec(), ctx)
	r := &joinRunner{t: t, inst: inst, op: inst.Operator, tableT: true}
	tk := inst.Operator.(component.Ticker)
	if tk.TickEvery() != time.Second {
		t.Fatalf("TickEvery %v, want 1s (a tenth of the ttl)", tk.TickEvery())
	}
	r.run([]jstep{jr("a", 1, 1), jr("b", 2, 2)})
	now = t0.Add(5 * time.Second)
	r.run([]jstep{jr("a", 3, 3)})
	if err := tk.Tick(t0.Add(12*time.Second), &r.out); err != nil {
		t.Fatal(err)
	}
	got := r.run([]jstep{jl("a", 4, 4), jl("b", 5, 5)})
	if want := []string{"a L4@4 R3@3 t=4", "b L5@5 R- t=5"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if st := r.op.(component.StateReporter).StateStats(); st.Expired != 1 || st.Keys != 1 {
		t.Fatalf("%+v: want 1 expired, 1 row", st)
	}
}

// TestTableJoinEvictionDoesNotAllocate: a table whose every right row
// evicts another reuses the freed rows and allocates nothing per event.
func TestTableJoinEvictionDoesNotAllocate(t *testing.T) {
	op := build(t, JoinSpec(), newJoinCtx(t, tableJoinOpts(map[string]any{"right_prefix": "r_",
		"max_keys": int64(100), "when_state_full": evict}))).Operator
	batches := make([][]event.Event, 40)
	for b := range batches {
		for i := range 256 {
			batches[b] = append(batches[b], jr(fmt.Sprint((b*256+i)%1000), float64(i), int64(i)).event())
		}
	}
	var out component.Output
	next := 0
	process := func() {
		out.Reset()
		if err := op.Process(rightSide, batches[next%len(batches)], &out); err != nil {
			t.Fatal(err)
		}
		next++
	}
	for range 40 {
		process()
	}
	if n := testing.AllocsPerRun(40, process); n != 0 {
		t.Errorf("%.1f allocations per batch of 256 evicting rows", n)
	}
}
