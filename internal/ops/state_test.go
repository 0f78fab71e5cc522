package ops

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// runKeyed plays a script through a keyed operator over logs keyed by
// host, with a clock the script sets, and returns one line per output row
// (formatRow), an "error: ..." line where Process fails (the script stops
// there), and the operator's state figures at the end. Steps:
//
//	"a"         an event of host a (status 1) at the clock's time
//	"@5s"       the clock moves to t0+5s
//	"tick@12s"  the clock moves to t0+12s and the operator ticks
//	"wm@60s"    watermark t0+60s ("wm@end": the final one)
//	"flush"     Flush
func runKeyed(t *testing.T, spec *component.Spec, opts map[string]any, script string) ([]string, component.StateStats) {
	t.Helper()
	now := t0
	ctx := newCtx(t, "per_host", opts)
	ctx.Key = []string{"host"}
	ctx.Now = func() time.Time { return now }
	inst := build(t, spec, ctx)
	op := inst.Operator
	var lines []string
	var out component.Output
	collect := func() {
		for _, e := range out.Events() {
			lines = append(lines, formatRow(inst.Schema, &e))
		}
		out.Reset()
	}
	at := func(s string) time.Time {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("bad step time %q", s)
		}
		return t0.Add(d)
	}
	for _, step := range strings.Fields(script) {
		var err error
		switch {
		case strings.HasPrefix(step, "tick@"):
			now = at(step[5:])
			err = op.(component.Ticker).Tick(now, &out)
		case strings.HasPrefix(step, "@"):
			now = at(step[1:])
		case step == "wm@end":
			err = op.(component.WatermarkAware).OnWatermark(event.MaxWatermark, &out)
		case strings.HasPrefix(step, "wm@"):
			err = op.(component.WatermarkAware).OnWatermark(at(step[3:]).UnixNano(), &out)
		case step == "flush":
			err = op.Flush(&out)
		default:
			e := logEvent(step, 1)
			e.Time = now.UnixNano()
			err = op.Process(0, []event.Event{e}, &out)
		}
		collect()
		if err != nil {
			lines = append(lines, "error: "+err.Error())
			break
		}
	}
	return lines, op.(component.StateReporter).StateStats()
}

// stateCase is one scripted state-limit case: the rows and error it
// produces and the exact figures it ends with.
type stateCase struct {
	name   string
	opts   map[string]any
	script string
	want   []string
	keys   int64
	evict  uint64
	expire uint64
}

func runStateCases(t *testing.T, spec *component.Spec, base map[string]any, cases []stateCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := map[string]any{}
			for k, v := range base {
				opts[k] = v
			}
			for k, v := range c.opts {
				opts[k] = v
			}
			got, st := runKeyed(t, spec, opts, c.script)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
			if st.Keys != c.keys || st.Evicted != c.evict || st.Expired != c.expire {
				t.Errorf("state: %d keys, %d evicted, %d expired; want %d, %d, %d", st.Keys, st.Evicted, st.Expired, c.keys, c.evict, c.expire)
			}
			if st.Keys == 0 && st.Bytes != 0 {
				t.Errorf("no keys held, but %d bytes", st.Bytes)
			}
			if want := opts["max_keys"]; want != nil && st.MaxKeys != want.(int64) {
				t.Errorf("MaxKeys %d, want %d", st.MaxKeys, want)
			}
		})
	}
}

const evict = "evict_oldest"

