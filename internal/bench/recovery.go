package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"
)

func init() {
	register(&Scenario{
		Name: "recovery",
		Doc: "the kill -9 proof: a pipeline counting events per key (each output row one more than the key's " +
			"last) runs with a state directory, is killed with SIGKILL at random moments 0-6 s apart and " +
			"restarted, --kills times, then runs to its end; every key's counts must run 1, 2, 3, ... with " +
			"none missing or repeated (case single). Cases instances=3 and nats-node run three `run --instance` " +
			"processes on a 3-node NATS cluster in the bench process, relaying a paced generator through a " +
			"6-partition stream to a file per partition, and kill an instance (SIGKILL; takeover_ms is the time " +
			"until the survivors hold its units; it is then restarted) or a NATS node at a time; every id must " +
			"be written once",
		Run: runRecovery,
	})
}

// recoveryYAML is the pipeline under test: each output row is the new
// count of one key, so the file is checked by key without knowing the
// interleaving.
func recoveryYAML(count, rate int64) string {
	return fmt.Sprintf(`tenant: recovery
checkpoint: {interval: 1s}
sources:
  gen: {type: generate, profile: sequence, count: %d, rate: %d, keys: 100, seed: 11}
transforms:
  keyed: {type: key_by, inputs: [gen], key: [key]}
  per_key: {type: count, inputs: [keyed], key: [key], parallelism: 2, emit: update}
sinks:
  out: {type: file, inputs: [per_key], path: counts.jsonl, flush_every: 100ms}
`, count, rate)
}

// RecoveryResult is what a recovery run found.
type RecoveryResult struct {
	Kills, Rows       int
	Lost, Duplicated  int
	RecoveryMs        []float64 // restart to first new output, per restart
	Events            int64
	StateDir, DataDir string
}

// Recovery runs the kill harness: exe (with env) is a greenwave binary;
// kills is how many SIGKILLs; maxGap bounds the time between them.
func Recovery(exe string, env []string, kills int, maxGap time.Duration, progress func(string)) (RecoveryResult, error) {
	var res RecoveryResult
	work, err := os.MkdirTemp("", "greenwave-recovery")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(work)
	state := filepath.Join(work, "state")
	// Enough events that the kills happen before the end: the mean gap
	// times the kills, at the rate.
	const rate = 5000
	events := int64(rate * (float64(kills)*maxGap.Seconds()/2 + 2))
	res.Events = events
	pipeline := filepath.Join(work, "recovery.yaml")
	if err := os.WriteFile(pipeline, []byte(recoveryYAML(events, rate)), 0o644); err != nil {
		return res, err
	}
	out := filepath.Join(work, "counts.jsonl")
	rng := rand.New(rand.NewPCG(7, uint64(kills)))
	start := func() (*exec.Cmd, error) {
		cmd := exec.Command(exe, "run", "--state-dir", state, "--status", "off", "--stop-timeout", "1m", pipeline)
		cmd.Env = append(os.Environ(), env...)
		cmd.Stdout, cmd.Stderr = nil, nil
		return cmd, cmd.Start()
	}
	for k := 0; k < kills; k++ {
		before := fileSize(out)
		cmd, err := start()
		if err != nil {
			return res, err
		}
		began := time.Now()
		gap := time.Duration(rng.Float64() * float64(maxGap))
		recovered := time.Duration(-1)
		// Watch the output for the first row written after the restart:
		// the file shrinks to its checkpoint, then grows.
		low := before
		for time.Since(began) < gap {
			time.Sleep(time.Millisecond)
			s := fileSize(out)
			if s < low {
				low = s
			}
			if recovered < 0 && s > low {
				recovered = time.Since(began)
			}
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		res.Kills++
		if recovered >= 0 {
			res.RecoveryMs = append(res.RecoveryMs, float64(recovered.Microseconds())/1000)
		}
		if progress != nil && (k+1)%10 == 0 {
			progress(fmt.Sprintf("bench recovery: %d of %d kills", k+1, kills))
		}
	}
	// The last run, to the end.
	cmd, err := start()
	if err != nil {
		return res, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	limit := time.Duration(float64(time.Second)*float64(events)/rate) + time.Minute
	select {
	case err := <-done:
		if err != nil {
			return res, fmt.Errorf("the last run failed: %w", err)
		}
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		return res, fmt.Errorf("the last run did not finish within %v", limit)
	}
	rows, lost, dup, err := countSequences(out, events)
	res.Rows, res.Lost, res.Duplicated = rows, lost, dup
	return res, err
}

// countSequences checks the counts file: each key's counts must run 1..n,
// and the counts must add up to events. It returns the rows, the counts
// missing (also those never reached) and the rows repeated.
func countSequences(path string, events int64) (rows, lost, dup int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, 0, err
	}
	defer f.Close()
	last := map[int64]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct{ Key, Count int64 }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return rows, lost, dup, fmt.Errorf("line %d: %w", rows+1, err)
		}
		rows++
		switch prev := last[r.Key]; {
		case r.Count == prev+1:
			last[r.Key] = r.Count
		case r.Count <= prev:
			dup++
		default:
			lost += int(r.Count - prev - 1)
			last[r.Key] = r.Count
		}
	}
	if err := sc.Err(); err != nil {
		return rows, lost, dup, err
	}
	var total int64
	for _, n := range last {
		total += n
	}
	if total < events {
		lost += int(events - total)
	}
	return rows, lost, dup, nil
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

