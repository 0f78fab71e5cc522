package sim

import (
	"fmt"
	"time"
)

// Result is what one simulation measured. Latencies cover the requests that
// completed within the run; requests still queued or in the consumer at the
// end are counted in FinalQueue and FinalInConsumer.
type Result struct {
	Config Config
	Limit  int // requests the consumer may hold

	Produced   int64 // requests the producer emitted
	Dispatched int64 // requests moved into the consumer
	Completed  int64 // requests the consumer finished

	MaxQueue        int // longest dispatcher queue, seen just before a wake-up's dispatch
	FinalQueue      int
	MaxInConsumer   int
	FinalInConsumer int

	// QueueMeans are the mean dispatcher queue lengths, sampled at each
	// wake-up before dispatch, over the four quarters of the run.
	QueueMeans [4]float64
	// Growth is the estimated growth of the dispatcher queue in requests
	// per second (see Bounded).
	Growth float64
	// Bounded reports whether the dispatcher queue stayed bounded (see the
	// package documentation for the exact rule). A capped run is not.
	Bounded bool

	// Capped reports that the run stopped early, at Ran, because the
	// requests it held reached the cap (Config.QueueCap). Counts and
	// latencies then cover the run up to Ran, and Growth is the dispatcher
	// queue's mean growth up to it.
	Capped bool
	Ran    time.Duration // virtual time simulated: Duration, or less when capped

	Total      Latency // completion − arrival
	InConsumer Latency // completion − dispatch
}

// Run simulates c and returns what it measured. It fails only when c is not
// valid. Run allocates nothing per request: its memory is two HDR count
// arrays plus the request line (see line), which grows only as far as it is
// ever filled, and never past the cap: a run stops when the requests it
// holds reach c.QueueCap (Result.Capped). Run keeps no shared state, so
// calls from several goroutines are independent.
func Run(c Config) (Result, error) {
	if err := c.Validate(); err != nil {
		return Result{}, err
	}
	limit, _ := c.Limit()
	held := c.queueCap()
	end := int64(c.Duration)
	prod := newSource(c.ProducerDelays, 1e9/c.ProducerRate, c.Seed, streamProducer)
	disp := newSource(c.DispatcherDelays, float64(c.Goal), c.Seed, streamDispatcher)
	if c.DispatcherGaps != nil {
		disp = newMeasuredSource(c.DispatcherGaps.d, c.Seed, streamDispatcher)
	}
	cons := newSource(c.ConsumerDelays, 1e9/c.ConsumerRate, c.Seed, streamConsumer)
	model := c.ConsumerModel
	linear := model.Linear()
	total, inside := newRecorder(end), newRecorder(end)
	var (
		ln              line
		maxQueue, maxIn int
		qsum            [4]float64
		qcnt            [4]int64
		capped          bool
	)
	tArr := prod.next()
	tWake := disp.next()
	var tDone int64 // next completion; meaningful while ln.inside() > 0

	// Between two wake-ups, arrivals only touch the dispatcher queue and
	// completions only the consumer, so each runs ahead to the wake-up on
	// its own. At equal times, arrivals and completions come before the
	// dispatch. The last pass runs them up to the end without a dispatch.
	for {
		t, last := tWake, tWake > end
		if last {
			t = end
		}
		for tArr <= t {
			// The line holds every request from its arrival to the
			// completion pass of the wake-up after it: the cap bounds
			// what it holds.
			if ln.held() >= held {
				capped, end = true, tArr
				break
			}
			ln.arrive(tArr)
			tArr += prod.next()
		}
		if capped {
			break
		}
		for ln.inside() > 0 && tDone <= t {
			a, d := ln.complete()
			total.record(tDone - a)
			inside.record(tDone - d)
			if n := ln.inside(); n > 0 {
				if linear {
					tDone += cons.next()
				} else {
					tDone += cons.nextScaled(model.multiplier(n))
				}
			}
		}
		if last {
			break
		}

		ql := ln.queued()
		maxQueue = max(maxQueue, ql)
		k := min(int(t*4/end), 3)
		qsum[k] += float64(ql)
		qcnt[k]++

		if n := min(limit-ln.inside(), ql); n > 0 {
			idle := ln.inside() == 0
			ln.dispatch(n, t)
			if idle {
				if linear {
					tDone = t + cons.next()
				} else {
					tDone = t + cons.nextScaled(model.multiplier(n))
				}
			}
			maxIn = max(maxIn, ln.inside())
		}
		tWake += disp.next()
	}

	r := Result{
		Config:          c,
		Limit:           limit,
		Capped:          capped,
		Ran:             time.Duration(end),
		Produced:        int64(ln.tail),
		Dispatched:      int64(ln.mid),
		Completed:       int64(ln.head),
		MaxQueue:        max(maxQueue, ln.queued()),
		FinalQueue:      ln.queued(),
		MaxInConsumer:   maxIn,
		FinalInConsumer: ln.inside(),
		Total:           total.summary(),
		InConsumer:      inside.summary(),
	}
	if r.Total.Count != r.Completed {
		panic(fmt.Sprintf("BUG: %d latencies recorded for %d completed requests", r.Total.Count, r.Completed))
	}
	for i := range qsum {
		if qcnt[i] > 0 {
			r.QueueMeans[i] = qsum[i] / float64(qcnt[i])
		}
	}
	secs := c.Duration.Seconds()
	r.Growth, r.Bounded = bounded(r.QueueMeans, secs, float64(r.Produced)/secs, limit)
	if capped {
		ran := max(r.Ran.Seconds(), 1e-9)
		r.Growth, r.Bounded = float64(r.FinalQueue)/ran, false
	}
	return r, nil
}
