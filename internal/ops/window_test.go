package ops

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// step is one step of a window script: an event (host, event time in
// seconds, bytes) or a watermark (seconds; "end" for the final one).
type step struct {
	host  string
	at    float64
	bytes int64
	wm    string
}

func ev(host string, at float64, bytes int64) step { return step{host: host, at: at, bytes: bytes} }
func wm(at string) step                            { return step{wm: at} }

func sec(s float64) int64 { return t0.UnixNano() + int64(s*float64(time.Second)) }

// runWindow builds a window over logs keyed by host with the given
// options, plays the script, and returns one line per emitted row
// ("host [start,end) n=.. sum=..", times in seconds from t0) and per late
// event ("late host@t").
func runWindow(t *testing.T, opts map[string]any, script []step) (lines []string, w *window) {
	t.Helper()
	if opts["aggregates"] == nil {
		opts["aggregates"] = map[string]string{"n": "count()", "sum": "sum(bytes)"}
	}
	ctx := newCtx(t, "win", opts)
	ctx.Key = []string{"host"}
	inst := build(t, WindowSpec(), ctx)
	w = inst.Operator.(*window)
	out := &component.Output{}
	flushOut := func() {
		for _, e := range out.Events() {
			lines = append(lines, formatRow(inst.Schema, &e))
		}
		if len(out.Sides()) > 0 {
			for _, e := range out.Side(0).Events() {
				lines = append(lines, fmt.Sprintf("late %s@%gs", e.Fields[0].S, float64(e.Time-t0.UnixNano())/1e9))
			}
		}
		out.Reset()
	}
	for _, s := range script {
		if s.wm != "" {
			at := event.MaxWatermark
			if s.wm != "end" {
				var f float64
				fmt.Sscanf(s.wm, "%g", &f)
				at = sec(f)
			}
			if err := w.OnWatermark(at, out); err != nil {
				t.Fatal(err)
			}
			flushOut()
			continue
		}
		e := logEvent(s.host, 200, event.IntValue(s.bytes))
		e.Time = sec(s.at)
		if err := w.Process(0, []event.Event{e}, out); err != nil {
			t.Fatal(err)
		}
		flushOut()
	}
	return lines, w
}

func formatRow(s *event.Schema, e *event.Event) string {
	var b strings.Builder
	for i, f := range s.Fields {
		v := e.Get(i)
		switch f.Name {
		case "host":
			b.WriteString(v.S)
		case "window_start":
			fmt.Fprintf(&b, " [%g,", float64(v.Int()-t0.UnixNano())/1e9)
		case "window_end":
			fmt.Fprintf(&b, "%g)", float64(v.Int()-t0.UnixNano())/1e9)
		default:
			fmt.Fprintf(&b, " %s=%s", f.Name, v)
		}
	}
	return b.String()
}

