package wait

import (
	"runtime"
	"sync/atomic"
	"time"
)

const (
	// DefaultSpins is SpinThenPark's number of idle passes before parking
	// when Idler.Spins is 0: half spin in place, half yield. With a
	// poll pass of a few hundred nanoseconds this is tens of microseconds,
	// longer than a park/wake round trip, so a worker fed at a steady rate
	// stays awake.
	DefaultSpins = 64
	// DefaultMaxPark is the longest single park when Idler.MaxPark is 0.
	DefaultMaxPark = 10 * time.Millisecond
	// spinIterations is the length of one in-place spin: roughly the
	// runtime's procyield(30) budget.
	spinIterations = 64
)

// Idler applies a Strategy to a loop that polls for work. It is owned by
// the polling goroutine and not safe for concurrent use, except Stats,
// which any goroutine may call. Make one with NewIdler; the exported fields
// may be changed between calls by the owner.
type Idler struct {
	Strategy Strategy
	// Spins is SpinThenPark's number of idle passes before parking
	// (DefaultSpins if 0). It is ignored when SpinFor is set.
	Spins int
	// SpinFor, when positive, makes SpinThenPark spin for this long after
	// the first idle pass (in place for the first half, yielding for the
	// second) before it parks, however many passes that takes. Set it near
	// the park/wake round trip of the machine (about 100 µs), so a worker
	// fed at a steady rate stays awake and an idle one soon sleeps.
	SpinFor time.Duration
	// MaxPark bounds a single park so timers still fire (DefaultMaxPark if
	// 0; negative means a timer is already due, so do not park now).
	MaxPark time.Duration
	// Parker is what Park and SpinThenPark sleep on and producers Unpark.
	Parker *Parker
	// RoundTrip is Adaptive's park/wake round trip (0: RoundTrip(),
	// measured once per process).
	RoundTrip time.Duration

	idle      int       // consecutive idle passes since work
	parked    bool      // the last Idle or Sleep parked
	idleSince time.Time // first idle pass since work (SpinFor only)
	idleLast  time.Time // the clock at the latest look (SpinFor only)
	sink      uint64    // keeps the in-place spin from being optimised away
	// Adaptive: the expected wait before work arrives (a moving average of
	// idle episodes ended by work) and the episodes left without spinning
	// after a preempted spin.
	expected time.Duration
	backoff  int

	parks, wakes, spins, yields atomic.Uint64
}

// IdleStats counts what an Idler did: Parks (times it slept), Wakes (of
// those, woken by Unpark rather than by the timeout), Spins (in-place spin
// passes), Yields (runtime.Gosched passes).
type IdleStats struct{ Parks, Wakes, Spins, Yields uint64 }

// NewIdler returns an Idler for strategy s that parks on p (p may be nil
// for Yield and BusySpin).
func NewIdler(s Strategy, p *Parker) *Idler {
	return &Idler{Strategy: s, Parker: p}
}

// Idle is called after a pass found no work. BusySpin returns at once;
// Yield calls runtime.Gosched; SpinThenPark spins in place for the first
// half of its Spins idle passes, yields for the second half, then parks;
// Park parks at once. Before parking it announces the intent (Prepare) and
// calls hasWork (nil means no work): if that finds work, Idle returns
// without sleeping. After a wake-up by Unpark, SpinThenPark spins again
// before its next park, since more work tends to follow.
func (i *Idler) Idle(hasWork func() bool) {
	i.parked = false
	switch i.Strategy {
	case BusySpin:
		i.spins.Add(1)
	case Yield:
		i.yields.Add(1)
		runtime.Gosched()
	case SpinThenPark:
		if i.SpinFor > 0 {
			i.spinFor(hasWork)
			return
		}
		limit := i.Spins
		if limit <= 0 {
			limit = DefaultSpins
		}
		if i.idle < limit {
			i.idle++
			if i.idle <= (limit+1)/2 {
				i.spinInPlace()
				i.spins.Add(1)
			} else {
				i.yields.Add(1)
				runtime.Gosched()
			}
			return
		}
		if i.park(hasWork) {
			i.idle = 0
		}
	case Park:
		i.park(hasWork)
	case Adaptive:
		var until time.Time
		if i.MaxPark < 0 {
			return
		}
		if i.MaxPark > 0 {
			until = time.Now().Add(i.MaxPark)
		}
		i.Wait(hasWork, until, true)
	default:
		panic("BUG: wait: unknown strategy " + i.Strategy.String())
	}
}

