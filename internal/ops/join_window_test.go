package ops

import (
	"fmt"
	"testing"
	"time"
)

func windowJoinOpts(extra map[string]any) map[string]any {
	o := map[string]any{"mode": "window", "window": "tumbling", "size": time.Minute, "left_key": []string{"k"}, "right_key": []string{"k"}}
	for k, v := range extra {
		o[k] = v
	}
	return o
}

func TestWindowJoinScripts(t *testing.T) {
	runJoinCases(t, []joinCase{
		{"pairs fire at the window end, by key, then left time, then right time", windowJoinOpts(nil),
			[]jstep{jl("b", 10, 1), jr("b", 12, 2), jl("a", 20, 3), jr("a", 40, 4), jl("a", 5, 5), jr("a", 10, 6),
				jr("c", 15, 7), jl("a", 65, 8), jr("a", 70, 9), jwm("59"), jwm("60"), jwm("end")},
			[]string{
				"a L5@5 R6@10 t=59.999999999", "a L5@5 R4@40 t=59.999999999",
				"a L3@20 R6@10 t=59.999999999", "a L3@20 R4@40 t=59.999999999",
				"b L1@10 R2@12 t=59.999999999",
				"a L8@65 R9@70 t=119.999999999",
			}},
		{"equal times keep arrival order", windowJoinOpts(nil),
			[]jstep{jl("a", 5, 2), jl("a", 5, 1), jr("a", 5, 4), jr("a", 5, 3), jwm("end")},
			[]string{"a L2@5 R4@5 t=59.999999999", "a L2@5 R3@5 t=59.999999999", "a L1@5 R4@5 t=59.999999999", "a L1@5 R3@5 t=59.999999999"}},
		{"an event whose window has fired is late", windowJoinOpts(nil),
			[]jstep{jl("a", 5, 1), jwm("70"), jr("a", 20, 2), jl("a", 21, 3), jl("a", 75, 4), jr("a", 80, 5), jwm("end")},
			[]string{"late a R2@20", "late a L3@21", "a L4@75 R5@80 t=119.999999999"}},
		{"allowed lateness: late pairs are emitted at once, then the window is freed",
			windowJoinOpts(map[string]any{"allowed_lateness": 10 * time.Second}),
			[]jstep{jl("a", 5, 1), jr("a", 6, 2), jwm("60"), jr("a", 50, 3), jl("a", 55, 4), jwm("69"), jl("a", 1, 5), jwm("70"), jr("a", 56, 6)},
			[]string{
				"a L1@5 R2@6 t=59.999999999",
				"a L1@5 R3@50 t=59.999999999",
				"a L4@55 R2@6 t=59.999999999", "a L4@55 R3@50 t=59.999999999",
				"a L5@1 R2@6 t=59.999999999", "a L5@1 R3@50 t=59.999999999",
				"late a R6@56",
			}},
		{"hopping windows pair events in every window they share",
			windowJoinOpts(map[string]any{"window": "hopping", "slide": 30 * time.Second}),
			[]jstep{jl("a", 45, 1), jr("a", 50, 2), jr("a", 70, 3), jl("a", 100, 4), jwm("end")},
			[]string{
				"a L1@45 R2@50 t=59.999999999",
				"a L1@45 R2@50 t=89.999999999", "a L1@45 R3@70 t=89.999999999",
				"a L4@100 R3@70 t=119.999999999",
			}},
		{"null keys match nothing", windowJoinOpts(nil),
			[]jstep{jl("", 5, 1), jr("", 6, 2), jl("a", 7, 3), jr("a", 8, 4), jwm("end")},
			[]string{"a L3@7 R4@8 t=59.999999999"}},
	})
}

// TestWindowJoinStateIsFreed: while events stream in time order under a
// watermark, only the open windows' rows are held; at the end nothing is.
func TestWindowJoinStateIsFreed(t *testing.T) {
	for _, extra := range []map[string]any{
		{"size": time.Second, "allowed_lateness": time.Second},
		{"window": "hopping", "size": 2 * time.Second, "slide": time.Second},
	} {
		t.Run(fmt.Sprint(extra), func(t *testing.T) {
			r := newJoinRunner(t, windowJoinOpts(extra))
			w := r.op.(*windowJoin)
			most := 0
			for i := range 2000 {
				at := float64(i) * 0.01 // 100 events a second per side
				r.run([]jstep{jl(fmt.Sprintf("k%d", i%200), at, 1), jr(fmt.Sprintf("k%d", (i+3)%200), at, 2)})
				if i%50 == 49 {
					r.run([]jstep{jwm(fmt.Sprint(at))})
					s := w.stored()
					most = max(most, s[leftSide]+s[rightSide])
				}
			}
			// At most 3s of events (window, lateness, and the watermark's step) are held.
			if most == 0 || most > 2*350 {
				t.Fatalf("held up to %d rows, want between 1 and %d", most, 2*350)
			}
			r.run([]jstep{jwm("end")})
			if s := w.stored(); s != [2]int{} || len(w.panes) != 0 || len(w.starts) != 0 {
				t.Fatalf("state left: rows %v, %d panes, %d starts", s, len(w.panes), len(w.starts))
			}
			if len(r.lines) == 0 {
				t.Fatal("no output")
			}
		})
	}
}
