package ops

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// checkpointCase is one operator configuration whose state the checkpoint
// tests save and restore. Its input is generated (genSteps): logs events
// keyed as key says, or for joins events of joinLefts and joinRights. The
// flags name what the generated input must make it do, so that a case that
// stopped exercising its behaviour fails instead of passing vacuously.
type checkpointCase struct {
	name string
	spec func() *component.Spec
	opts map[string]any
	key  []string
	join bool
	// evicts, expires, late: the uninterrupted run evicts state, expires
	// keys by ttl, sends events to the late side output.
	evicts, expires, late bool
}

// richAggs reads every family of aggregate state: exact summaries, first
// and last, a DDSketch, a distinct-count set and top_k counters.
var richAggs = map[string]string{
	"n": "count()", "total": "sum(bytes)", "avg_lat": "avg(latency)", "lo": "min(latency)",
	"p90": "percentile(latency, 0.9)", "paths": "count_distinct(path)", "top": "top_k(path, 2)",
	"first_status": "first(status)", "last_path": "last(path)", "ratio": "sum(bytes) / count()",
}

var smallAggs = map[string]string{"n": "count()", "total": "sum(bytes)", "last_path": "last(path)"}

func checkpointCases() []checkpointCase {
	s := time.Second
	host := []string{"host"}
	return []checkpointCase{
		{name: "count/update", spec: CountSpec, key: host, opts: map[string]any{}},
		{name: "count/flush/two-fields", spec: CountSpec, key: []string{"host", "status"}, opts: map[string]any{"emit": "flush"}},
		{name: "count/interval/ttl", spec: CountSpec, key: host, expires: true,
			opts: map[string]any{"emit": "interval", "every": s, "ttl": 3 * s}},
		{name: "count/partition/evict", spec: CountSpec, evicts: true,
			opts: map[string]any{"max_keys": int64(5), "when_state_full": evict}},
		{name: "count/flush/ttl-evict", spec: CountSpec, key: host, evicts: true, expires: true,
			opts: map[string]any{"emit": "flush", "ttl": s, "max_keys": int64(8), "when_state_full": evict}},
		{name: "count/update/max_state", spec: CountSpec, key: []string{"path"}, evicts: true,
			opts: map[string]any{"max_state": int64(700), "when_state_full": evict}},
		{name: "aggregate/update", spec: AggregateSpec, key: host, opts: map[string]any{"aggregates": richAggs}},
		{name: "aggregate/interval/ttl-evict", spec: AggregateSpec, key: host, evicts: true, expires: true,
			opts: map[string]any{"aggregates": richAggs, "emit": "interval", "every": s, "ttl": s,
				"max_keys": int64(8), "when_state_full": evict}},
		{name: "aggregate/flush/partition", spec: AggregateSpec, opts: map[string]any{"aggregates": richAggs, "emit": "flush"}},
		{name: "over", spec: OverSpec, key: host, opts: map[string]any{"rows": int64(3), "aggregates": richAggs}},
		{name: "over/evict", spec: OverSpec, key: []string{"host", "ok"}, evicts: true,
			opts: map[string]any{"rows": int64(2), "aggregates": smallAggs, "max_keys": int64(3), "when_state_full": evict}},
		{name: "window/tumbling/lateness", spec: WindowSpec, key: host, late: true,
			opts: map[string]any{"window": "tumbling", "size": 5 * s, "allowed_lateness": 3 * s, "aggregates": richAggs}},
		{name: "window/hopping/evict", spec: WindowSpec, key: []string{"host", "ok"}, evicts: true, late: true,
			opts: map[string]any{"window": "hopping", "size": 6 * s, "slide": 2 * s, "aggregates": smallAggs,
				"max_keys": int64(10), "when_state_full": evict}},
		{name: "window/session/lateness", spec: WindowSpec, key: host, late: true,
			opts: map[string]any{"window": "session", "gap": 3 * s, "allowed_lateness": 2 * s, "aggregates": richAggs}},
		{name: "window/session/evict", spec: WindowSpec, key: host, evicts: true, late: true,
			opts: map[string]any{"window": "session", "gap": 2 * s, "aggregates": smallAggs,
				"max_keys": int64(4), "when_state_full": evict}},
		{name: "window/tumbling/processing", spec: WindowSpec, key: host,
			opts: map[string]any{"window": "tumbling", "size": 2 * s, "time": "processing", "aggregates": richAggs}},
		{name: "window/hopping/processing/unkeyed", spec: WindowSpec,
			opts: map[string]any{"window": "hopping", "size": 4 * s, "slide": 2 * s, "time": "processing", "aggregates": smallAggs}},
		{name: "join/window/tumbling", spec: JoinSpec, join: true, late: true,
			opts: joinOpts(map[string]any{"mode": "window", "window": "tumbling", "size": 5 * s, "allowed_lateness": 2 * s})},
		{name: "join/window/hopping/evict", spec: JoinSpec, join: true, evicts: true, late: true,
			opts: joinOpts(map[string]any{"mode": "window", "window": "hopping", "size": 6 * s, "slide": 3 * s,
				"max_keys": int64(8), "when_state_full": evict})},
		{name: "join/interval", spec: JoinSpec, join: true, late: true,
			opts: joinOpts(map[string]any{"mode": "interval", "lower": -2 * s, "upper": 3 * s, "allowed_lateness": s})},
		{name: "join/interval/until/evict", spec: JoinSpec, join: true, evicts: true,
			opts: joinOpts(map[string]any{"mode": "interval", "upper": 5 * s, "until": "until",
				"max_keys": int64(6), "when_state_full": evict})},
		{name: "join/table/outer/ttl", spec: JoinSpec, join: true, expires: true,
			opts: joinOpts(map[string]any{"mode": "table", "outer": true, "ttl": 3 * s})},
		{name: "join/table/evict", spec: JoinSpec, join: true, evicts: true,
			opts: joinOpts(map[string]any{"mode": "table", "max_keys": int64(3), "when_state_full": evict})},
	}
}

