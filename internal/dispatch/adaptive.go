package dispatch

import (
	"math"
	"time"
)

// arc is adaptive mode's controller, after Vector's adaptive request
// concurrency: once per mean round trip it looks back at that interval and
// adds 1 to the limit when the limit was reached, nothing signalled
// overload, and the interval's mean round trip was at most the running
// mean; or multiplies the limit by DecreaseRatio (at least 1) on an
// overload or a mean round trip above the running mean + k·σ. The
// running mean and variance are exponentially weighted (EWMAAlpha). Owned
// by the dispatcher's mutex.
type arc struct {
	limit             int
	pastMean, pastVar float64 // seconds
	pastSet           bool
	curSum            float64
	curN              int
	nextUpdate        time.Time
	backPressure      bool
	reached           bool
	increases         uint64
	decreases         uint64
}

// done takes n requests' outcome o at now.
func (a *arc) done(now time.Time, n int, o Outcome, cfg Config) {
	if o.Overload {
		a.backPressure = true
	}
	if !o.Failed && !o.Overload && o.RTT > 0 {
		a.curSum += o.RTT.Seconds() * float64(n)
		a.curN += n
	}
	if !a.pastSet {
		if a.curN > 0 {
			a.pastMean, a.pastSet = a.curSum/float64(a.curN), true
			a.nextUpdate = now.Add(time.Duration(a.pastMean * 1e9))
			a.curSum, a.curN = 0, 0
		}
		return
	}
	if now.Before(a.nextUpdate) {
		return
	}
	cur, have := 0.0, a.curN > 0
	if have {
		cur = a.curSum / float64(a.curN)
	}
	threshold := math.Sqrt(a.pastVar) * cfg.RTTDeviation
	switch {
	case a.limit < cfg.MaxInFlight && a.reached && !a.backPressure && have && cur <= a.pastMean:
		a.limit++
		a.increases++
	case a.limit > 1 && (a.backPressure || (have && cur > a.pastMean+threshold)):
		a.limit = max(1, int(float64(a.limit)*cfg.DecreaseRatio))
		a.decreases++
	}
	if have {
		diff := cur - a.pastMean
		incr := cfg.EWMAAlpha * diff
		a.pastMean += incr
		a.pastVar = (1 - cfg.EWMAAlpha) * (a.pastVar + diff*incr)
	}
	a.nextUpdate = now.Add(time.Duration(a.pastMean * 1e9))
	a.curSum, a.curN = 0, 0
	a.backPressure, a.reached = false, false
}
