package metrics

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// readProcess reads the process's figures from the operating system:
// context switches and CPU time from getrusage (exited threads included),
// run-queue delay and thread count from /proc/self/task/*/schedstat. The
// cumulative figures are raw; Reader keeps them from decreasing (a thread
// that exits takes its run delay with it).
func readProcess() Process {
	p := Process{GoMaxProcs: runtime.GOMAXPROCS(0), Goroutines: runtime.NumGoroutine(), CPUs: cpus()}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	p.HeapBytes = ms.HeapAlloc
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		p.VoluntaryCtxSwitches = uint64(ru.Nvcsw)
		p.InvoluntaryCtxSwitches = uint64(ru.Nivcsw)
		p.CPUSeconds = tv(ru.Utime) + tv(ru.Stime)
	}
	tasks, err := filepath.Glob("/proc/self/task/*/schedstat")
	if err != nil || len(tasks) == 0 {
		return p
	}
	p.ProcOK = true
	p.Threads = len(tasks)
	var delay int64
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread exited meanwhile
		}
		// "<ns on cpu> <ns waiting on a run queue> <timeslices>"
		fs := bytes.Fields(b)
		if len(fs) < 2 {
			continue
		}
		if n, err := strconv.ParseInt(string(fs[1]), 10, 64); err == nil {
			delay += n
		}
	}
	p.RunDelaySeconds = float64(delay) / 1e9
	return p
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// cpus is the number of CPUs the process may run on.
func cpus() int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err == nil {
		if n := set.Count(); n > 0 {
			return n
		}
	}
	return runtime.NumCPU()
}