func TestWindowScripts(t *testing.T) {
	tumbling := map[string]any{"window": "tumbling", "size": time.Minute}
	cases := []struct {
		name   string
		opts   map[string]any
		script []step
		want   []string
	}{
		{"tumbling fires when the watermark passes the end, keys sorted", tumbling,
			[]step{ev("b", 10, 1), ev("a", 5, 2), ev("a", 65, 4), ev("a", 30, 8), wm("59"), wm("60"), wm("119.999999999")},
			[]string{"a [0,60) n=2 sum=10", "b [0,60) n=1 sum=1", "a [60,120) n=1 sum=4"}},
		{"an event behind the watermark is late", tumbling,
			[]step{ev("a", 5, 1), wm("70"), ev("a", 20, 2), ev("a", 75, 3), wm("end")},
			[]string{"a [0,60) n=1 sum=1", "late a@20s", "a [60,120) n=1 sum=3"}},
		{"allowed lateness updates the fired window, then frees it",
			map[string]any{"window": "tumbling", "size": time.Minute, "allowed_lateness": 10 * time.Second},
			[]step{ev("a", 5, 1), wm("60"), ev("a", 50, 2), wm("69"), ev("a", 55, 4), wm("70"), ev("a", 56, 8)},
			[]string{"a [0,60) n=1 sum=1", "a [0,60) n=2 sum=3", "a [0,60) n=3 sum=7", "late a@56s"}},
		{"hopping windows overlap",
			map[string]any{"window": "hopping", "size": time.Minute, "slide": 30 * time.Second},
			[]step{ev("a", 45, 1), ev("a", 70, 2), wm("end")},
			[]string{"a [0,60) n=1 sum=1", "a [30,90) n=2 sum=3", "a [60,120) n=1 sum=2"}},
		{"sessions close after the gap and merge when bridged",
			map[string]any{"window": "session", "gap": 10 * time.Second},
			[]step{ev("a", 0, 1), ev("a", 15, 2), ev("b", 3, 4), ev("a", 12, 0), ev("a", 9, 8), wm("23"), wm("29"), ev("a", 50, 16), wm("end")},
			[]string{"b [3,13) n=1 sum=4", "a [0,25) n=4 sum=11", "a [50,60) n=1 sum=16"}},
		{"touching sessions merge: bids at 0, 10 and 19.999 s with a 10 s gap are one session",
			map[string]any{"window": "session", "gap": 10 * time.Second},
			[]step{ev("a", 0, 1), ev("a", 10, 2), ev("a", 19.999, 4), wm("end")},
			[]string{"a [0,29.999) n=3 sum=7"}},
		{"touching sessions merge when the bridging event comes last",
			map[string]any{"window": "session", "gap": 10 * time.Second},
			[]step{ev("a", 0, 1), ev("a", 20, 2), ev("a", 10, 4), wm("end")},
			[]string{"a [0,30) n=3 sum=7"}},
		{"a session fires only once the watermark reaches its end, not its end minus 1 ns",
			map[string]any{"window": "session", "gap": 10 * time.Second},
			[]step{ev("a", 0, 1), wm("9.999999999"), ev("a", 10, 2), wm("19.999999999"), wm("20"), ev("a", 30.5, 4), wm("end")},
			[]string{"a [0,20) n=2 sum=3", "a [30.5,40.5) n=1 sum=4"}},
		{"an event just over the gap after the last one starts a new session",
			map[string]any{"window": "session", "gap": 10 * time.Second},
			[]step{ev("a", 0, 1), ev("a", 10.001, 2), wm("end")},
			[]string{"a [0,10) n=1 sum=1", "a [10.001,20.001) n=1 sum=2"}},
		{"a late event for a closed session",
			map[string]any{"window": "session", "gap": 10 * time.Second},
			[]step{ev("a", 0, 1), wm("30"), ev("a", 2, 2), ev("a", 35, 4), wm("end")},
			[]string{"a [0,10) n=1 sum=1", "late a@2s", "a [35,45) n=1 sum=4"}},
		{"session lateness: a late event reopens and re-emits the merged session",
			map[string]any{"window": "session", "gap": 10 * time.Second, "allowed_lateness": time.Minute},
			[]step{ev("a", 0, 1), wm("30"), ev("a", 8, 2), wm("end")},
			[]string{"a [0,10) n=1 sum=1", "a [0,18) n=2 sum=3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _ := runWindow(t, c.opts, c.script)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}

// TestWindowStateIsFreed: once the watermark has passed every window (plus
// lateness), no pane, session or key is held.
func TestWindowStateIsFreed(t *testing.T) {
	for _, opts := range []map[string]any{
		{"window": "tumbling", "size": time.Second, "allowed_lateness": time.Second},
		{"window": "hopping", "size": 2 * time.Second, "slide": time.Second},
		{"window": "session", "gap": time.Second, "allowed_lateness": time.Second},
	} {
		t.Run(opts["window"].(string), func(t *testing.T) {
			var script []step
			for i := 0; i < 2000; i++ {
				script = append(script, ev(fmt.Sprintf("h%d", i%50), float64(i)*0.1, 1))
				if i%100 == 99 {
					script = append(script, wm(fmt.Sprint(float64(i)*0.1-1)))
				}
			}
			script = append(script, wm("100000"))
			lines, w := runWindow(t, opts, script)
			if len(lines) == 0 {
				t.Fatal("no output")
			}
			if len(w.panes) != 0 || len(w.starts) != 0 || w.openKeys() != 0 {
				t.Fatalf("state left: %d panes, %d starts, %d session keys", len(w.panes), len(w.starts), w.openKeys())
			}
			var total int64
			for _, l := range lines {
				var n int64
				if i := strings.Index(l, " n="); i >= 0 {
					fmt.Sscanf(l[i+3:], "%d", &n)
				}
				total += n
			}
			if opts["window"] == "hopping" {
				total /= 2 // every event is in two hopping windows
			}
			if total != 2000 {
				t.Fatalf("counted %d events over all windows, want 2000", total)
			}
		})
	}
}

func TestWindowOptionErrors(t *testing.T) {
	cases := []struct {
		opts map[string]any
		want string
	}{
		{map[string]any{"window": "tumbling"}, `option "size": a tumbling window needs a positive "size"`},
		{map[string]any{"window": "hopping", "size": time.Minute, "slide": 7 * time.Second}, `option "slide": size 1m0s is not a multiple of slide 7s`},
		{map[string]any{"window": "session", "gap": time.Second, "size": time.Second}, `option "size": "size" is not used by session windows`},
		{map[string]any{"window": "tumbling", "size": time.Minute, "aggregates": map[string]string{"x": "avg(bytez)"}}, `bytez`},
		{map[string]any{"window": "tumbling", "size": time.Minute, "aggregates": map[string]string{"host": "count()"}}, `aggregate "host" clashes`},
	}
	for _, c := range cases {
		if c.opts["aggregates"] == nil {
			c.opts["aggregates"] = map[string]string{"n": "count()"}
		}
		ctx := newCtx(t, "win", c.opts)
		ctx.Key = []string{"host"}
		_, err := WindowSpec().New(ctx)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("options %v: error %v, want it to contain %q", c.opts, err, c.want)
		}
	}
}

// TestProcessingTimeWindow: events fall into the window of their arrival
// time and windows close on the clock's tick, whatever the events' own
// times say.
func TestProcessingTimeWindow(t *testing.T) {
	now := t0
	ctx := newCtx(t, "ptw", map[string]any{"window": "tumbling", "size": 10 * time.Second, "time": "processing",
		"aggregates": map[string]string{"n": "count()"}})
	ctx.Key = []string{"host"}
	ctx.Now = func() time.Time { return now }
	inst := build(t, WindowSpec(), ctx)
	op := inst.Operator.(*procWindow)
	if op.TickEvery() != time.Second {
		t.Fatalf("TickEvery %v, want 1s for a 10s window", op.TickEvery())
	}
	out := &component.Output{}
	feed := func(host string, eventTime int64) {
		e := logEvent(host, 200)
		e.Time = eventTime
		if err := op.Process(0, []event.Event{e}, out); err != nil {
			t.Fatal(err)
		}
	}
	feed("a", 0)                  // event time far in the past: irrelevant
	now = t0.Add(3 * time.Second) // still [0,10)
	feed("a", sec(1000))
	now = t0.Add(12 * time.Second) // [10,20)
	feed("b", 0)
	if err := op.Tick(t0.Add(11*time.Second), out); err != nil {
		t.Fatal(err)
	}
	if got := out.Len(); got != 1 {
		t.Fatalf("after the first window's end: %d rows, want 1", got)
	}
	row := formatRow(inst.Schema, &out.Events()[0])
	if row != "a [0,10) n=2" {
		t.Fatalf("row %q", row)
	}
	out.Reset()
	if err := op.OnWatermark(sec(100000), out); err != nil || out.Len() != 0 {
		t.Fatalf("an event-time watermark closed processing-time windows: %d rows, %v", out.Len(), err)
	}
	if err := op.OnWatermark(event.MaxWatermark, out); err != nil || out.Len() != 1 {
		t.Fatalf("the end of input: %d rows, %v", out.Len(), err)
	}
}

// TestSessionExtendingDoesNotAllocate: an event that extends an open
// session allocates nothing and leaves at most one timer per key.
func TestSessionExtendingDoesNotAllocate(t *testing.T) {
	ctx := newCtx(t, "sess", map[string]any{"window": "session", "gap": 10 * time.Second,
		"aggregates": map[string]string{"n": "count()", "sum": "sum(bytes)"}})
	ctx.Key = []string{"host"}
	w := build(t, WindowSpec(), ctx).Operator.(*window)
	out := &component.Output{}
	batch := []event.Event{logEvent("a", 200, event.IntValue(1)), logEvent("b", 200, event.IntValue(1))}
	at := 0.0
	feed := func() {
		for i := range batch {
			batch[i].Time = sec(at)
		}
		at += 1
		if err := w.Process(0, batch, out); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 10; i++ {
		feed()
	}
	if allocs := testing.AllocsPerRun(200, feed); allocs != 0 {
		t.Fatalf("%v allocations per batch extending open sessions", allocs)
	}
	if len(w.due) > 2 {
		t.Fatalf("%d timers pending for 2 keys", len(w.due))
	}
}