// joinOpts adds the key fields and prefix every checkpointed join uses.
func joinOpts(o map[string]any) map[string]any {
	o["left_key"], o["right_key"], o["right_prefix"] = []string{"k"}, []string{"k"}, "r_"
	return o
}

// build returns a new instance of the case whose clock reads *now.
func (c checkpointCase) build(t testing.TB, now *time.Time) *component.Instance {
	t.Helper()
	opts := make(map[string]any, len(c.opts))
	for k, v := range c.opts {
		opts[k] = v
	}
	var ctx *component.Context
	if c.join {
		ctx = newJoinCtx(t, opts)
	} else {
		ctx = newCtx(t, "op", opts)
		ctx.Key = c.key
	}
	ctx.Now = func() time.Time { return *now }
	return build(t, c.spec(), ctx)
}

// cpStep is one step of a generated input: a batch of events on a port, a
// watermark, or a tick, at a time of the operator's clock.
type cpStep struct {
	at    time.Time
	port  int
	batch []event.Event
	wm    int64
	tick  bool
}

// genSteps generates n steps: batches of events whose times run forward
// with some disorder and a few very late ones, watermarks that trail the
// latest event time, and ticks; the clock advances at every step. Keys
// come from a small set, with fresh ones and nulls among them, so that
// limits evict and keys expire.
func genSteps(rng *rand.Rand, join bool, n int) []cpStep {
	clock, evClock := t0, t0.UnixNano()
	latest, mark := evClock, event.MinWatermark
	fresh := 0
	pick := func(prefix string, n int) event.Value {
		switch r := rng.IntN(100); {
		case r < 3:
			return event.Value{}
		case r < 13:
			fresh++
			return str(fmt.Sprintf("u%d", fresh))
		default:
			return str(fmt.Sprintf("%s%d", prefix, rng.IntN(n)))
		}
	}
	var steps []cpStep
	for len(steps) < n {
		clock = clock.Add(time.Duration(rng.IntN(400)) * time.Millisecond)
		switch r := rng.IntN(10); {
		case r < 6:
			s := cpStep{at: clock}
			if join {
				s.port = rng.IntN(2)
			}
			for range 1 + rng.IntN(6) {
				evClock += int64(rng.IntN(700)) * int64(time.Millisecond)
				at := evClock + int64(rng.IntN(3000)-2500)*int64(time.Millisecond)
				if rng.IntN(20) == 0 {
					at -= 15 * int64(time.Second)
				}
				latest = max(latest, at)
				var e event.Event
				switch {
				case !join:
					host := pick("h", 8)
					path := str(fmt.Sprintf("/%c", 'a'+rng.IntN(4)))
					if rng.IntN(20) == 0 {
						fresh++
						path = str(fmt.Sprintf("/p%d", fresh))
					}
					e.Fields = []event.Value{host, i64(int64(1 + rng.IntN(5))), i64(int64(rng.IntN(1000))),
						f64(float64(rng.IntN(10000)) / 100), boolV(rng.IntN(2) == 0), tm(at), path}
					e.Key = host.Hash(0)
				case s.port == leftSide:
					k := pick("k", 6)
					until := tm(at + int64(rng.IntN(6000))*int64(time.Millisecond))
					if rng.IntN(10) == 0 {
						until = event.Value{}
					}
					e.Fields = []event.Value{k, i64(int64(rng.IntN(100))), tm(at), until}
					e.Key = k.Hash(0)
				default:
					k := pick("k", 6)
					e.Fields = []event.Value{k, i64(int64(rng.IntN(100))), tm(at)}
					e.Key = k.Hash(0)
				}
				e.Schema, e.Time, e.Created = 1+uint32(s.port), at, clock.UnixNano()
				s.batch = append(s.batch, e)
			}
			steps = append(steps, s)
		case r < 8:
			if wm := latest - int64(rng.IntN(3000))*int64(time.Millisecond); wm > mark {
				mark = wm
				steps = append(steps, cpStep{at: clock, wm: wm})
			}
		default:
			steps = append(steps, cpStep{at: clock, tick: true})
		}
	}
	return steps
}

