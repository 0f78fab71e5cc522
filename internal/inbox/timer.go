package inbox

import "time"

// waitTimer waits for a signal or a timeout, reusing one timer across the
// waits of a loop. It is owned by the waiting goroutine; its zero value is
// ready, and stop releases the timer.
type waitTimer struct{ t *time.Timer }

// wait returns when ch is closed (or sends) or after left has passed.
func (w *waitTimer) wait(ch <-chan struct{}, left time.Duration) {
	if w.t == nil {
		w.t = time.NewTimer(left)
	} else {
		w.t.Reset(left)
	}
	select {
	case <-ch:
	case <-w.t.C:
	}
}

// stop releases the timer.
func (w *waitTimer) stop() {
	if w.t != nil {
		w.t.Stop()
	}
}
