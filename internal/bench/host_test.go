package bench

import (
	"strings"
	"testing"
)

func TestParseCPUTimes(t *testing.T) {
	// user nice system idle iowait irq softirq steal guest guest_nice
	got, ok := parseCPUTimes("cpu  100 5 50 800 20 1 4 20 30 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n")
	if !ok || got != (cpuTimes{total: 1000, idle: 820, steal: 20}) {
		t.Fatalf("got %+v %v", got, ok)
	}
	later, _ := parseCPUTimes("cpu  200 5 50 1600 20 1 4 120 30 0")
	busy, steal := later.since(got)
	if busy != 100*200.0/1000 || steal != 100*100.0/1000 {
		t.Errorf("busy %v%%, steal %v%%, want 20%% and 10%%", busy, steal)
	}
	for _, bad := range []string{"", "intr 1 2 3", "cpu 1 2 x 4 5"} {
		if _, ok := parseCPUTimes(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestBusyWarnings(t *testing.T) {
	for _, tc := range []struct {
		busy, steal, load float64
		warn              bool
	}{
		{5, 0, 0.3, false},
		{60, 0, 4.5, true}, // two other CPU-bound processes on 2 cores: 100%
		{10, 8, 1, true},
		{24, 4.9, 2, false},
	} {
		w := busyWarning(tc.busy, tc.steal, tc.load, 2)
		if (w != "") != tc.warn {
			t.Errorf("busy %v%% steal %v%% load %v: warning %q, want one: %v", tc.busy, tc.steal, tc.load, w, tc.warn)
		}
		if tc.warn && !strings.Contains(w, "busy") {
			t.Errorf("warning %q does not say the machine is busy", w)
		}
	}
	if w := runWarning(2.9, 0, 2); w != "" {
		t.Errorf("a run at load 2.9 on 2 cores (its own threads) warns: %q", w)
	}
	if w := runWarning(4.2, 0, 2); !strings.Contains(w, "4.20") {
		t.Errorf("a run at load 4.2 on 2 cores: warning %q", w)
	}
}

func TestRunRecordsHostLoad(t *testing.T) {
	register(&Scenario{Name: "hostload-test", Run: func(Config) ([]Result, error) {
		return []Result{{Bench: "hostload-test", Variant: "a"}, {Bench: "hostload-test", Variant: "b", Extra: map[string]any{"x": 1.0}}}, nil
	}})
	defer delete(scenarios, "hostload-test")
	var out, progress strings.Builder
	if err := Run("hostload-test", Config{Runs: 3, Progress: &progress}, &out, true); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("output:\n%s", out.String())
	}
	for _, l := range lines {
		if !strings.Contains(l, `"load_avg_1m":`) || !strings.Contains(l, `"steal_percent":`) {
			t.Errorf("row lacks the host's load: %s", l)
		}
	}
	if !strings.Contains(lines[1], `"x":1`) {
		t.Errorf("the scenario's own extra field is lost: %s", lines[1])
	}
}
