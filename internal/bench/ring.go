package bench

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/ring"
	"github.com/greenwave/greenwave/internal/wait"
)

func init() {
	register(&Scenario{
		Name: "ring",
		Doc: "Hand-off between goroutines: greenwave's batched ring (claim/publish/poll/release of " +
			"up to 256 events per call, capacity 4096, block policy) beside a buffered Go channel of " +
			"the same capacity sending one event at a time. Cases: 1p1c (uint64 payload); 1p1c-event " +
			"(event.Event with 4 fields: the ring copies each into its slot with CopyFrom, reusing " +
			"the slot's Fields, the channel sends a Clone, as a pipeline handing independent events " +
			"over channels must); 1p3c (one producer broadcasting every event to 3 consumers over " +
			"three rings or three channels, counted once per produced event); 2p1c (two producers on " +
			"one multi-producer ring or one channel). A ring side with nothing to do waits like a " +
			"runtime worker with the spin_then_park strategy (package wait): it spins for a few " +
			"passes, then parks until the other side unparks it after its next publish or release; " +
			"a side that keeps finding work never parks. Channels block as usual. Each measurement " +
			"follows a short unmeasured run that warms the runtime's wait queues.",
		Run: runRing,
	})
}

const (
	ringCapacity = 4096
	ringBatch    = 256
	// ringMaxPark bounds a park; wake-ups come from Unpark, this only
	// limits the damage of a bug.
	ringMaxPark = 10 * time.Millisecond
	// ringWarmup is the longest unmeasured run before each measured one.
	ringWarmup = 100 * time.Millisecond
)

type ringCase struct {
	name      string
	producers int
	consumers int
	event     bool
}

var ringCases = []ringCase{
	{name: "1p1c", producers: 1, consumers: 1},
	{name: "1p1c-event", producers: 1, consumers: 1, event: true},
	{name: "1p3c", producers: 1, consumers: 3},
	{name: "2p1c", producers: 2, consumers: 1},
}

var ringVariants = []string{"greenwave", "channel"}

func runRing(cfg Config) ([]Result, error) {
	d := cfg.Duration
	if d <= 0 {
		d = time.Second
	}
	var out []Result
	for _, c := range ringCases {
		first := len(out)
		for _, v := range ringVariants {
			if !cfg.Want(c.name, v) {
				continue
			}
			if cfg.Progress != nil {
				fmt.Fprintf(cfg.Progress, "bench ring: %s %s\n", c.name, v)
			}
			out = append(out, measureRing(c, v, d))
		}
		ringSpeedup(out[first:])
	}
	return out, nil
}

// ringSpeedup adds each result's speed relative to the channel variant of
// the same case, measured in the same run.
func ringSpeedup(rs []Result) {
	for _, b := range rs {
		if b.Variant != "channel" || b.NsPerEvent == 0 {
			continue
		}
		for i := range rs {
			if rs[i].NsPerEvent > 0 {
				rs[i].Extra["speedup_vs_channel"] = b.NsPerEvent / rs[i].NsPerEvent
			}
		}
	}
}

// ringBuild prepares one (case, variant): it makes the rings or channels
// and starts goroutines that wait for start to be closed, so that setup
// allocations stay out of the measurement. It returns finish, which the
// measuring goroutine runs after closing start and which returns once every
// consumer has read everything, with the number of events and the largest
// batch polled (0 for channels).
type ringBuild func(stop *atomic.Bool, start <-chan struct{}) (finish func() (events int64, maxBatch int))