// cpRunner plays steps through one instance and records its output, one
// line per event (side outputs marked), an error line where a call failed
// (the run stops there), and its state figures where asked.
type cpRunner struct {
	t      testing.TB
	c      checkpointCase
	now    time.Time
	inst   *component.Instance
	out    component.Output
	failed bool
}

func newRunner(t testing.TB, c checkpointCase) *cpRunner {
	r := &cpRunner{t: t, c: c, now: t0}
	r.inst = c.build(t, &r.now)
	return r
}

// play runs steps and returns the lines of each.
func (r *cpRunner) play(steps []cpStep) [][]string {
	lines := make([][]string, len(steps))
	for i, s := range steps {
		lines[i] = r.step(s)
	}
	return lines
}

func (r *cpRunner) step(s cpStep) []string {
	if r.failed {
		return nil
	}
	r.now = s.at
	op := r.inst.Operator
	var err error
	switch {
	case s.tick:
		if tk, ok := op.(component.Ticker); ok {
			err = tk.Tick(s.at, &r.out)
		}
	case s.wm != 0:
		if wa, ok := op.(component.WatermarkAware); ok {
			err = wa.OnWatermark(s.wm, &r.out)
		}
	default:
		err = op.Process(s.port, clone(s.batch), &r.out)
	}
	return r.collect(err)
}

// finish delivers the final watermark and flushes.
func (r *cpRunner) finish() []string {
	if r.failed {
		return nil
	}
	var lines []string
	if wa, ok := r.inst.Operator.(component.WatermarkAware); ok {
		lines = r.collect(wa.OnWatermark(event.MaxWatermark, &r.out))
	}
	if r.failed {
		return lines
	}
	return append(lines, r.collect(r.inst.Operator.Flush(&r.out))...)
}

func (r *cpRunner) collect(err error) []string {
	var lines []string
	for _, e := range r.out.Events() {
		lines = append(lines, cpLine("", &e))
	}
	for i, side := range r.out.Sides() {
		for _, e := range side.Events() {
			lines = append(lines, cpLine(fmt.Sprintf("side%d ", i), &e))
		}
	}
	r.out.Reset()
	if err != nil {
		r.failed = true
		lines = append(lines, "error: "+err.Error())
	}
	return lines
}

