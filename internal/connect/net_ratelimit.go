package connect

import (
	"sync"
	"time"
)

// rateLimiter is a token bucket of events per second shared by every
// request of one source. A request is let through while the bucket is not
// empty and then takes all of its events, possibly into debt, so a request
// larger than the burst is never starved; the debt makes later requests
// wait it out. Safe for concurrent use.
type rateLimiter struct {
	rate  float64 // events per second
	burst float64
	mu    sync.Mutex
	level float64 // tokens; negative is debt
	last  time.Time
}

func newRateLimiter(rate, burst float64, now time.Time) *rateLimiter {
	return &rateLimiter{rate: rate, burst: burst, level: burst, last: now}
}

// take takes n events at now, or reports how long until the bucket is
// not empty again.
func (l *rateLimiter) take(n int, now time.Time) (ok bool, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if el := now.Sub(l.last); el > 0 {
		l.level = min(l.burst, l.level+el.Seconds()*l.rate)
		l.last = now
	}
	if l.level <= 0 {
		return false, time.Duration((-l.level + 1) / l.rate * float64(time.Second))
	}
	l.level -= float64(n)
	return true, 0
}