// Parked reports whether the Idle or Sleep call that just returned parked
// (as opposed to spinning, yielding, or finding work before parking).
func (i *Idler) Parked() bool { return i.parked }

// Sleep is Idle for a loop that knows no work can arrive unannounced
// before its next timer (MaxPark): SpinThenPark and Park park at once,
// since spinning would only wait for the timer; Yield and BusySpin, chosen
// to never sleep, behave as in Idle.
func (i *Idler) Sleep(hasWork func() bool) {
	i.parked = false
	switch i.Strategy {
	case SpinThenPark, Park, Adaptive:
		if i.park(hasWork) {
			i.idle = 0
		}
	default:
		i.Idle(hasWork)
	}
}

// spinFor is SpinThenPark with a time budget instead of a pass count.
func (i *Idler) spinFor(hasWork func() bool) {
	// Reading the clock costs as much as a short spin: look at it on the
	// first idle pass and every 16th after.
	if i.idle == 0 {
		i.idleSince = time.Now()
		i.idleLast = i.idleSince
	} else if i.idle%16 == 0 {
		i.idleLast = time.Now()
	}
	i.idle++
	switch el := i.idleLast.Sub(i.idleSince); {
	case el < i.SpinFor && i.idle%64 != 0:
		// Spin in place: a Gosched can cost milliseconds when the
		// scheduler has other work, which is what this budget avoids.
		i.spinInPlace()
		i.spins.Add(1)
	case el < i.SpinFor:
		// Now and then let other goroutines run.
		i.yields.Add(1)
		runtime.Gosched()
	default:
		if i.park(hasWork) {
			i.idle = 0
		}
	}
}

// park sleeps on the Parker unless hasWork finds work after Prepare. It
// reports whether an Unpark woke it.
func (i *Idler) park(hasWork func() bool) bool {
	d := i.MaxPark
	if d < 0 {
		return false
	}
	if d == 0 {
		d = DefaultMaxPark
	}
	return i.parkFor(hasWork, d)
}

// parkFor parks for at most d (> 0) unless hasWork finds work after
// Prepare, and reports whether an Unpark woke it.
func (i *Idler) parkFor(hasWork func() bool, d time.Duration) bool {
	p := i.Parker
	if p == nil {
		panic("BUG: wait: Idler with strategy " + i.Strategy.String() + " has no Parker")
	}
	p.Prepare()
	if hasWork != nil && hasWork() {
		p.Cancel()
		return false
	}
	i.parks.Add(1)
	i.parked = true
	woken := p.Park(d)
	if woken {
		i.wakes.Add(1)
	}
	return woken
}

// spinInPlace burns a few hundred cycles without touching shared memory.
func (i *Idler) spinInPlace() {
	x := i.sink
	for k := uint64(0); k < spinIterations; k++ {
		x = x*6364136223846793005 + k
	}
	i.sink = x
}

// Worked resets escalation after a pass that found work.
func (i *Idler) Worked() { i.idle = 0 }

// Stats returns the counters. Safe from any goroutine.
func (i *Idler) Stats() IdleStats {
	return IdleStats{
		Parks:  i.parks.Load(),
		Wakes:  i.wakes.Load(),
		Spins:  i.spins.Load(),
		Yields: i.yields.Load(),
	}
}