func TestCountStateLimits(t *testing.T) {
	two := map[string]any{"max_keys": int64(2)}
	twoEvict := map[string]any{"max_keys": int64(2), "when_state_full": evict}
	runStateCases(t, CountSpec(), map[string]any{"emit": "update"}, []stateCase{
		{"fail names the limit", two, "a b a c",
			[]string{"a count=1", "b count=1", "a count=2", "error: state limit reached: max_keys 2 (when_state_full: fail)"}, 2, 0, 0},
		{"evict_oldest drops the least recently updated key", twoEvict, "a b a c b a",
			[]string{"a count=1", "b count=1", "a count=2", "c count=1", "b count=1", "a count=1"}, 2, 3, 0},
		{"a key that exists needs no room", twoEvict, "a b a b a b",
			[]string{"a count=1", "b count=1", "a count=2", "b count=2", "a count=3", "b count=3"}, 2, 0, 0},
		{"ttl expires keys not updated for it, by processing time", map[string]any{"ttl": 10 * time.Second},
			"a b @5s a tick@12s b a tick@30s",
			[]string{"a count=1", "b count=1", "a count=2", "b count=1", "a count=3"}, 0, 0, 3},
		{"ttl and evict_oldest together", map[string]any{"ttl": 10 * time.Second, "max_keys": int64(2), "when_state_full": evict},
			"a b c tick@9s @9s d tick@15s",
			[]string{"a count=1", "b count=1", "c count=1", "d count=1"}, 1, 2, 1},
	})
	runStateCases(t, CountSpec(), map[string]any{"emit": "flush"}, []stateCase{
		{"flush emits the keys held at the end", twoEvict, "a b b c flush",
			[]string{"b count=2", "c count=1"}, 2, 1, 0},
	})
	runStateCases(t, CountSpec(), map[string]any{"emit": "interval", "every": time.Second, "ttl": 100 * time.Millisecond}, []stateCase{
		{"interval: every change is emitted before its key expires", nil,
			"@500ms a tick@1s @1500ms a b tick@2s tick@3s",
			[]string{"a count=1", "a count=1", "b count=1"}, 0, 0, 3},
	})
}

func TestAggregateStateLimits(t *testing.T) {
	aggs := map[string]string{"n": "count()", "s": "sum(status)"}
	runStateCases(t, AggregateSpec(), map[string]any{"aggregates": aggs}, []stateCase{
		{"fail", map[string]any{"max_keys": int64(1)}, "a a b",
			[]string{"a n=1 s=1", "a n=2 s=2", "error: state limit reached: max_keys 1 (when_state_full: fail)"}, 1, 0, 0},
		{"an evicted key's aggregates start afresh", map[string]any{"max_keys": int64(1), "when_state_full": evict},
			"a a b a", []string{"a n=1 s=1", "a n=2 s=2", "b n=1 s=1", "a n=1 s=1"}, 1, 2, 0},
		{"ttl", map[string]any{"ttl": time.Second}, "a @500ms b tick@1200ms a b tick@5s",
			[]string{"a n=1 s=1", "b n=1 s=1", "a n=1 s=1", "b n=2 s=2"}, 0, 0, 3},
	})
	runStateCases(t, AggregateSpec(), map[string]any{"aggregates": aggs, "emit": "flush"}, []stateCase{
		{"flush after eviction", map[string]any{"max_keys": int64(2), "when_state_full": evict}, "a b c a flush",
			[]string{"a n=1 s=1", "c n=1 s=1"}, 2, 2, 0},
	})
}

func TestOverStateLimits(t *testing.T) {
	base := map[string]any{"rows": int64(3), "aggregates": map[string]string{"n": "count()"}}
	runStateCases(t, OverSpec(), base, []stateCase{
		{"fail", map[string]any{"max_keys": int64(1)}, "wm@1h a a b",
			[]string{"a n=1", "a n=2", "error: state limit reached: max_keys 1 (when_state_full: fail)"}, 1, 0, 0},
		{"an evicted key's rows start afresh", map[string]any{"max_keys": int64(1), "when_state_full": evict},
			"wm@1h a a b a", []string{"a n=1", "a n=2", "b n=1", "a n=1"}, 1, 2, 0},
	})
}

