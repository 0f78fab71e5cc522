package sim

import (
	"fmt"
	"math"
	"strconv"
)

// capMargin is how far above the cap QueueFloor must lie for CheckQueue to
// refuse a run: the floor is an expectation, and a run whose floor only
// just passes the cap might stay under it by chance.
const capMargin = 1.1

// Throughputs returns, in requests per second, the producer's mean rate
// and the most the dispatcher and consumer can remove together on
// average: the lesser of the consumer's mean service rate (its rate over
// its process's MeanFactor; the queue-depth model only slows it) and the
// dispatcher's (the dispatch limit per mean wake-up gap). Both are upper
// bounds of what a run achieves, unlike the closed form (see ClosedForm),
// which runs may beat by a little.
func (c Config) Throughputs() (in, out float64) {
	in = c.ProducerRate / c.ProducerDelays.MeanFactor()
	out = c.ConsumerRate / c.ConsumerDelays.MeanFactor()
	if limit, err := c.Limit(); err == nil {
		out = min(out, float64(limit)/(c.Goal.Seconds()*c.dispatcherMeanFactor()))
	}
	return in, out
}

// QueueFloor returns how many requests a run of c is expected to hold at
// its end at least: the producer's mean rate less the most the dispatcher
// and consumer can remove, over the run (0 when they keep up). The queue
// can only be longer: the bound on what leaves is an upper bound.
func (c Config) QueueFloor() float64 {
	in, out := c.Throughputs()
	return max(0, (in-out)*c.Duration.Seconds())
}

// QueueError is CheckQueue's refusal: a run whose parameters show that the
// requests it holds must grow past the cap.
type QueueError struct {
	Cap       int
	Floor     float64 // QueueFloor
	In, Out   float64 // Throughputs
	DurationS float64
}

func (e *QueueError) Error() string {
	return fmt.Sprintf("the queue must grow past the cap of %d requests: the producer adds %s/s, the dispatcher and consumer take at most %s/s, so about %.3g requests would wait after %s s",
		e.Cap, rateText(e.In), rateText(e.Out), e.Floor, strconv.FormatFloat(e.DurationS, 'g', -1, 64))
}

// CheckQueue reports, before a run, a queue that must grow past the cap:
// a *QueueError when QueueFloor exceeds the cap by more than 10%. A run
// that may reach the cap without having to is not refused; Run stops it at
// the cap instead. Sweeps do not call it: they run every point and count
// a capped run as not bounded.
func (c Config) CheckQueue() error {
	floor, cap := c.QueueFloor(), c.queueCap()
	if floor <= capMargin*float64(cap) {
		return nil
	}
	in, out := c.Throughputs()
	return &QueueError{Cap: cap, Floor: floor, In: in, Out: out, DurationS: c.Duration.Seconds()}
}

// rateText writes a rate with up to four significant digits.
func rateText(v float64) string {
	if v >= 1e6 {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
}
