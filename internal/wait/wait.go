package wait

import (
	"runtime"
	"time"
)

const (
	// clockEvery is how many spin passes go by between two reads of the
	// clock: a pass (a few atomic loads and an in-place spin) costs far
	// less than reading the clock.
	clockEvery = 16
	// preempted is how long 16 spin passes may take before the spinner
	// counts itself preempted: they take a microsecond or two when it has
	// its core.
	preempted = 50 * time.Microsecond
	// maxBackoff bounds the idle episodes in which Adaptive does not spin
	// after being preempted.
	maxBackoff = 64
)

// Wait idles until hasWork reports work, until passes (zero: no deadline),
// or a park ends, whichever comes first, and reports whether it parked. It
// is Idle for a whole idle episode: between checks of hasWork it spins
// without reading the clock, reading it only every clockEvery passes to
// honour until and the spin budget, so an idle worker does not pay for the
// clock on every pass.
//
// push says whether work came from other goroutines since the loop last
// parked. When it did not, only the loop's own timers (until) can make
// work, so SpinThenPark and Adaptive park at once rather than spin towards
// a known time; SpinThenPark still spins when until is nearer than SpinFor.
//
// Adaptive learns how long idle episodes last before work arrives and
// spins only while that is shorter than RoundTrip, for at most twice the
// expected wait; a spin that finds itself preempted makes it park at once
// for the next episodes (doubling, up to maxBackoff), since on a busy host
// the spinner takes the core the producer needs.
func (i *Idler) Wait(hasWork func() bool, until time.Time, push bool) (parked bool) {
	i.parked = false
	if hasWork != nil && hasWork() {
		return false
	}
	now := time.Now()
	left := time.Duration(-1) // no deadline
	if !until.IsZero() {
		if left = until.Sub(now); left <= 0 {
			return false
		}
	}
	var budget time.Duration
	switch i.Strategy {
	case BusySpin, Yield:
		i.spinUntil(hasWork, now, left, true)
		return false
	case Park:
	case SpinThenPark:
		spin := i.SpinFor
		if spin <= 0 {
			spin = 200 * time.Microsecond
		}
		if push || (left >= 0 && left <= spin) {
			budget = spin
		}
	case Adaptive:
		if push {
			budget = i.adaptiveBudget()
		}
	default:
		panic("BUG: wait: unknown strategy " + i.Strategy.String())
	}
	if left >= 0 && budget > left {
		budget = left
	}
	if budget > 0 {
		found, end, pre := i.spinUntil(hasWork, now, budget, false)
		if pre && i.Strategy == Adaptive {
			i.backoff = min(2*i.backoff+1, maxBackoff)
		}
		if found {
			i.arrived(end.Sub(now))
			return false
		}
		if left >= 0 {
			if left -= end.Sub(now); left <= 0 {
				return false
			}
		}
	}
	d := left
	if d < 0 {
		d = i.MaxPark
		if d <= 0 {
			d = DefaultMaxPark
		}
	}
	woken := i.parkFor(hasWork, d)
	if woken {
		i.arrived(time.Since(now))
	}
	return i.parked
}

// spinUntil spins, checking hasWork every pass, until it reports work or
// d has passed (d < 0: forever, for BusySpin and Yield). It reports
// whether work was found, the clock when it stopped, and whether a spin
// was preempted.
func (i *Idler) spinUntil(hasWork func() bool, start time.Time, d time.Duration, forever bool) (found bool, end time.Time, pre bool) {
	last := start
	for n := 1; ; n++ {
		if i.Strategy == Yield {
			i.yields.Add(1)
			runtime.Gosched()
		} else {
			i.spinInPlace()
			i.spins.Add(1)
		}
		if hasWork != nil && hasWork() {
			return true, time.Now(), pre
		}
		if n%clockEvery != 0 {
			continue
		}
		now := time.Now()
		if now.Sub(last) > preempted && i.Strategy != Yield {
			pre = true
		}
		last = now
		if d >= 0 && now.Sub(start) >= d {
			return false, now, pre
		}
		if !forever && pre {
			return false, now, pre
		}
	}
}

// adaptiveBudget is how long Adaptive spins in this episode.
func (i *Idler) adaptiveBudget() time.Duration {
	if i.backoff > 0 {
		i.backoff--
		return 0
	}
	rt := i.RoundTrip
	if rt <= 0 {
		rt = RoundTrip()
	}
	if i.expected == 0 || i.expected >= rt {
		return 0
	}
	return min(2*i.expected, 4*rt)
}

// arrived records how long an idle episode lasted before work came.
func (i *Idler) arrived(gap time.Duration) {
	if i.expected == 0 {
		i.expected = gap
		return
	}
	i.expected += (gap - i.expected) / 8
}