// TestOverWaitingEventsCountTowardsMaxState: events waiting for the
// watermark are state; when they would pass max_state the operator fails,
// and once the watermark takes them their bytes are given back.
func TestOverWaitingEventsCountTowardsMaxState(t *testing.T) {
	e := logEvent("a", 1)
	per := waitingBytes(&e)
	base := map[string]any{"rows": int64(3), "aggregates": map[string]string{"n": "count()"}}
	ctx := newCtx(t, "per_host", base)
	ctx.Key = []string{"host"}
	o := build(t, OverSpec(), ctx).Operator.(*over)
	entry := o.table.keyBytes
	base["max_state"] = 4*per - 1 // three wait, not four
	got, st := runKeyed(t, OverSpec(), base, "a a a a")
	want := fmt.Sprintf("error: state limit reached: max_state %dB (when_state_full: fail; %dB held, %dB more needed)", 4*per-1, 3*per, per)
	if len(got) != 1 || got[0] != want || st.Keys != 0 || st.Bytes != 3*per {
		t.Fatalf("got %q, %+v; want %q with 3 waiting events of %d bytes", got, st, want, per)
	}
	got, st = runKeyed(t, OverSpec(), base, "a a a wm@1h")
	if len(got) != 3 || st.Keys != 1 || st.Bytes != entry+1 {
		t.Fatalf("after the watermark: rows %q, %+v; want 3 rows, 1 key of %d bytes", got, st, entry+1)
	}
}

// TestCountStateBytes: the bytes estimate grows by a fixed amount plus the
// key's string per key, and max_state refuses (or evicts for) a key that
// does not fit.
func TestCountStateBytes(t *testing.T) {
	fixed := tableKeyBytes(1, false)
	_, st := runKeyed(t, CountSpec(), map[string]any{}, "a bb ccc")
	if st.Bytes != 3*fixed+6 || st.Keys != 3 || st.MaxBytes != defaultMaxState || st.MaxKeys != defaultMaxKeys {
		t.Fatalf("%+v: want 3 keys of %d bytes plus 6 string bytes, the default limits", st, fixed)
	}
	limit := 2*fixed + 3
	got, _ := runKeyed(t, CountSpec(), map[string]any{"max_state": limit}, "a bb ccc")
	want := fmt.Sprintf("error: state limit reached: max_state %dB (when_state_full: fail; %dB held, %dB more needed)", limit, limit, fixed+3)
	if got[len(got)-1] != want {
		t.Fatalf("last line %q, want %q", got[len(got)-1], want)
	}
	// Tracked keys cost more; a bigger key evicts as many as it needs.
	fixed = tableKeyBytes(1, true)
	_, st = runKeyed(t, CountSpec(), map[string]any{"max_state": 3*fixed + 3, "when_state_full": evict}, "a b c dddd")
	if st.Keys != 2 || st.Evicted != 2 || st.Bytes != 2*fixed+5 {
		t.Fatalf("%+v: want 2 keys (c, dddd) of %d bytes after evicting a and b", st, 2*fixed+5)
	}
}

// TestStateLimitErrorIsWrapped: the failure wraps ErrStateLimit.
func TestStateLimitErrorIsWrapped(t *testing.T) {
	ctx := countCtx(t, []string{"host"}, map[string]any{"max_keys": int64(1)})
	op := build(t, CountSpec(), ctx).Operator
	err := op.Process(0, []event.Event{logEvent("a", 1), logEvent("b", 1)}, &component.Output{})
	if !errors.Is(err, ErrStateLimit) {
		t.Fatalf("error %v does not wrap ErrStateLimit", err)
	}
}