func runRecovery(cfg Config) ([]Result, error) {
	var out []Result
	if cfg.Want("single", "greenwave") {
		r, err := runRecoverySingle(cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, r...)
	}
	for _, c := range []string{"instances=3", "nats-node"} {
		if !cfg.Want(c, "greenwave") {
			continue
		}
		r, err := runRecoveryInstances(cfg, c)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// runRecoveryInstances runs the case instances=3 (kill an instance at a
// time) or nats-node (kill a NATS node at a time).
func runRecoveryInstances(cfg Config, name string) (Result, error) {
	exe, err := os.Executable()
	if err != nil {
		return Result{}, err
	}
	kills := cfg.Kills
	if kills <= 0 {
		kills = 100
	}
	var progress func(string)
	if cfg.Progress != nil {
		progress = func(s string) { fmt.Fprintln(cfg.Progress, s) }
	}
	res, err := RecoveryInstances(exe, kills, 6*time.Second, name == "nats-node", progress)
	if err != nil {
		return Result{}, err
	}
	r := Result{Bench: "recovery", Case: name, Variant: "greenwave", Extra: map[string]any{
		"kills": res.Kills, "lost": res.Lost, "duplicated": res.Duplicated, "rows": res.Rows, "events": res.Events,
	}}
	if len(res.Missing) > 0 {
		r.Extra["missing_ids"] = fmt.Sprint(res.Missing)
	}
	if res.NotInStream >= 0 {
		// Of the ids lost, those the stream never held (lost publishing);
		// the rest were lost reading.
		r.Extra["lost_not_in_stream"] = res.NotInStream
	}
	if res.KeptDir != "" {
		r.Extra["kept"] = res.KeptDir
	}
	if len(res.TakeoverMs) > 0 {
		slices.Sort(res.TakeoverMs)
		r.Extra["takeover_ms_p50"] = res.TakeoverMs[len(res.TakeoverMs)/2]
		r.Extra["takeover_ms_max"] = res.TakeoverMs[len(res.TakeoverMs)-1]
	}
	return r, nil
}

func runRecoverySingle(cfg Config) ([]Result, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	kills := cfg.Kills
	if kills <= 0 {
		kills = 100
	}
	var progress func(string)
	if cfg.Progress != nil {
		progress = func(s string) { fmt.Fprintln(cfg.Progress, s) }
	}
	res, err := Recovery(exe, nil, kills, 6*time.Second, progress)
	if err != nil {
		return nil, err
	}
	r := Result{Bench: "recovery", Case: "single", Variant: "greenwave", Extra: map[string]any{
		"kills": res.Kills, "lost": res.Lost, "duplicated": res.Duplicated, "rows": res.Rows, "events": res.Events,
	}}
	if len(res.RecoveryMs) > 0 {
		slices.Sort(res.RecoveryMs)
		r.Extra["recovery_ms_p50"] = res.RecoveryMs[len(res.RecoveryMs)/2]
		r.Extra["recovery_ms_max"] = res.RecoveryMs[len(res.RecoveryMs)-1]
	}
	return []Result{r}, nil
}
