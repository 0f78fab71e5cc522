package bench

import (
	"os"
	"runtime/pprof"
	"testing"
	"time"
)

func TestTmpHeap(t *testing.T) {
	go func() {
		time.Sleep(5 * time.Second)
		f, _ := os.Create("/tmp/cpu1k.prof")
		pprof.StartCPUProfile(f)
		time.Sleep(4 * time.Second)
		pprof.StopCPUProfile()
		f.Close()
	}()
	runTenants(Config{Count: 1000, Duration: 2 * time.Second})
}
