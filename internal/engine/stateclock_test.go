package engine

import (
	"sync"
	"testing"
	"time"
)

// TestStateClockCountsWhileInTheState: a stay is counted while it lasts
// and the total never goes down, whatever the interleaving with a reader.
func TestStateClockCountsWhileInTheState(t *testing.T) {
	var c stateClock
	c.enter(time.Now().UnixNano())
	time.Sleep(2 * time.Millisecond)
	if d := c.read(); d < 2*time.Millisecond {
		t.Fatalf("read %v during a stay of 2ms", d)
	}
	c.leave()
	done := c.read()
	time.Sleep(time.Millisecond)
	if c.read() != done {
		t.Fatal("the total moved while not in the state")
	}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			c.enter(time.Now().UnixNano())
			c.leave()
		}
	})
	last := c.read()
	for range 100000 {
		d := c.read()
		if d < last {
			close(stop)
			wg.Wait()
			t.Fatalf("total went down from %v to %v", last, d)
		}
		last = d
	}
	close(stop)
	wg.Wait()
}