// TestKeyedOperatorsReportState: every keyed transform implements
// component.StateReporter, in every mode (interval emitters and
// processing-time windows included), with the limits it was given.
func TestKeyedOperatorsReportState(t *testing.T) {
	limits := map[string]any{"max_keys": int64(7), "max_state": int64(1 << 20)}
	with := func(o map[string]any) map[string]any {
		for k, v := range limits {
			o[k] = v
		}
		return o
	}
	aggs := map[string]string{"n": "count()"}
	cases := []struct {
		spec *component.Spec
		opts map[string]any
	}{
		{CountSpec(), with(map[string]any{"emit": "update"})},
		{CountSpec(), with(map[string]any{"emit": "interval"})},
		{AggregateSpec(), with(map[string]any{"aggregates": aggs, "emit": "flush"})},
		{AggregateSpec(), with(map[string]any{"aggregates": aggs, "emit": "interval"})},
		{OverSpec(), with(map[string]any{"rows": int64(2), "aggregates": aggs})},
		{WindowSpec(), with(map[string]any{"window": "tumbling", "size": time.Minute, "aggregates": aggs})},
		{WindowSpec(), with(map[string]any{"window": "hopping", "size": time.Minute, "slide": time.Second, "aggregates": aggs, "time": "processing"})},
		{WindowSpec(), with(map[string]any{"window": "session", "gap": time.Minute, "aggregates": aggs})},
	}
	for _, c := range cases {
		ctx := newCtx(t, "x", c.opts)
		ctx.Key = []string{"host"}
		op := build(t, c.spec, ctx).Operator
		r, ok := op.(component.StateReporter)
		if !ok {
			t.Errorf("%s %v: %T is not a StateReporter", c.spec.Type, c.opts, op)
			continue
		}
		if st := r.StateStats(); st != (component.StateStats{MaxKeys: 7, MaxBytes: 1 << 20}) {
			t.Errorf("%s %v: fresh state %+v", c.spec.Type, c.opts, st)
		}
	}
	for _, mode := range []map[string]any{
		{"mode": "table"}, {"mode": "interval", "upper": time.Second},
		{"mode": "window", "window": "tumbling", "size": time.Second},
	} {
		mode["right_prefix"] = "r_"
		op := build(t, JoinSpec(), newJoinCtx(t, with(tableJoinOpts(mode)))).Operator
		if r, ok := op.(component.StateReporter); !ok || r.StateStats().MaxKeys != 7 {
			t.Errorf("join %v: %T does not report its state", mode, op)
		}
	}
}

// TestStateStatsWhileRunning: StateStats may be read from another goroutine
// while the operator runs (the race detector checks it), and once Process
// has returned it shows the batch's figures.
func TestStateStatsWhileRunning(t *testing.T) {
	ctx := countCtx(t, []string{"status"}, map[string]any{"max_keys": int64(500), "when_state_full": evict})
	op := build(t, CountSpec(), ctx).Operator
	r := op.(component.StateReporter)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				if st := r.StateStats(); st.Keys > 500 {
					t.Errorf("keys %d above max_keys", st.Keys)
				}
			}
		}
	}()
	var out component.Output
	batch := make([]event.Event, 100)
	for b := range 20 {
		for i := range batch {
			batch[i] = logEvent("x", int64(b*100+i))
		}
		out.Reset()
		if err := op.Process(0, batch, &out); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if st := r.StateStats(); st.Keys != 500 || st.Evicted != 1500 {
		t.Fatalf("%+v: want 500 keys, 1500 evicted", st)
	}
}

// TestEvictionDoesNotAllocate: with every event evicting a key and adding
// another (int keys, so no string to copy), count, aggregate and a table
// join reuse the freed state and allocate nothing per event.
func TestEvictionDoesNotAllocate(t *testing.T) {
	// Batches made beforehand: events of 1000 keys in turn.
	batches := make([][]event.Event, 100)
	for b := range batches {
		batches[b] = make([]event.Event, 256)
		for i := range batches[b] {
			batches[b][i] = logEvent("x", int64((b*256+i)%1000))
		}
	}
	opts := map[string]any{"max_keys": int64(100), "when_state_full": evict, "ttl": time.Hour}
	for _, c := range []struct {
		spec *component.Spec
		opts map[string]any
	}{
		{CountSpec(), map[string]any{"emit": "update"}},
		{AggregateSpec(), map[string]any{"emit": "update", "aggregates": map[string]string{"n": "count()", "s": "sum(bytes)"}}},
	} {
		for k, v := range opts {
			c.opts[k] = v
		}
		op := build(t, c.spec, countCtx(t, []string{"status"}, c.opts)).Operator
		var out component.Output
		next := 0
		process := func() {
			out.Reset()
			if err := op.Process(0, batches[next%len(batches)], &out); err != nil {
				t.Fatal(err)
			}
			next++
		}
		for range 20 {
			process() // every key and the recency FIFO at their high-water mark
		}
		if n := testing.AllocsPerRun(50, process); n != 0 {
			t.Errorf("%s: %.1f allocations per batch of 256 evicting events", c.spec.Type, n)
		}
		if st := op.(component.StateReporter).StateStats(); st.Keys != 100 || st.Evicted == 0 {
			t.Errorf("%s: %+v, want 100 keys and evictions", c.spec.Type, st)
		}
	}
}
