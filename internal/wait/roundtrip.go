package wait

import (
	"runtime"
	"slices"
	"sync"
	"time"
)

var (
	roundTripOnce sync.Once
	roundTrip     time.Duration
)

// roundTripRounds is how many park/wake round trips RoundTrip times.
const roundTripRounds = 32

// RoundTrip is what waking a parked goroutine costs on this machine: the
// median time from an Unpark to the parked goroutine's answer, measured
// once per process on first use (a few milliseconds). Adaptive spins only
// while work arrives faster than this, since a park would then cost more
// than the wait.
func RoundTrip() time.Duration {
	roundTripOnce.Do(func() { roundTrip = measureRoundTrip() })
	return roundTrip
}

func measureRoundTrip() time.Duration {
	ping, pong := NewParker(), NewParker()
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			ping.Prepare()
			// quit is closed before the last Unpark: seen here, or the
			// Unpark finds this goroutine preparing and wakes it.
			select {
			case <-quit:
				ping.Cancel()
				return
			default:
			}
			if ping.Park(time.Second) {
				pong.Unpark()
			}
		}
	}()
	times := make([]time.Duration, 0, roundTripRounds)
	for range roundTripRounds {
		// Wait until the other goroutine has announced its park (an
		// Unpark before that would be lost and this round would time
		// out), then give it time to sleep and its thread to go idle, as
		// a worker between two arrivals would.
		for ping.state.Load() != stateParking {
			runtime.Gosched()
		}
		for t0 := time.Now(); time.Since(t0) < 50*time.Microsecond; {
		}
		pong.Prepare()
		start := time.Now()
		ping.Unpark()
		pong.Park(time.Second)
		times = append(times, time.Since(start))
	}
	close(quit)
	ping.Unpark()
	<-done
	slices.Sort(times)
	return times[len(times)/2]
}
