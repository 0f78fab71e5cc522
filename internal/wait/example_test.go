package wait_test

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/greenwave/greenwave/internal/wait"
)

// The consumer announces it will sleep, re-checks for work, and only then
// parks; the producer publishes and then unparks. No wake-up is lost.
func ExampleParker() {
	p := wait.NewParker()
	var work atomic.Int64
	go func() {
		time.Sleep(time.Millisecond)
		work.Store(42) // make the work visible first,
		p.Unpark()     // then wake the consumer
	}()
	for work.Load() == 0 {
		p.Prepare()
		if work.Load() != 0 {
			p.Cancel()
			break
		}
		p.Park(time.Second)
	}
	fmt.Println(work.Load())
	// Output: 42
}
