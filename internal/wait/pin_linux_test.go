//go:build linux

package wait

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestPinToCPURestrictsTheThread(t *testing.T) {
	var allowed unix.CPUSet
	if err := unix.SchedGetaffinity(0, &allowed); err != nil {
		t.Fatalf("SchedGetaffinity: %v", err)
	}
	cpu := -1
	for c := 0; c < len(allowed)*64; c++ {
		if allowed.IsSet(c) {
			cpu = c
		}
	}
	if cpu < 0 {
		t.Fatal("no allowed cpu")
	}
	errc := make(chan error, 1)
	go func() { // exits locked, so the runtime retires the pinned thread
		if err := PinToCPU(cpu); err != nil {
			errc <- err
			return
		}
		var got unix.CPUSet
		if err := unix.SchedGetaffinity(0, &got); err != nil {
			errc <- err
			return
		}
		if got.Count() != 1 || !got.IsSet(cpu) {
			errc <- fmt.Errorf("after PinToCPU(%d) the thread may run on %d cpus", cpu, got.Count())
			return
		}
		errc <- nil
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestPinToCPURejectsMissingCPUs(t *testing.T) {
	for _, cpu := range []int{-1, 1023, 1 << 20} {
		err := PinToCPU(cpu)
		if err == nil {
			t.Errorf("PinToCPU(%d) succeeded", cpu)
			continue
		}
		if !strings.Contains(err.Error(), "cpu") {
			t.Errorf("PinToCPU(%d): error %q does not name the cpu", cpu, err)
		}
	}
}