func cpLine(prefix string, e *event.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%skey=%x t=%d c=%d [", prefix, e.Key, e.Time-t0.UnixNano(), e.Created-t0.UnixNano())
	for j, v := range e.Fields {
		if j > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s:%s", v.Kind, v)
	}
	b.WriteByte(']')
	return b.String()
}

func (r *cpRunner) stats() component.StateStats {
	return r.inst.Operator.(component.StateReporter).StateStats()
}

func (r *cpRunner) checkpointer() component.Checkpointer {
	cp, ok := r.inst.Operator.(component.Checkpointer)
	if !ok {
		r.t.Fatalf("%T does not implement component.Checkpointer", r.inst.Operator)
	}
	return cp
}

func (r *cpRunner) snapshot() []byte {
	r.t.Helper()
	b, err := r.checkpointer().Snapshot([]byte("prefix"))
	if err != nil {
		r.t.Fatalf("Snapshot: %v", err)
	}
	if !bytes.HasPrefix(b, []byte("prefix")) {
		r.t.Fatal("Snapshot did not append to dst")
	}
	return b[len("prefix"):]
}

func (r *cpRunner) restore(blob []byte) {
	r.t.Helper()
	if err := r.checkpointer().Restore(blob); err != nil {
		r.t.Fatalf("Restore: %v", err)
	}
}

func flat(parts ...[][]string) []string {
	var all []string
	for _, p := range parts {
		for _, lines := range p {
			all = append(all, lines...)
		}
	}
	return all
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	line := func(l []string) string {
		if i < len(l) {
			return l[i]
		}
		return "(end)"
	}
	t.Fatalf("%s: %d lines, want %d; first difference at line %d:\n got  %s\n want %s", what, len(got), len(want), i, line(got), line(want))
}

func sameStats(t *testing.T, what string, got, want component.StateStats) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: state %+v, want %+v", what, got, want)
	}
}

// TestCheckpointRoundTrip is the property every keyed operator keeps: cut
// a generated input anywhere, Snapshot, Restore into a new instance built
// from the same options, and feed both the rest: the restored instance and
// the one that went on after its Snapshot each emit exactly what an
// uninterrupted run emits from there on (watermark-driven emits, late
// events, evictions and ttl expiries with the same clock included), and
// hold the same state figures. A chain of restores at several cut points
// gives the whole uninterrupted output too.
func TestCheckpointRoundTrip(t *testing.T) {
	for _, c := range checkpointCases() {
		t.Run(c.name, func(t *testing.T) {
			for seed := range 3 {
				rng := rand.New(rand.NewPCG(uint64(seed), 14))
				steps := genSteps(rng, c.join, 150)
				whole := newRunner(t, c)
				want := whole.play(steps)
				mid := whole.stats()
				wantEnd := whole.finish()
				checkExercised(t, c, flat(want, [][]string{wantEnd}), mid, whole.stats())

				for range 3 {
					cut := rng.IntN(len(steps) + 1)
					a := newRunner(t, c)
					a.play(steps[:cut])
					blob := a.snapshot()
					b := newRunner(t, c)
					b.restore(blob)
					sameStats(t, fmt.Sprintf("seed %d, restored at step %d", seed, cut), b.stats(), a.stats())
					if again := b.snapshot(); !bytes.Equal(again, blob) && canonical(c) {
						t.Fatalf("seed %d: the restored state snapshots to %d different bytes (%d before)", seed, len(again), len(blob))
					}
					rest := flat(want[cut:], [][]string{wantEnd})
					sameLines(t, fmt.Sprintf("seed %d, restored at step %d", seed, cut), flat(b.play(steps[cut:]), [][]string{b.finish()}), rest)
					sameLines(t, fmt.Sprintf("seed %d, going on after Snapshot at step %d", seed, cut), flat(a.play(steps[cut:]), [][]string{a.finish()}), rest)
					sameStats(t, fmt.Sprintf("seed %d, restored at step %d, at the end", seed, cut), b.stats(), whole.stats())
				}

				cuts := []int{rng.IntN(len(steps) + 1), rng.IntN(len(steps) + 1), rng.IntN(len(steps) + 1), rng.IntN(len(steps) + 1)}
				slices.Sort(cuts)
				r, from := newRunner(t, c), 0
				var got [][]string
				for _, cut := range cuts {
					got = append(got, r.play(steps[from:cut])...)
					next := newRunner(t, c)
					next.restore(r.snapshot())
					r, from = next, cut
				}
				got = append(got, r.play(steps[from:])...)
				sameLines(t, fmt.Sprintf("seed %d, restored at steps %v", seed, cuts), flat(got, [][]string{r.finish()}), flat(want, [][]string{wantEnd}))
			}
		})
	}
}