// measureRing runs one (case, variant) for about d and returns its figures.
// The clock runs until every consumer has drained, so events still in
// flight when the producers stop are counted and timed.
func measureRing(c ringCase, variant string, d time.Duration) Result {
	var build ringBuild
	switch {
	case variant == "channel" && c.event:
		build = ringChannelEvents
	case variant == "channel":
		build = func(stop *atomic.Bool, start <-chan struct{}) func() (int64, int) {
			return ringChannel(stop, start, c.producers, c.consumers)
		}
	case c.event:
		build = ringEvents
	case c.consumers > 1:
		build = func(stop *atomic.Bool, start <-chan struct{}) func() (int64, int) {
			return ringBroadcast(stop, start, c.consumers)
		}
	default:
		build = func(stop *atomic.Bool, start <-chan struct{}) func() (int64, int) {
			return ringFanIn(stop, start, c.producers)
		}
	}

	// A short unmeasured run first: when goroutines first park, the runtime
	// allocates wait-queue entries (and a collection empties its caches of
	// them), which would otherwise count as allocations of the measured run.
	runtime.GC()
	ringRunOnce(build, min(ringWarmup, d))
	n, maxBatch, el, mallocs := ringRunOnce(build, d)

	r := Result{Bench: "ring", Case: c.name, Variant: variant, Extra: map[string]any{}}
	if n > 0 {
		r.EventsPerSec = float64(n) / el.Seconds()
		r.NsPerEvent = float64(el.Nanoseconds()) / float64(n)
		r.AllocsPerEvent = float64(mallocs) / float64(n)
	}
	if variant == "greenwave" {
		r.Extra["max_batch"] = float64(maxBatch)
	}
	return r
}

// ringRunOnce builds and runs one hand-off for about d and returns the
// events, the largest batch, the time until every consumer finished, and
// the allocations made after setup.
func ringRunOnce(build ringBuild, d time.Duration) (n int64, maxBatch int, el time.Duration, mallocs uint64) {
	var stop atomic.Bool
	start := make(chan struct{})
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	go func() {
		<-start
		timer.Reset(d)
		<-timer.C
		stop.Store(true)
	}()
	finish := build(&stop, start)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	close(start)
	n, maxBatch = finish()
	el = time.Since(t0)
	runtime.ReadMemStats(&after)
	return n, maxBatch, el, after.Mallocs - before.Mallocs
}

// ringSide is one goroutine's way to wait: it parks on its own Parker and
// the other side unparks it.
type ringSide struct {
	parker *wait.Parker
	idler  *wait.Idler
}

func newRingSide() ringSide {
	p := wait.NewParker()
	i := wait.NewIdler(wait.SpinThenPark, p)
	i.MaxPark = ringMaxPark
	return ringSide{parker: p, idler: i}
}

func unparkAll(sides []ringSide) {
	for _, s := range sides {
		s.parker.Unpark()
	}
}

// ringProduce publishes consecutive values on r until stop, waking the
// consumer after each batch.
func ringProduce(r *ring.Ring[uint64], stop *atomic.Bool, me, consumer ringSide) {
	var v uint64
	hasRoom := func() bool { return r.Len() < r.Cap() || stop.Load() }
	for !stop.Load() {
		pos, got := r.Claim(ringBatch)
		if got == 0 {
			me.idler.Idle(hasRoom)
			continue
		}
		me.idler.Worked()
		v = ringFill(r, pos, got, v)
		r.Publish(pos, got)
		consumer.parker.Unpark()
	}
}

// ringFill writes v, v+1, ... into the claimed slots [pos, pos+n) through
// Segment (a claimed range may wrap, so in up to two pieces) and returns the
// next value. Writing through a slice keeps the loop free of reloads.
func ringFill(r *ring.Ring[uint64], pos uint64, n int, v uint64) uint64 {
	for n > 0 {
		seg := r.Segment(pos, n)
		for i := range seg {
			seg[i] = v
			v++
		}
		pos += uint64(len(seg))
		n -= len(seg)
	}
	return v
}

