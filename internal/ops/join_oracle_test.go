package ops

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// oracleEvent is one random input event of the oracle tests.
type oracleEvent struct {
	side     int
	key      string
	at       int64 // ns after t0
	v        int64 // unique
	until    int64 // left: ns after t0
	hasUntil bool
}

func (o oracleEvent) step() jstep {
	s := jstep{side: o.side, key: o.key, at: float64(o.at) / 1e9, v: o.v}
	if o.hasUntil {
		s.until, s.hasUntil = float64(o.until)/1e9, true
	}
	return s
}

// event builds the event with its exact nanosecond times.
func (o oracleEvent) event() event.Event {
	e := o.step().event()
	e.Time = t0.UnixNano() + o.at
	e.Fields[2] = tm(e.Time)
	if o.hasUntil {
		e.Fields[3] = tm(t0.UnixNano() + o.until)
	}
	return e
}

// randomEvents returns n events of both sides over 5 keys, 10ms apart in
// arrival order with up to 500ms of disorder; left events carry an until
// up to 1s after their time, or none one time in ten.
func randomEvents(rng *rand.Rand, n int) []oracleEvent {
	evs := make([]oracleEvent, n)
	for i := range evs {
		at := int64(i)*int64(10*time.Millisecond) + rng.Int64N(int64(500*time.Millisecond))
		at -= at % int64(time.Millisecond)
		evs[i] = oracleEvent{side: rng.IntN(2), key: fmt.Sprintf("k%d", rng.IntN(5)), at: at, v: int64(i + 1)}
		if evs[i].side == leftSide && rng.IntN(10) > 0 {
			evs[i].until, evs[i].hasUntil = at+rng.Int64N(int64(time.Second)), true
		}
	}
	return evs
}

// pairLine formats a pair as joinRunner does.
func pairLine(l, r oracleEvent, t int64) string {
	ns := func(x int64) string { return secs(t0.UnixNano() + x) }
	return fmt.Sprintf("%s L%d@%s R%d@%s t=%s", l.key, l.v, ns(l.at), r.v, ns(r.at), ns(t))
}

// runOracle plays evs through the join built from opts, split over par
// instances by Event.Key as the runtime partitions them, with a watermark
// every 20 events that trails the earliest event still to come by lateness
// (so that no event is late, but some arrive behind the watermark). It
// returns the rows, sorted, and checks that every instance ends empty.
func runOracle(t *testing.T, opts map[string]any, evs []oracleEvent, par int, lateness time.Duration) []string {
	t.Helper()
	opts["right_prefix"] = "r_"
	var rs []*joinRunner
	for i := range par {
		ctx := newJoinCtx(t, opts)
		ctx.Instance, ctx.Parallelism = i, par
		inst := build(t, JoinSpec(), ctx)
		rs = append(rs, &joinRunner{t: t, inst: inst, op: inst.Operator})
	}
	for i, o := range evs {
		e := o.event()
		r := rs[e.Key%uint64(par)]
		if err := r.op.Process(o.side, []event.Event{e}, &r.out); err != nil {
			t.Fatal(err)
		}
		r.collect()
		if i%20 != 19 && i != len(evs)-1 {
			continue
		}
		wm := event.MaxWatermark
		if i < len(evs)-1 {
			next := slices.MinFunc(evs[i+1:], func(a, b oracleEvent) int { return cmpInt(a.at, b.at) })
			wm = t0.UnixNano() + next.at - 1 + int64(lateness)
		}
		for _, r := range rs {
			if err := r.op.(component.WatermarkAware).OnWatermark(wm, &r.out); err != nil {
				t.Fatal(err)
			}
			r.collect()
		}
	}
	var lines []string
	for _, r := range rs {
		lines = append(lines, r.lines...)
		var held [2]int
		switch op := r.op.(type) {
		case *windowJoin:
			held = op.stored()
		case *intervalJoin:
			held = op.stored()
		}
		if held != [2]int{} {
			t.Errorf("instance holds %v rows at the end", held)
		}
	}
	slices.Sort(lines)
	return lines
}