// canonical reports whether a case's state has one encoding: a
// count_distinct set encodes its hashes in the order of its hash table,
// which depends on how it grew.
func canonical(c checkpointCase) bool {
	aggs, _ := c.opts["aggregates"].(map[string]string)
	for _, a := range aggs {
		if strings.Contains(a, "count_distinct") {
			return false
		}
	}
	return true
}

// TestEveryKeyedOperatorIsCheckpointed: the round trip covers every keyed
// transform, and only keyed ones are in it.
func TestEveryKeyedOperatorIsCheckpointed(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range checkpointCases() {
		covered[c.spec().Type] = true
	}
	for _, s := range Specs() {
		if s.Keyed != covered[s.Type] {
			t.Errorf("%s: keyed %v, but checkpointCases covers it: %v", s.Type, s.Keyed, covered[s.Type])
		}
	}
}

// checkExercised fails when an uninterrupted run did not do what its case
// names: evict, expire, send late events; and when it emitted nothing.
func checkExercised(t *testing.T, c checkpointCase, lines []string, mid, end component.StateStats) {
	t.Helper()
	late := slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "side0 ") })
	switch {
	case len(lines) == 0:
		t.Fatal("the run emitted nothing")
	case slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "error: ") }):
		t.Fatalf("the run failed: %s", lines[len(lines)-1])
	case c.evicts && end.Evicted == 0:
		t.Fatal("the run evicted nothing")
	case c.expires && end.Expired == 0:
		t.Fatal("the run expired nothing")
	case c.late && !late:
		t.Fatal("the run sent nothing to the late side output")
	case mid.Keys == 0:
		t.Fatal("the run held no state before its end")
	}
}