// ringConsume reads r until it is drained, waking the producers after each
// release, and returns how many events it read and the largest batch it
// polled. It checks the values it read, so the reads cannot be optimised
// away.
func ringConsume(r *ring.Ring[uint64], me ringSide, producers []ringSide) (n int64, maxBatch int) {
	var sum uint64
	hasData := func() bool { return r.Len() > 0 || r.Drained() }
	for {
		pos, got := r.Poll(ringBatch)
		if got == 0 {
			if r.Drained() {
				break
			}
			me.idler.Idle(hasData)
			continue
		}
		me.idler.Worked()
		maxBatch = max(maxBatch, got)
		for _, v := range r.Segment(pos, got) {
			sum += v
		}
		r.Release(pos, got)
		unparkAll(producers)
		n += int64(got)
	}
	if n > 1 && sum == 0 {
		panic("BUG: bench ring: consumer read only zeros")
	}
	return n, maxBatch
}

// ringFanIn has producers goroutines write into one ring (multi-producer
// when more than one); the consumer runs in finish.
func ringFanIn(stop *atomic.Bool, start <-chan struct{}, producers int) func() (int64, int) {
	r := ring.New[uint64](ringCapacity, ring.Block, producers > 1)
	consumer := newRingSide()
	sides := make([]ringSide, producers)
	var wg sync.WaitGroup
	for i := range sides {
		sides[i] = newRingSide()
		wg.Go(func() {
			<-start
			ringProduce(r, stop, sides[i], consumer)
		})
	}
	go func() {
		wg.Wait()
		r.Close()
		consumer.parker.Unpark()
	}()
	return func() (int64, int) { return ringConsume(r, consumer, sides) }
}

// ringBroadcast has one producer (in finish) write every event to
// consumers rings, each read by its own goroutine. A full ring holds the
// producer back (block policy), so every consumer sees every event.
func ringBroadcast(stop *atomic.Bool, start <-chan struct{}, consumers int) func() (int64, int) {
	rs := make([]*ring.Ring[uint64], consumers)
	for i := range rs {
		rs[i] = ring.New[uint64](ringCapacity, ring.Block, false)
	}
	producer := []ringSide{newRingSide()}
	sides := make([]ringSide, consumers)
	counts := make([]int64, consumers)
	batches := make([]int, consumers)
	var wg sync.WaitGroup
	for i, r := range rs {
		sides[i] = newRingSide()
		wg.Go(func() {
			<-start
			counts[i], batches[i] = ringConsume(r, sides[i], producer)
		})
	}
	var full *ring.Ring[uint64]
	hasRoom := func() bool { return full.Len() < full.Cap() }
	return func() (int64, int) {
		var v uint64
		for !stop.Load() {
			for k, r := range rs {
				// Place this batch of ringBatch values on every ring.
				for done := 0; done < ringBatch; {
					pos, got := r.Claim(ringBatch - done)
					if got == 0 {
						full = r
						producer[0].idler.Idle(hasRoom)
						continue
					}
					producer[0].idler.Worked()
					ringFill(r, pos, got, v+uint64(done))
					r.Publish(pos, got)
					sides[k].parker.Unpark()
					done += got
				}
			}
			v += ringBatch
		}
		for k, r := range rs {
			r.Close()
			sides[k].parker.Unpark()
		}
		wg.Wait()
		maxBatch := 0
		for i, c := range counts {
			if c != int64(v) {
				panic(fmt.Sprintf("BUG: bench ring: a consumer read %d of %d events", c, v))
			}
			maxBatch = max(maxBatch, batches[i])
		}
		return int64(v), maxBatch
	}
}

// ringChannel is the naive baseline: buffered channels of the same
// capacity, one event per send. With several consumers the producer sends
// every event to each consumer's channel; with several producers they share
// one channel.
func ringChannel(stop *atomic.Bool, start <-chan struct{}, producers, consumers int) func() (int64, int) {
	chs := make([]chan uint64, consumers)
	for i := range chs {
		chs[i] = make(chan uint64, ringCapacity)
	}
	counts := make([]int64, consumers)
	var cw sync.WaitGroup
	for i, ch := range chs {
		cw.Go(func() {
			var sum uint64
			for v := range ch {
				sum += v
				counts[i]++
			}
			if counts[i] > 1 && sum == 0 {
				panic("BUG: bench ring: channel consumer read only zeros")
			}
		})
	}
	var pw sync.WaitGroup
	for range producers {
		pw.Go(func() {
			<-start
			var v uint64
			for !stop.Load() {
				for range ringBatch {
					for _, ch := range chs {
						ch <- v
					}
					v++
				}
			}
		})
	}
	return func() (int64, int) {
		pw.Wait()
		for _, ch := range chs {
			close(ch)
		}
		cw.Wait()
		return counts[0], 0 // with several consumers, each got every event
	}
}

