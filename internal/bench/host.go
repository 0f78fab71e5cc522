package bench

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// A busy host makes every figure low and noisy: other processes take the
// cores the benchmark's threads wait for, and a virtual machine's host may
// steal time from it. Each run records the load average and the steal time
// beside its figures (Extra fields load_avg_1m and steal_percent), and
// bench warns when the machine is busy before a scenario starts or was
// while it ran.
const (
	// busyShare is the share of the machine's CPU time that other
	// processes may use, while the benchmark is idle, before bench warns.
	busyShare = 0.25
	// maxSteal is the steal time, in percent of the CPU time, above which
	// bench warns.
	maxSteal = 5.0
	// preflight is how long bench watches the idle machine before it
	// starts.
	preflight = 300 * time.Millisecond
)

// cpuTimes are the machine's CPU counters from /proc/stat, in clock ticks
// summed over every core.
type cpuTimes struct {
	total, idle, steal uint64
}

// readCPUTimes reads the first line of /proc/stat; ok is false where there
// is none (not Linux).
func readCPUTimes() (t cpuTimes, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return t, false
	}
	return parseCPUTimes(string(b))
}

// parseCPUTimes reads the aggregate "cpu" line: user nice system idle
// iowait irq softirq steal guest guest_nice. Idle counts iowait too; guest
// time is already part of user time, so it is not added again.
func parseCPUTimes(stat string) (t cpuTimes, ok bool) {
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return t, false
	}
	for i, s := range f[1:] {
		if i >= 8 {
			break // guest, guest_nice: inside user and nice
		}
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return cpuTimes{}, false
		}
		t.total += v
		switch i {
		case 3, 4:
			t.idle += v
		case 7:
			t.steal += v
		}
	}
	return t, true
}

// since returns the busy and steal shares of the CPU time between a and t,
// in percent.
func (t cpuTimes) since(a cpuTimes) (busy, steal float64) {
	d := float64(t.total - a.total)
	if t.total <= a.total {
		return 0, 0
	}
	return 100 * (d - float64(t.idle-a.idle)) / d, 100 * float64(t.steal-a.steal) / d
}

// loadAvg1m returns the one-minute load average; ok is false where
// /proc/loadavg is missing.
func loadAvg1m() (float64, bool) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, false
	}
	v, err := strconv.ParseFloat(f[0], 64)
	return v, err == nil
}

// hostWatch measures one run: the steal time over it and the load average
// at its end.
type hostWatch struct {
	start cpuTimes
	ok    bool
}

func watchHost() hostWatch {
	t, ok := readCPUTimes()
	return hostWatch{start: t, ok: ok}
}

// stop returns the run's load average and steal percentage as Extra
// fields, or nil where the counters cannot be read.
func (w hostWatch) stop() map[string]any {
	load, okLoad := loadAvg1m()
	end, okCPU := readCPUTimes()
	if !okLoad || !okCPU || !w.ok {
		return nil
	}
	_, steal := end.since(w.start)
	return map[string]any{"load_avg_1m": load, "steal_percent": steal}
}

// checkIdleHost watches the machine for d while the benchmark does
// nothing, and returns a warning when others keep it busy (or steal its
// time), else "".
func checkIdleHost(d time.Duration) string {
	a, ok := readCPUTimes()
	if !ok {
		return ""
	}
	time.Sleep(d)
	b, ok := readCPUTimes()
	if !ok {
		return ""
	}
	busy, steal := b.since(a)
	load, _ := loadAvg1m()
	return busyWarning(busy, steal, load, runtime.NumCPU())
}

// busyWarning words the warning for a machine whose other processes use
// busy percent of its CPU time, steal steal percent, at load average load
// on cores cores; "" when the machine is quiet enough.
func busyWarning(busy, steal, load float64, cores int) string {
	if busy < 100*busyShare && steal < maxSteal {
		return ""
	}
	return fmt.Sprintf("warning: the machine is busy before the benchmark starts: %.0f%% of its %d cores in use by other "+
		"processes, %.1f%% steal, load average %.2f; figures will be low and vary between runs "+
		"(compare ratios within one run, or run again when it is quiet)", busy, cores, steal, load)
}

// runWarning words the warning for a run that ended at load average load
// (the benchmark's own threads count up to cores) with steal percent
// stolen; "" when neither says the machine was busy.
func runWarning(load, steal float64, cores int) string {
	if load <= float64(cores)+1 && steal < maxSteal {
		return ""
	}
	return fmt.Sprintf("warning: the machine was busy during the run: load average %.2f on %d cores, %.1f%% steal", load, cores, steal)
}
