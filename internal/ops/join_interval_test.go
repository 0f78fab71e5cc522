package ops

import (
	"fmt"
	"testing"
	"time"
)

func intervalJoinOpts(extra map[string]any) map[string]any {
	o := map[string]any{"mode": "interval", "left_key": []string{"k"}, "right_key": []string{"k"}}
	for k, v := range extra {
		o[k] = v
	}
	return o
}

func TestIntervalJoinScripts(t *testing.T) {
	around := intervalJoinOpts(map[string]any{"lower": -5 * time.Second, "upper": 10 * time.Second})
	after := intervalJoinOpts(map[string]any{"upper": 10 * time.Second})
	runJoinCases(t, []joinCase{
		{"pairs are emitted as soon as both events are there", around,
			[]jstep{jl("a", 10, 1), jr("a", 8, 2), jr("a", 21, 3), jr("a", 20, 4), jl("a", 15, 5), jr("b", 12, 6), jl("b", 3, 7), jr("a", 4, 8)},
			[]string{
				"a L1@10 R2@8 t=10",
				"a L1@10 R4@20 t=20",
				"a L5@15 R3@21 t=21", "a L5@15 R4@20 t=20",
				"b L7@3 R6@12 t=12",
			}},
		{"an event behind the watermark is late", after,
			[]jstep{jl("a", 10, 1), jwm("15"), jr("a", 14, 2), jr("a", 16, 3), jl("a", 12, 4), jwm("21"), jr("a", 19, 5), jr("a", 22, 6), jl("a", 22, 7)},
			[]string{"late a R2@14", "a L1@10 R3@16 t=16", "late a L4@12", "late a R5@19", "a L7@22 R6@22 t=22"}},
		{"allowed lateness joins late events completely",
			intervalJoinOpts(map[string]any{"upper": 10 * time.Second, "allowed_lateness": 5 * time.Second}),
			[]jstep{jl("a", 10, 1), jwm("15"), jr("a", 14, 2), jl("a", 12, 3), jwm("26"), jr("a", 20, 4), jr("a", 21, 5), jwm("27"), jl("a", 21, 6), jl("a", 22, 7), jr("a", 23, 8)},
			[]string{"a L1@10 R2@14 t=14", "a L3@12 R2@14 t=14", "late a R4@20", "a L3@12 R5@21 t=21", "late a L6@21", "a L7@22 R8@23 t=23"}},
		{"until bounds each left event; a null until matches nothing",
			intervalJoinOpts(map[string]any{"until": "until"}),
			[]jstep{jlu("a", 0, 1, 30), jlu("a", 5, 2, 8), jl("a", 1, 3), jr("a", 10, 4), jr("a", 30, 5), jr("a", 31, 6), jr("a", 7, 7), jlu("a", 9, 8, 4)},
			[]string{"a L1@0 R4@10 t=10", "a L1@0 R5@30 t=30", "a L1@0 R7@7 t=7", "a L2@5 R7@7 t=7"}},
		{"upper and until: the earlier bound wins",
			intervalJoinOpts(map[string]any{"upper": 20 * time.Second, "until": "until"}),
			[]jstep{jlu("a", 0, 1, 30), jlu("a", 0, 2, 10), jr("a", 15, 3), jr("a", 25, 4)},
			[]string{"a L1@0 R3@15 t=15"}},
		{"negative bounds: right events before the left one, joined although their bound has passed",
			intervalJoinOpts(map[string]any{"lower": -10 * time.Second, "upper": -5 * time.Second}),
			[]jstep{jr("a", 0, 1), jr("a", 4, 2), jl("a", 10, 3), jwm("9"), jl("a", 11, 4), jwm("12"), jl("a", 13, 5), jr("a", 14, 6)},
			[]string{"a L3@10 R1@0 t=10", "a L3@10 R2@4 t=10", "a L4@11 R2@4 t=11", "a L5@13 R2@4 t=13"}},
		{"null keys match nothing", after,
			[]jstep{jl("", 1, 1), jr("", 2, 2), jl("a", 1, 3), jr("a", 2, 4)},
			[]string{"a L3@1 R4@2 t=2"}},
	})
}

// TestIntervalJoinStateIsFreed: rows live only until the watermark passes
// their bound, keys only while they hold rows, and nothing is left at the
// end.
func TestIntervalJoinStateIsFreed(t *testing.T) {
	for _, extra := range []map[string]any{
		{"lower": -time.Second, "upper": time.Second},
		{"lower": -time.Second, "upper": time.Second, "allowed_lateness": time.Second},
		{"until": "until"},
	} {
		t.Run(fmt.Sprint(extra), func(t *testing.T) {
			r := newJoinRunner(t, intervalJoinOpts(extra))
			j := r.op.(*intervalJoin)
			most := 0
			for i := range 2000 {
				at := float64(i) * 0.01 // 100 events a second per side
				key := fmt.Sprintf("k%d", i%500)
				r.run([]jstep{jlu(key, at, 1, at+0.5), jr(key, at, 2)})
				if i%50 == 49 {
					r.run([]jstep{jwm(fmt.Sprint(at))})
					s := j.stored()
					most = max(most, s[leftSide]+s[rightSide])
				}
			}
			// At most 3.5s of events (bound, lateness, and the watermark's step) per side.
			if most == 0 || most > 2*350 {
				t.Fatalf("held up to %d rows, want between 1 and %d", most, 2*350)
			}
			r.run([]jstep{jwm("end")})
			if s := j.stored(); s != [2]int{} || j.openKeys() != 0 || len(j.index) != 0 || j.expiry[leftSide].len()+j.expiry[rightSide].len() != 0 {
				t.Fatalf("state left: rows %v, %d keys, %d in the index", s, j.openKeys(), len(j.index))
			}
			if len(r.lines) == 0 {
				t.Fatal("no output")
			}
		})
	}
}
