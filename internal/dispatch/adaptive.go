package dispatch

import (
	"math"
	"time"
)

// arc is adaptive mode's controller, after Vector's adaptive request
// concurrency: once per mean round trip it looks back at that interval and
// adds 1 to the limit when the limit was reached, nothing signalled
// overload, and the interval's mean round trip was at most the running
// mean and near the baseline; or multiplies the limit by DecreaseRatio (at
// least 1) on an overload, a mean round trip above the running mean + k·σ,
// or one above twice the baseline. The running mean and variance are
// exponentially weighted (EWMAAlpha). The baseline is the lowest interval
// mean of the last baselineIntervals intervals, and "near" it is within
// k·σ: unlike the running mean, which follows round trips as a queue
// builds at the consumer and lets Vector's rule keep adding, the baseline
// stays where the consumer answers without a queue, so the limit stops
// growing once requests start to wait there (and, past twice the baseline,
// shrinks). A consumer that really got slower moves the baseline within
// baselineIntervals intervals. Owned by the dispatcher's mutex.
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
	recent            [baselineIntervals]float64 // interval means, seconds
	nRecent           int
}

// baselineIntervals is how many interval means the baseline is the least of.
const baselineIntervals = 64

// baseline is the lowest recent interval mean, or the running mean when
// there is none yet.
func (a *arc) baseline() float64 {
	if a.nRecent == 0 {
		return a.pastMean
	}
	b := math.Inf(1)
	for _, m := range a.recent[:min(a.nRecent, baselineIntervals)] {
		b = min(b, m)
	}
	return b
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
	base := a.baseline()
	switch {
	case a.limit < cfg.MaxInFlight && a.reached && !a.backPressure && have && !above(cur, a.pastMean) && !above(cur, base+threshold):
		a.limit++
		a.increases++
	case a.limit > 1 && (a.backPressure || (have && (above(cur, a.pastMean+threshold) || above(cur, 2*base)))):
		a.limit = max(1, int(float64(a.limit)*cfg.DecreaseRatio))
		a.decreases++
	}
	if have {
		a.recent[a.nRecent%baselineIntervals] = cur
		a.nRecent++
		diff := cur - a.pastMean
		incr := cfg.EWMAAlpha * diff
		a.pastMean += incr
		a.pastVar = (1 - cfg.EWMAAlpha) * (a.pastVar + diff*incr)
	}
	a.nextUpdate = now.Add(time.Duration(a.pastMean * 1e9))
	a.curSum, a.curN = 0, 0
	a.backPressure, a.reached = false, false
}

// above reports x > y beyond rounding: means of equal round trips differ in
// their last bits, which must not read as a slower consumer.
func above(x, y float64) bool { return x > y*(1+1e-9) }
