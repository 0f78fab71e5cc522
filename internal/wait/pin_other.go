//go:build !linux

package wait

import (
	"fmt"
	"runtime"
)

// PinToCPU is only supported on Linux; elsewhere it returns an error and
// leaves the goroutine as it was.
func PinToCPU(cpu int) error {
	return fmt.Errorf("cannot pin to cpu %d: cpu pinning is only supported on linux, not %s", cpu, runtime.GOOS)
}