func checkOracle(t *testing.T, got, want []string) {
	t.Helper()
	slices.Sort(want)
	if len(want) == 0 {
		t.Fatal("the oracle expects no pairs: the test data is too sparse")
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		for _, l := range got {
			if !slices.Contains(want, l) {
				t.Errorf("unexpected %s", l)
			}
		}
		for _, l := range want {
			if !slices.Contains(got, l) {
				t.Errorf("missing %s", l)
			}
		}
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
}

// TestWindowJoinOracle: random disordered input gives exactly the pairs a
// nested loop finds, with one instance or two, with or without lateness.
func TestWindowJoinOracle(t *testing.T) {
	for _, c := range []struct {
		size, slide, lateness time.Duration
	}{
		{time.Second, time.Second, 0},
		{time.Second, 250 * time.Millisecond, 0},
		{time.Second, time.Second, 300 * time.Millisecond},
	} {
		for seed := range uint64(2) {
			evs := randomEvents(rand.New(rand.NewPCG(seed, 1)), 400)
			var want []string
			for _, l := range evs {
				for _, r := range evs {
					if l.side != leftSide || r.side != rightSide || l.key != r.key {
						continue
					}
					for s := floorDiv(l.at, int64(c.slide)) * int64(c.slide); s > l.at-int64(c.size); s -= int64(c.slide) {
						if r.at >= s && r.at < s+int64(c.size) {
							want = append(want, pairLine(l, r, s+int64(c.size)-1))
						}
					}
				}
			}
			for _, par := range []int{1, 2} {
				t.Run(fmt.Sprintf("size=%v,slide=%v,lateness=%v,seed=%d,par=%d", c.size, c.slide, c.lateness, seed, par), func(t *testing.T) {
					opts := map[string]any{"mode": "window", "window": "hopping", "size": c.size, "slide": c.slide,
						"allowed_lateness": c.lateness, "left_key": []string{"k"}, "right_key": []string{"k"}}
					if c.size == c.slide {
						opts["window"] = "tumbling"
						delete(opts, "slide")
					}
					checkOracle(t, runOracle(t, opts, evs, par, c.lateness), want)
				})
			}
		}
	}
}

// TestIntervalJoinOracle: as TestWindowJoinOracle, for interval bounds on
// both sides of the left time, entirely after or before it, and until.
func TestIntervalJoinOracle(t *testing.T) {
	ms := func(n int64) time.Duration { return time.Duration(n) * time.Millisecond }
	for _, c := range []struct {
		lower, upper time.Duration
		until        bool
		lateness     time.Duration
	}{
		{ms(-200), ms(300), false, 0},
		{ms(100), ms(400), false, 0},
		{ms(-400), ms(-100), false, 0},
		{0, 0, true, 0},
		{ms(-200), ms(300), true, ms(300)},
	} {
		for seed := range uint64(2) {
			evs := randomEvents(rand.New(rand.NewPCG(seed, 2)), 400)
			var want []string
			for _, l := range evs {
				for _, r := range evs {
					if l.side != leftSide || r.side != rightSide || l.key != r.key {
						continue
					}
					lo, hi := l.at+int64(c.lower), l.at+int64(c.upper)
					if c.until {
						if !l.hasUntil {
							continue
						}
						if c.upper == 0 {
							hi = l.until
						}
						hi = min(hi, l.until)
					}
					if r.at >= lo && r.at <= hi {
						want = append(want, pairLine(l, r, max(l.at, r.at)))
					}
				}
			}
			for _, par := range []int{1, 2} {
				t.Run(fmt.Sprintf("lower=%v,upper=%v,until=%v,lateness=%v,seed=%d,par=%d", c.lower, c.upper, c.until, c.lateness, seed, par), func(t *testing.T) {
					opts := map[string]any{"mode": "interval", "lower": c.lower, "allowed_lateness": c.lateness,
						"left_key": []string{"k"}, "right_key": []string{"k"}}
					if c.upper != 0 || !c.until {
						opts["upper"] = c.upper
					}
					if c.until {
						opts["until"] = "until"
					}
					checkOracle(t, runOracle(t, opts, evs, par, c.lateness), want)
				})
			}
		}
	}
}
