package engine_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestWorkersHelpADescheduledWorkerAndLoseNothing runs a pipeline split
// over two workers (source and count at parallelism 2, joined by
// partitioned rings with room for two events) while spinning goroutines,
// one per P, keep taking the processor away from the workers, as a busy
// host's other processes take cores: a worker left without work runs the
// actors of the one that is off its processor (the helped-turns counter
// moves), and every run ends, with the same counts as on one worker. A
// wake-up lost between a worker and a helper (both wanting the same actor
// at once) shows as a run that never ends.
func TestWorkersHelpADescheduledWorkerAndLoseNothing(t *testing.T) {
	cat := testCatalog(t)
	const n = 20000
	ref := func() []string {
		_, got := sortedCounts(t, newEngine(t, 1, "spin_then_park"), parse(t, cat, "ref", countPipeline(n, 1, 4096, "block")))
		return got
	}()

	var stop atomic.Bool
	var hogs sync.WaitGroup
	defer func() { stop.Store(true); hogs.Wait() }()
	for range runtime.GOMAXPROCS(0) {
		hogs.Go(func() {
			x := uint64(1)
			for !stop.Load() {
				for k := 0; k < 1<<16; k++ {
					x = x*6364136223846793005 + 1
				}
			}
			_ = x
		})
	}

	var helped uint64
	for run := range 8 {
		e := newEngine(t, 2, "spin_then_park")
		_, got := sortedCounts(t, e, parse(t, cat, fmt.Sprintf("run%d", run), countPipeline(n, 2, 2, "block")))
		if strings.Join(got, "\n") != strings.Join(ref, "\n") {
			t.Fatalf("run %d: counts differ from one worker's:\n got %v\nwant %v", run, got, ref)
		}
		for _, w := range e.WorkerStats() {
			helped += w.Helped
		}
		e.Close()
	}
	if helped == 0 {
		t.Fatal("no worker gave a turn to the other's actors in 8 runs while the workers were kept off their processors")
	}
	t.Logf("helped turns: %d", helped)
}
