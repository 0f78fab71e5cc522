package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// runMain runs the command line; the engine's goroutines may still log
// after Main returns (a stop that gave up), so the buffers are locked.
func runMain(args ...string) (code int, stdout, stderr string) {
	var out, errb lockedBuffer
	code = Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers: a run that
// gives up on a stuck tenant returns while its engine may still log.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestSimPositional(t *testing.T) {
	// The article's first command, shortened to two virtual seconds.
	code, out, errs := runMain("sim", "2", "uniform", "200000", "uniform", "uniform", "200000")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"latency (s)  | mean      | p95       | p99       | max       |",
		"total        | 0.0005    | 0.0005    | 0.0005    | 0.0005    |",
		"limit 150 requests",
		"queue        max 100, final 0, bounded",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestSimPositionalGoalAndFactor(t *testing.T) {
	code, out, errs := runMain("sim", "1", "uniform", "20000", "poisson", "uniform", "20000", "1000", "3", "--seed", "7")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "poisson every 0.001 s, factor 3, limit 60 requests") || !strings.Contains(out, "seed 7") {
		t.Errorf("goal, factor or seed not applied:\n%s", out)
	}
	// The same through flags and the explicit subcommand name.
	code, out2, errs := runMain("sim", "run", "1", "uniform", "20000", "poisson", "uniform", "20000", "--goal", "1000", "--factor", "3", "--seed", "7")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if out2 != out {
		t.Errorf("flags and positionals differ:\n%s\n%s", out, out2)
	}
}

func TestSimSeedReproduces(t *testing.T) {
	args := []string{"sim", "1", "poisson", "15000", "expdelay", "capdelay", "20000", "--seed", "3", "--json"}
	_, a, _ := runMain(args...)
	_, b, _ := runMain(args...)
	if a == "" || a != b {
		t.Fatalf("same seed, different output:\n%s\n%s", a, b)
	}
	_, c, _ := runMain(append(args[:len(args)-2:len(args)-2], "4", "--json")...)
	if c == a {
		t.Fatal("a different seed gave the same output")
	}
}

func TestSimJSON(t *testing.T) {
	code, out, errs := runMain("sim", "2", "uniform", "16000", "poisson", "uniform", "20000", "--json", "--consumer-model", "queue-depth:30")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"producer_rate", "consumer_rate", "max_queue", "max_in_consumer", "bounded", "latency_s", "consumer_latency_s"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if m["consumer_model"] != "queue-depth:30" || m["bounded"] != false {
		t.Errorf("consumer model %v, bounded %v", m["consumer_model"], m["bounded"])
	}
	lat := m["latency_s"].(map[string]any)
	for _, k := range []string{"mean", "p95", "p99", "max"} {
		if v, ok := lat[k].(float64); !ok || v <= 0 {
			t.Errorf("latency_s.%s = %v", k, lat[k])
		}
	}
}

func TestSimSweep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sweep")
	code, out, errs := runMain("sim", "sweep", "--quick", "--duration", "0.5", "--consumer-rate", "20000", "--fractions", "0.5,0.9", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "closed form") || !strings.Contains(out, "wrote "+filepath.Join(dir, "effective-rate.png")) {
		t.Errorf("unexpected output:\n%s", out)
	}
	for _, f := range []string{"latency.csv", "effective.csv", "latency-p500us-f1.5.svg", "latency-p500us-f1.5.png", "effective-rate.svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	if errs != "" {
		t.Errorf("stderr is not a terminal, yet got %q", errs)
	}
}

// TestSimUserErrors: each mistake exits non-zero with one line on stderr
// that names the bad value.
func TestSimUserErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown delay process", []string{"sim", "10", "uniform", "1000", "poison", "uniform", "2000"}, `"poison"`},
		{"limit below one", []string{"sim", "10", "uniform", "100", "uniform", "uniform", "1000"}, "dispatch limit 0.75 requests"},
		{"negative rate", []string{"sim", "10", "uniform", "-5", "uniform", "uniform", "2000"}, "-5"},
		{"negative rate after --", []string{"sim", "--", "10", "uniform", "-5", "uniform", "uniform", "2000"}, `producer rate "-5"`},
		{"zero consumer rate", []string{"sim", "10", "uniform", "5", "uniform", "uniform", "0"}, `consumer rate "0"`},
		{"bad duration", []string{"sim", "ten", "uniform", "5", "uniform", "uniform", "2000"}, `duration "ten"`},
		{"bad factor", []string{"sim", "10", "uniform", "5", "uniform", "uniform", "20000", "500", "x"}, `goal factor "x"`},
		{"goal twice", []string{"sim", "10", "uniform", "5", "uniform", "uniform", "20000", "500", "--goal", "250"}, `latency goal given twice`},
		{"bad consumer model", []string{"sim", "10", "uniform", "5", "uniform", "uniform", "20000", "--consumer-model", "square"}, `"square"`},
		{"missing arguments", []string{"sim", "10", "uniform"}, "expected"},
		{"sweep bad jitter", []string{"sim", "sweep", "--quick", "--jitter", "gauss"}, `"gauss"`},
		{"sweep limit below one", []string{"sim", "sweep", "--quick", "--consumer-rate", "1000"}, "dispatch limit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runMain(c.args...)
			if code == 0 {
				t.Fatalf("exit 0, output:\n%s", out)
			}
			if strings.Count(errs, "\n") != 1 || !strings.Contains(errs, c.want) {
				t.Fatalf("stderr %q: want one line containing %q", errs, c.want)
			}
		})
	}
}