// TestCheckpointRestoreOtherConfiguration: the state of an operator
// configured otherwise (type, key, aggregate layout, geometry, mode,
// bounds) is refused with an error naming both configurations, and the
// instance carries on empty; what the description leaves out may change.
func TestCheckpointRestoreOtherConfiguration(t *testing.T) {
	byName := map[string]checkpointCase{}
	for _, c := range checkpointCases() {
		byName[c.name] = c
	}
	with := func(name string, change func(c *checkpointCase)) checkpointCase {
		c := byName[name]
		opts := map[string]any{}
		for k, v := range c.opts {
			opts[k] = v
		}
		c.opts = opts
		change(&c)
		return c
	}
	s := time.Second
	refused := []struct {
		from, to checkpointCase
		want     string // in the error, besides both descriptions
	}{
		{byName["count/update"], byName["count/flush/two-fields"], "key=[host:string status:int]"},
		{byName["count/update"], with("count/update", func(c *checkpointCase) { c.opts["emit"] = "flush" }), "emit=flush"},
		{byName["count/update"], byName["window/tumbling/lateness"], `"window window=tumbling`},
		{byName["aggregate/update"], with("aggregate/update", func(c *checkpointCase) {
			c.opts["aggregates"] = map[string]string{"n": "count()", "total": "sum(status)"}
		}), "aggregates="},
		{byName["window/tumbling/lateness"], with("window/tumbling/lateness", func(c *checkpointCase) { c.opts["size"] = 10 * s }), "size=10s"},
		{byName["window/tumbling/lateness"], with("window/tumbling/lateness", func(c *checkpointCase) { c.opts["time"] = "processing" }), "time=processing"},
		{byName["window/session/lateness"], with("window/session/lateness", func(c *checkpointCase) { c.opts["gap"] = 4 * s }), "gap=4s"},
		{byName["over"], with("over", func(c *checkpointCase) { c.opts["rows"] = int64(4) }), "rows=4"},
		{byName["join/window/tumbling"], byName["join/interval"], "mode=interval"},
		{byName["join/interval"], with("join/interval", func(c *checkpointCase) { c.opts["upper"] = 4 * s }), "upper=4s"},
	}
	steps := genSteps(rand.New(rand.NewPCG(1, 2)), false, 60)
	for _, x := range refused {
		t.Run(x.from.name+" into "+x.to.name, func(t *testing.T) {
			from := newRunner(t, x.from)
			if x.from.join {
				from.play(genSteps(rand.New(rand.NewPCG(3, 4)), true, 60))
			} else {
				from.play(steps)
			}
			to := newRunner(t, x.to)
			err := to.checkpointer().Restore(from.snapshot())
			if !errors.Is(err, ErrStateMismatch) {
				t.Fatalf("error %v, want ErrStateMismatch", err)
			}
			for _, want := range []string{x.want, quotedDesc(from.inst.Operator), quotedDesc(to.inst.Operator)} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %s", err, want)
				}
			}
			checkEmpty(t, x.to, to)
		})
	}

	kept := []struct {
		name     string
		from, to checkpointCase
	}{
		{"aggregate names and arithmetic", byName["aggregate/update"], with("aggregate/update", func(c *checkpointCase) {
			aggs := map[string]string{}
			for k, v := range richAggs {
				aggs["x_"+k] = v
			}
			aggs["x_ratio"] = "sum(bytes) * 2"
			c.opts["aggregates"] = aggs
		})},
		{"state limits", byName["count/update"], with("count/update", func(c *checkpointCase) {
			c.opts["max_keys"], c.opts["when_state_full"], c.opts["ttl"] = int64(3), evict, time.Hour
		})},
		{"allowed lateness", byName["window/tumbling/lateness"], with("window/tumbling/lateness", func(c *checkpointCase) {
			c.opts["allowed_lateness"] = 10 * s
		})},
	}
	for _, x := range kept {
		t.Run("keeps state across a change of "+x.name, func(t *testing.T) {
			from := newRunner(t, x.from)
			from.play(steps)
			to := newRunner(t, x.to)
			to.restore(from.snapshot())
			if got, want := to.stats().Keys, from.stats().Keys; got != want || got == 0 {
				t.Fatalf("restored %d keys, want %d", got, want)
			}
			// It runs on under its own options: with lower limits, new
			// keys evict down to them.
			lines := flat(to.play(genSteps(rand.New(rand.NewPCG(13, 14)), false, 60)), [][]string{to.finish()})
			if to.failed {
				t.Fatalf("the restored operator failed: %s", lines[len(lines)-1])
			}
			if limit, ok := x.to.opts["max_keys"].(int64); ok && to.stats().Keys > limit {
				t.Fatalf("%d keys held, more than max_keys %d", to.stats().Keys, limit)
			}
		})
	}
}

// quotedDesc quotes an operator's description, as errors show it.
func quotedDesc(op component.Operator) string {
	return fmt.Sprintf("%q", op.(checkpointed).stateDesc())
}

// checkEmpty checks that r, after a failed Restore, holds nothing and
// runs as a new instance does.
func checkEmpty(t *testing.T, c checkpointCase, r *cpRunner) {
	t.Helper()
	if st := r.stats(); st.Keys != 0 || st.Bytes != 0 || st.Evicted != 0 || st.Expired != 0 {
		t.Fatalf("state %+v after a failed Restore", st)
	}
	steps := genSteps(rand.New(rand.NewPCG(5, 6)), c.join, 40)
	fresh := newRunner(t, c)
	sameLines(t, "after a failed Restore", flat(r.play(steps), [][]string{r.finish()}), flat(fresh.play(steps), [][]string{fresh.finish()}))
}

// resealed returns blob with its checksum made right again, so that a
// change to its body reaches the decoder.
func resealed(blob []byte) []byte {
	b := slices.Clone(blob[:len(blob)-4])
	return endState(b, 0)
}

