//go:build linux

package wait

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// PinToCPU locks the calling goroutine to its OS thread and restricts that
// thread to one CPU. The goroutine stays locked: when it exits, the runtime
// retires the thread, so the restriction never leaks to other goroutines.
// Pinning is opt-in; when pinning workers, set GOMAXPROCS to the number of
// pinned workers so the runtime does not schedule more threads than cores.
// It returns an error, leaving the goroutine unlocked, if cpu does not exist
// or the process may not run on it.
func PinToCPU(cpu int) error {
	var set unix.CPUSet
	if cpu < 0 || cpu >= len(set)*64 {
		return fmt.Errorf("cannot pin to cpu %d: no such cpu", cpu)
	}
	runtime.LockOSThread()
	var before unix.CPUSet
	getErr := unix.SchedGetaffinity(0, &before)
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		runtime.UnlockOSThread()
		if getErr == nil {
			return fmt.Errorf("cannot pin to cpu %d (allowed: %s): %w", cpu, cpuList(&before), err)
		}
		return fmt.Errorf("cannot pin to cpu %d: %w", cpu, err)
	}
	return nil
}

func cpuList(s *unix.CPUSet) string {
	var ids []string
	for c := 0; c < len(s)*64; c++ {
		if s.IsSet(c) {
			ids = append(ids, strconv.Itoa(c))
		}
	}
	return strings.Join(ids, ",")
}