// TestSimRefusesAnUnboundedQueue: a run whose parameters show that its
// queue must pass the cap is refused before it starts, with one line and a
// non-zero exit.
func TestSimRefusesAnUnboundedQueue(t *testing.T) {
	code, out, errs := runMain("sim", "100", "uniform", "1e8", "uniform", "uniform", "10000")
	want := "greenwave: sim: refused: the queue must grow past the cap of 67108864 requests: the producer adds 1e+08/s, " +
		"the dispatcher and consumer take at most 10000/s, so about 1e+10 requests would wait after 100 s (raise --max-queue or shorten the run)\n"
	if code == 0 || out != "" || errs != want {
		t.Fatalf("exit %d, stdout %q, stderr %q; want a refusal:\n%s", code, out, errs, want)
	}
	code, _, errs = runMain("sim", "2", "uniform", "20000", "uniform", "uniform", "10000", "--max-queue", "10000")
	if code == 0 || !strings.Contains(errs, "refused: the queue must grow past the cap of 10000 requests") {
		t.Fatalf("exit %d, stderr %q: want a refusal at --max-queue 10000", code, errs)
	}
}

// TestSimStopsAtTheCap: a run that reaches the cap stops there; its report
// says so, and the command exits non-zero with one line.
func TestSimStopsAtTheCap(t *testing.T) {
	code, out, errs := runMain("sim", "2", "uniform", "20000", "uniform", "uniform", "10000", "--max-queue", "19000")
	if code == 0 || errs != "greenwave: sim: capped: the run stopped at 1.899 s of 2 s, when it held 19000 requests (--max-queue)\n" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if !strings.Contains(out, "capped       the run stopped at 1.899 s of 2 s") || !strings.Contains(out, "capped at 19000 requests held") {
		t.Fatalf("report does not say the run was capped:\n%s", out)
	}
	code, out, _ = runMain("sim", "2", "uniform", "20000", "uniform", "uniform", "10000", "--max-queue", "19000", "--json")
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); code == 0 || err != nil || m["capped"] != true || m["queue_cap"] != 19000.0 || m["bounded"] != false {
		t.Fatalf("exit %d, JSON %s: want capped at 19000, not bounded", code, out)
	}
	if code, _, errs := runMain("sim", "2", "uniform", "20000", "uniform", "uniform", "10000", "--max-queue", "0"); code != 2 || !strings.Contains(errs, "--max-queue 0") {
		t.Fatalf("--max-queue 0: exit %d, stderr %q", code, errs)
	}
}

// TestSimSweepCountsCappedRunsAsUnbounded: a sweep refuses none of its
// runs; one that reaches the cap is simply not bounded.
func TestSimSweepCountsCappedRunsAsUnbounded(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sweep")
	code, _, errs := runMain("sim", "sweep", "--quick", "--duration", "1", "--consumer-rate", "20000", "--fractions", "0.5,2",
		"--effective-factors", "1", "--max-queue", "500", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	data, err := os.ReadFile(filepath.Join(dir, "latency.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(string(data)), "\n")
	header := strings.Split(rows[0], ",")
	col := func(name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		t.Fatalf("latency.csv has no column %q", name)
		return -1
	}
	var capped int
	for _, r := range rows[1:] {
		f := strings.Split(r, ",")
		switch f[col("rate_fraction")] {
		case "2":
			if f[col("capped")] != "true" || f[col("bounded")] != "false" {
				t.Errorf("producer at twice the consumer rate: %s", r)
			}
			capped++
		case "0.5":
			if f[col("capped")] != "false" {
				t.Errorf("producer at half the consumer rate capped: %s", r)
			}
		}
	}
	if capped != 3 {
		t.Fatalf("%d capped rows, want 3 (one per jittered component)", capped)
	}
}