// ringEventTemplate is the event the event cases hand off: a header and 4
// fields, about the size of a small analytics record.
func ringEventTemplate() event.Event {
	return event.Event{
		Schema: 1, Time: 1_700_000_000_000_000_000, Created: 1_700_000_000_000_000_000, Key: 42,
		Fields: []event.Value{
			event.IntValue(7), event.FloatValue(3.5), event.StringValue("checkout"), event.IntValue(1),
		},
	}
}

// ringEvents hands off event.Event values through a ring, copying each into
// its slot with CopyFrom (the runtime's way), so slots reuse their Fields.
// One lap during setup fills every slot's Fields, as on a long-running
// edge. The producer runs in finish.
func ringEvents(stop *atomic.Bool, start <-chan struct{}) func() (int64, int) {
	r := ring.New[event.Event](ringCapacity, ring.Block, false)
	src := ringEventTemplate()
	pos, got := r.Claim(ringCapacity)
	for i := range got {
		r.Slot(pos + uint64(i)).CopyFrom(&src)
	}
	r.Publish(pos, got)
	p, n := r.Poll(ringCapacity)
	r.Release(p, n)

	producer, consumer := newRingSide(), newRingSide()
	var consumed int64
	var maxBatch int
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-start
		var sum int64
		hasData := func() bool { return r.Len() > 0 || r.Drained() }
		for {
			pos, got := r.Poll(ringBatch)
			if got == 0 {
				if r.Drained() {
					break
				}
				consumer.idler.Idle(hasData)
				continue
			}
			consumer.idler.Worked()
			maxBatch = max(maxBatch, got)
			evs := r.Segment(pos, got)
			for i := range evs {
				sum += evs[i].Time + evs[i].Fields[0].Int()
			}
			r.Release(pos, got)
			producer.parker.Unpark()
			consumed += int64(got)
		}
		if consumed > 0 && sum == 0 {
			panic("BUG: bench ring: event consumer read nothing")
		}
	}()
	hasRoom := func() bool { return r.Len() < r.Cap() }
	return func() (int64, int) {
		var t int64
		for !stop.Load() {
			pos, got := r.Claim(ringBatch)
			if got == 0 {
				producer.idler.Idle(hasRoom)
				continue
			}
			producer.idler.Worked()
			for i := range got {
				e := r.Slot(pos + uint64(i))
				e.CopyFrom(&src)
				e.Time = t
				t++
			}
			r.Publish(pos, got)
			consumer.parker.Unpark()
		}
		r.Close()
		consumer.parker.Unpark()
		<-done
		return consumed, maxBatch
	}
}

// ringChannelEvents sends event.Event values over a buffered channel. Each
// is a Clone: an event in flight must not share Fields with the next one
// the producer builds. The producer runs in finish.
func ringChannelEvents(stop *atomic.Bool, start <-chan struct{}) func() (int64, int) {
	ch := make(chan event.Event, ringCapacity)
	src := ringEventTemplate()
	var consumed int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		var sum int64
		for e := range ch {
			sum += e.Time + e.Fields[0].Int()
			consumed++
		}
		if consumed > 1 && sum == 0 {
			panic("BUG: bench ring: channel event consumer read nothing")
		}
	}()
	return func() (int64, int) {
		var t int64
		for !stop.Load() {
			for range ringBatch {
				e := src.Clone()
				e.Time = t
				t++
				ch <- e
			}
		}
		close(ch)
		<-done
		return consumed, 0
	}
}
