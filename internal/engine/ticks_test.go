package engine_test

import (
	"testing"
	"time"
)

// The engine times the ticks of a component that works in ticks: the gaps
// between them are about its period, never shorter, and it counts what
// they emitted.
func TestTickStats(t *testing.T) {
	e := newEngine(t, 1, "park")
	p := parse(t, testCatalog(t), "ticks", `sources:
  gen: {type: generate, profile: sequence, rate: 2000, keys: 10}
transforms:
  per_key: {type: count, inputs: [gen], key: [key], emit: interval, every: 20ms}
sinks:
  out: {type: blackhole, inputs: [per_key]}
`)
	tn := start(t, e, p)
	time.Sleep(400 * time.Millisecond)
	st := tn.Stats()
	tn.Stop()
	waitDone(t, tn, 5*time.Second)
	var found bool
	for _, a := range st.Actors {
		for _, tk := range a.Ticks {
			found = true
			if tk.Component != "per_key" || tk.Every != 20*time.Millisecond {
				t.Fatalf("ticks %+v", tk)
			}
			if tk.Gaps < 5 || int(tk.Gaps) != len(tk.Recent) {
				t.Fatalf("%d gaps, %d recent", tk.Gaps, len(tk.Recent))
			}
			for _, g := range tk.Recent {
				if g < 20*time.Millisecond {
					t.Fatalf("a tick came %v after the previous one, before its period", g)
				}
			}
			if tk.Emitted == 0 || tk.MaxPerTick < 1 || tk.MaxPerTick > 10 {
				t.Fatalf("emitted %d, max per tick %d (10 keys)", tk.Emitted, tk.MaxPerTick)
			}
		}
	}
	if !found {
		t.Fatal("no ticking component reported")
	}
}
