package engine_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/engine"
)

// slowSeqPipeline is seqPipeline with a slow transform before the sink:
// with a small budget it passes at most 16 events per sleep, so the ring
// before it fills and holds hundreds of events ahead of every barrier.
func slowSeqPipeline(count, parallelism int, sleep, alignedTimeout string) string {
	return fmt.Sprintf(`tenant: seq
checkpoint: {aligned_timeout: %s}
sources:
  gen: {type: generate, profile: sequence, count: %d, rate: 100000, keys: 50, seed: 5}
transforms:
  keyed: {type: key_by, inputs: [gen], key: [key], buffer: {capacity: 256}}
  per_key: {type: count, inputs: [keyed], key: [key], parallelism: %d, emit: update, buffer: {capacity: 256}}
  slow: {type: slow_io, inputs: [per_key], sleep: %s, buffer: {capacity: 512}}
sinks:
  out: {type: file, inputs: [slow], path: counts.jsonl, flush_every: 0s, buffer: {capacity: 256}}
`, alignedTimeout, count, parallelism, sleep)
}

// checkpointUnderLoad runs the slow pipeline until its rings are full and
// two more checkpoints are written, and returns its checkpoint figures.
func checkpointUnderLoad(t *testing.T, alignedTimeout string) engine.CheckpointStats {
	t.Helper()
	cat := testCatalog(t)
	e, err := engine.New(engine.Config{Workers: 3, Wait: "park", Budget: 16, Log: testLog{t}, StateDir: t.TempDir(), CheckpointInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	tn := start(t, e, parse(t, cat, "seq", slowSeqPipeline(0, 1, "40ms", alignedTimeout)))
	time.Sleep(time.Second) // the rings fill
	want := tn.CheckpointStats().Written + 2
	deadline := time.Now().Add(30 * time.Second)
	for tn.CheckpointStats().Written < want {
		if time.Now().After(deadline) || tn.Err() != nil {
			t.Fatalf("checkpoints: %+v, error %v", tn.CheckpointStats(), tn.Err())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return tn.CheckpointStats()
}

// TestUnalignedCheckpointPassesBackPressure: behind a slow transform the
// rings are full; an aligned checkpoint waits for all of them to drain
// (a second or more here), an unaligned one after its 100ms timeout lets
// the barriers pass and records the queued events instead.
func TestUnalignedCheckpointPassesBackPressure(t *testing.T) {
	aligned := checkpointUnderLoad(t, "0s")
	unaligned := checkpointUnderLoad(t, "100ms")
	t.Logf("aligned: %v; unaligned: %v, %d unaligned, %d in-flight bytes in the last",
		aligned.LastDuration, unaligned.LastDuration, unaligned.Unaligned, unaligned.LastInflightBytes)
	if aligned.Unaligned != 0 || aligned.InflightBytes != 0 {
		t.Errorf("aligned_timeout 0s: %d checkpoints went unaligned with %d bytes", aligned.Unaligned, aligned.InflightBytes)
	}
	if unaligned.Unaligned < 2 || unaligned.LastInflightBytes == 0 {
		t.Errorf("aligned_timeout 100ms under back-pressure: %d unaligned checkpoints, the last with %d in-flight bytes",
			unaligned.Unaligned, unaligned.LastInflightBytes)
	}
	if aligned.LastDuration < 500*time.Millisecond || unaligned.LastDuration > aligned.LastDuration/2 {
		t.Errorf("checkpoint duration aligned %v, unaligned %v: want aligned > 500ms and unaligned below half of it",
			aligned.LastDuration, unaligned.LastDuration)
	}
}

// TestUnalignedCheckpointSurvivesACrash: the slow pipeline checkpointed
// every 50ms, its rounds going unaligned after 20ms, is torn down mid-run
// again and again; each run resumes from the newest checkpoint, replaying
// the in-flight events it recorded. At the end every key's counts run
// 1..n exactly once. With two count instances, the slow transform has two
// inputs, and the count instances take their input from partitioned
// routes.
func TestUnalignedCheckpointSurvivesACrash(t *testing.T) {
	for _, par := range []int{1, 2} {
		t.Run(fmt.Sprintf("parallelism-%d", par), func(t *testing.T) { unalignedCrashes(t, par) })
	}
}

func unalignedCrashes(t *testing.T, par int) {
	cat := testCatalog(t)
	dir, state := t.TempDir(), t.TempDir()
	const n = 6000
	yaml := slowSeqPipeline(n, par, "5ms", "20ms")
	var unaligned uint64
	replayed := 0
	for round := 0; ; round++ {
		var log syncBuilder
		e, err := engine.New(engine.Config{Workers: 3, Wait: "park", Budget: 16, Log: &log, StateDir: state, CheckpointInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		p := parse(t, cat, "seq", yaml)
		p.Dir = dir
		tn := start(t, e, p)
		select {
		case <-tn.Done():
		case <-time.After(time.Duration(300+round*37%200) * time.Millisecond):
		}
		finished := tn.Stats().Finished && tn.Err() == nil
		unaligned += tn.CheckpointStats().Unaligned
		e.Close() // a crash: whatever was not checkpointed is lost
		if strings.Contains(log.String(), "in-flight events") {
			replayed++
		}
		if finished {
			break
		}
		if round > 60 {
			t.Fatal("the tenant never finished")
		}
	}
	rows, lost, dup := checkSequences(t, filepath.Join(dir, "counts.jsonl"))
	t.Logf("%d unaligned checkpoints written, %d runs replayed in-flight events", unaligned, replayed)
	if lost != 0 || dup != 0 || rows != n {
		t.Fatalf("after the crashes: %d rows for %d events, %d counts lost, %d repeated", rows, n, lost, dup)
	}
	if unaligned == 0 || replayed == 0 {
		t.Fatalf("%d unaligned checkpoints, %d runs replayed in-flight events: the test did not test them", unaligned, replayed)
	}
}

// BenchmarkCheckpointUnderBackPressure measures checkpoint durations of a
// back-pressured pipeline (a keyed count feeding a transform that passes
// 64 events per 32ms, about 2,000 a second, behind rings of the default
// 4,096 slots), aligned and unaligned after 200ms, in alternating runs:
// per run the median from barriers to durable of three checkpoints taken
// once the ring before the slow transform is full; reported are the
// medians (and extremes) over the runs, the aligned/unaligned ratio per
// pair, and the in-flight bytes of the last unaligned checkpoint.
//
//	go test -run '^$' -bench CheckpointUnderBackPressure -benchtime 3x ./internal/engine/
func BenchmarkCheckpointUnderBackPressure(b *testing.B) {
	const yaml = `tenant: bp
checkpoint: {interval: 500ms, aligned_timeout: %s}
sources:
  gen: {type: generate, profile: sequence, rate: 200000, keys: 1000, seed: 5}
transforms:
  per_key: {type: count, inputs: [gen], key: [key], parallelism: 2, emit: update}
  slow: {type: slow_io, inputs: [per_key], sleep: 32ms}
sinks:
  out: {type: file, inputs: [slow], path: counts.jsonl, flush_every: 1s}
`
	cat := testCatalog(b)
	var ms [2][]float64
	var inflight [2]int64
	for range b.N {
		for mode, timeout := range []string{"0s", "200ms"} {
			e, err := engine.New(engine.Config{Workers: 2, Budget: 64, Log: testLog{b}, StateDir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			tn := start(b, e, parse(b, cat, "bp", fmt.Sprintf(yaml, timeout)))
			full := func() bool {
				for _, l := range tn.Stats().Links {
					if l.To == "slow" && l.Fill >= 0.9 {
						return true
					}
				}
				return false
			}
			deadline := time.Now().Add(60 * time.Second)
			for !full() && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			var d []float64
			seen := tn.CheckpointStats().Written
			for len(d) < 3 && time.Now().Before(deadline) {
				if s := tn.CheckpointStats(); s.Written > seen {
					seen = s.Written
					d = append(d, float64(s.LastDuration)/1e6)
					inflight[mode] = s.LastInflightBytes
				}
				time.Sleep(time.Millisecond)
			}
			e.Close()
			if len(d) < 3 {
				b.Fatalf("aligned_timeout %s: %d checkpoints in a minute", timeout, len(d))
			}
			slices.Sort(d)
			ms[mode] = append(ms[mode], d[1])
		}
		b.Logf("pair: aligned %.0f ms, unaligned %.0f ms (in-flight %d bytes)", ms[0][len(ms[0])-1], ms[1][len(ms[1])-1], inflight[1])
	}
	ratios := make([]float64, len(ms[0]))
	for i := range ratios {
		ratios[i] = ms[0][i] / ms[1][i]
	}
	slices.Sort(ratios)
	b.ReportMetric(ratios[0], "min_ratio")
	b.ReportMetric(ratios[len(ratios)/2], "median_ratio")
	for mode, name := range []string{"aligned", "unaligned"} {
		slices.Sort(ms[mode])
		b.ReportMetric(ms[mode][0], name+"_min_ms")
		b.ReportMetric(ms[mode][len(ms[mode])/2], name+"_ms")
		b.ReportMetric(ms[mode][len(ms[mode])-1], name+"_max_ms")
	}
	b.ReportMetric(float64(inflight[1]), "unaligned_inflight_bytes")
}
