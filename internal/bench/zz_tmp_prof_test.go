package bench

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestZZProf2p1c(t *testing.T) {
	var stop atomic.Bool
	time.AfterFunc(2*time.Second, func() { stop.Store(true) })
	st := time.Now()
	n, mb := ringFanIn(&stop, 2)
	t.Logf("%d events %.1fM/s maxbatch %d", n, float64(n)/time.Since(st).Seconds()/1e6, mb)
}
