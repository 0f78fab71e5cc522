package wait

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRoundTripIsMeasured: the park/wake round trip is measured once and
// is a plausible figure.
func TestRoundTripIsMeasured(t *testing.T) {
	rt := RoundTrip()
	if rt <= 0 || rt > 50*time.Millisecond {
		t.Fatalf("round trip %v", rt)
	}
	if RoundTrip() != rt {
		t.Fatal("RoundTrip measured twice")
	}
}

// TestAdaptiveParksWithoutPushedWork: with only its own timers to wait for,
// adaptive parks at once, however short the expected wait.
func TestAdaptiveParksWithoutPushedWork(t *testing.T) {
	i := NewIdler(Adaptive, NewParker())
	i.RoundTrip = time.Millisecond
	i.expected = time.Microsecond // would spin if work were pushed
	start := time.Now()
	parked := i.Wait(nil, start.Add(2*time.Millisecond), false)
	if !parked || i.Stats().Spins != 0 {
		t.Fatalf("parked %v, stats %+v; want a park and no spin", parked, i.Stats())
	}
	if time.Since(start) < 2*time.Millisecond {
		t.Fatal("Wait returned before its deadline")
	}
}

// TestAdaptiveSpinsOnlyForShortGaps: pushed work that arrives faster than
// a round trip is spun for; work that arrives slower is parked for.
func TestAdaptiveSpinsOnlyForShortGaps(t *testing.T) {
	fast := NewIdler(Adaptive, NewParker())
	fast.RoundTrip = time.Millisecond
	fast.expected = 50 * time.Microsecond
	passes := 0
	// Work comes within the first 16 passes, before any look at the clock,
	// so a slow or busy machine cannot end the spin early.
	fast.Wait(func() bool { passes++; return passes > 10 }, time.Time{}, true)
	if st := fast.Stats(); st.Spins == 0 || st.Parks != 0 {
		t.Fatalf("short gaps: stats %+v; want spins and no park", st)
	}

	slow := NewIdler(Adaptive, NewParker())
	slow.RoundTrip = 10 * time.Microsecond
	slow.expected = time.Millisecond
	slow.Wait(nil, time.Now().Add(time.Millisecond), true)
	if st := slow.Stats(); st.Spins != 0 || st.Parks != 1 {
		t.Fatalf("long gaps: stats %+v; want one park and no spin", st)
	}
}

// TestAdaptiveLearnsTheGap: the expected wait follows the episodes that
// end with work.
func TestAdaptiveLearnsTheGap(t *testing.T) {
	p := NewParker()
	i := NewIdler(Adaptive, p)
	i.RoundTrip = 10 * time.Microsecond // park: work comes slower
	for range 20 {
		var ready atomic.Bool
		go func() {
			time.Sleep(200 * time.Microsecond)
			ready.Store(true)
			p.Unpark()
		}()
		for !ready.Load() {
			i.Wait(ready.Load, time.Time{}, true)
		}
	}
	if i.expected < 150*time.Microsecond || i.expected > 5*time.Millisecond {
		t.Fatalf("expected wait %v after 20 episodes of about 200µs", i.expected)
	}
}

// TestAdaptiveBacksOffWhenPreempted: a spin whose passes are far apart
// (the spinner lost its core) stops, and the next episodes park without
// spinning.
func TestAdaptiveBacksOffWhenPreempted(t *testing.T) {
	i := NewIdler(Adaptive, NewParker())
	i.RoundTrip = time.Hour
	i.expected = time.Millisecond
	// Every pass "loses the core" for 200µs.
	i.Wait(func() bool { time.Sleep(200 * time.Microsecond); return false }, time.Now().Add(50*time.Millisecond), true)
	if i.backoff == 0 {
		t.Fatal("no back-off after a preempted spin")
	}
	spins := i.Stats().Spins
	i.Wait(nil, time.Now().Add(time.Millisecond), true)
	if i.Stats().Spins != spins {
		t.Fatal("spun again right after being preempted")
	}
}

// TestWaitHonoursTheDeadline: spinning strategies return by the deadline.
// Adaptive measures the park/wake round trip on first use, once per
// process; that is done before the clock starts.
func TestWaitHonoursTheDeadline(t *testing.T) {
	RoundTrip()
	for _, s := range []Strategy{BusySpin, Yield, SpinThenPark, Adaptive, Park} {
		i := NewIdler(s, NewParker())
		start := time.Now()
		i.Wait(nil, start.Add(3*time.Millisecond), true)
		if el := time.Since(start); el < 3*time.Millisecond || el > time.Second {
			t.Fatalf("%v: returned after %v for a 3ms deadline", s, el)
		}
	}
}

// TestRoundTripLosesNoWakeOnABusyHost: measuring the round trip on a host
// whose cores are taken never sends a wake-up before the other goroutine
// has announced its park, so no round waits out its one-second timeout.
func TestRoundTripLosesNoWakeOnABusyHost(t *testing.T) {
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 2 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for x := 0; !stop.Load(); x++ {
			}
		})
	}
	start := time.Now()
	rt := measureRoundTrip()
	el := time.Since(start)
	stop.Store(true)
	wg.Wait()
	if el >= time.Second {
		t.Fatalf("measuring the round trip took %v on a busy host (median %v): a wake-up was lost", el, rt)
	}
}