// TestCheckpointRestoreCorrupt: truncated, altered, foreign and
// other-version bytes are refused with ErrStateCorrupt and leave the
// instance empty; bodies altered behind a valid checksum are refused or
// restored into a state the operator runs on, never a panic.
func TestCheckpointRestoreCorrupt(t *testing.T) {
	for _, c := range checkpointCases() {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			src := newRunner(t, c)
			src.play(genSteps(rng, c.join, 80))
			blob := src.snapshot()

			bad := map[string][]byte{
				"empty":   nil,
				"foreign": []byte("hello, world"),
				"version": resealed(append([]byte("GWS\x02"), blob[4:]...)),
			}
			for _, n := range []int{1, 3, 4, 5, len(blob) / 2, len(blob) - 5, len(blob) - 1} {
				bad[fmt.Sprintf("truncated to %d", n)] = blob[:n]
			}
			for range 20 {
				i := rng.IntN(len(blob))
				flipped := slices.Clone(blob)
				flipped[i] ^= 1 << rng.IntN(8)
				bad[fmt.Sprintf("bit flipped at %d", i)] = flipped
			}
			for name, data := range bad {
				r := newRunner(t, c)
				err := r.checkpointer().Restore(data)
				if !errors.Is(err, ErrStateCorrupt) {
					t.Fatalf("%s: error %v, want ErrStateCorrupt", name, err)
				}
				if st := r.stats(); st.Keys != 0 || st.Bytes != 0 {
					t.Fatalf("%s: state %+v after a failed Restore", name, st)
				}
			}
			checkEmpty(t, c, func() *cpRunner {
				r := newRunner(t, c)
				_ = r.checkpointer().Restore(blob[:len(blob)/2])
				return r
			}())

			// Behind a valid checksum: bytes of the body altered one at a
			// time, the first 48 (counts and lengths that shape the rest)
			// and 80 others.
			script := genSteps(rand.New(rand.NewPCG(9, 10)), c.join, 30)
			head := len(blob) - len(bodyOf(t, src.inst.Operator, blob)) - 4
			var at []int
			for i := head; i < len(blob)-4 && i < head+48; i++ {
				at = append(at, i)
			}
			for range 80 {
				at = append(at, head+rng.IntN(len(blob)-4-head))
			}
			for _, i := range at {
				altered := slices.Clone(blob)
				altered[i] ^= byte(1 + rng.IntN(255))
				runAltered(t, c, resealed(altered), script)
			}
		})
	}
}

// runAltered restores data into a new instance of c and, when that
// succeeds, runs script, a Snapshot and a Restore of it: nothing may
// panic. Errors are fine.
func runAltered(t testing.TB, c checkpointCase, data []byte, script []cpStep) {
	r := newRunner(t, c)
	if err := r.checkpointer().Restore(data); err != nil {
		if !errors.Is(err, ErrStateCorrupt) {
			t.Fatalf("error %v does not wrap ErrStateCorrupt", err)
		}
		return
	}
	r.play(script)
	if !r.failed {
		blob, err := r.checkpointer().Snapshot(nil)
		if err == nil {
			if err := newRunner(t, c).checkpointer().Restore(blob); err != nil {
				t.Fatalf("a restored state snapshots to bytes that do not restore: %v", err)
			}
		}
	}
	r.finish()
}

// bodyOf returns the body of op's blob: what follows the header.
func bodyOf(t testing.TB, op component.Operator, blob []byte) []byte {
	t.Helper()
	head, _ := beginState(nil, op.(checkpointed).stateDesc())
	if !bytes.HasPrefix(blob, head) {
		t.Fatal("the blob does not start with its header")
	}
	return blob[len(head) : len(blob)-4]
}

// TestCheckpointDoesNotChangeOperator: Snapshot leaves the state as it
// was (its figures, and a second Snapshot gives the same bytes).
func TestCheckpointDoesNotChangeOperator(t *testing.T) {
	for _, c := range checkpointCases() {
		r := newRunner(t, c)
		r.play(genSteps(rand.New(rand.NewPCG(11, 12)), c.join, 100))
		before := r.stats()
		first, second := r.snapshot(), r.snapshot()
		if !bytes.Equal(first, second) {
			t.Errorf("%s: two Snapshots differ", c.name)
		}
		sameStats(t, c.name, r.stats(), before)
	}
}
