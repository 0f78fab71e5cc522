package engine

import (
	"sync/atomic"

	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/plan"
	"github.com/greenwave/greenwave/internal/ring"
)

// link is the running form of a plan.Link: a ring plus the bookkeeping the
// ring itself does not do.
type link struct {
	p      *plan.Link
	ring   *ring.Ring[event.Event]
	policy ring.Policy
	// producersLeft counts producers that have not finished; the last one
	// closes the ring.
	producersLeft atomic.Int32
	consumer      *actor
	producers     []*actor
	width         int // fields preallocated per slot
	// label names the link in Stats ("from -> to", "#partition" when
	// partitioned), built once.
	label string

	// Written by the consumer only, read by Stats.
	gaps    atomic.Uint64 // events missing from the sequence (drops seen)
	nextSeq uint64        // consumer-owned: the sequence expected next
	// inWm and inIdle are the consumer's view of this input's event time.
	inWm   int64
	inIdle bool
	// Control records published (producer side) and received (consumer
	// side): under drop_oldest the ring may evict a control record, and
	// the difference keeps those out of the event drop counts.
	ctlSent, ctlSeen atomic.Uint64
	// Checkpoints (consumer side): the latest barrier seen on this link,
	// and the polled slots not yet processed, oldest first: the events
	// behind a barrier, held until every input's barrier is in, and those
	// an unaligned snapshot read ahead (see barrier.go). Each span lies
	// within one Poll's range.
	barrierAt uint64
	held      []span
	// Checkpoints (producer side, read by the consumer): the newest
	// barrier the producer has sent or is sending on this link, and the
	// edge sequence number it takes; every event before it in the ring has
	// a smaller one. Set when the barrier is due, even if the ring has no
	// room for it yet (annSeq first, then annID), so that an unaligned
	// round can pass a full ring (unaligned.go).
	annID, annSeq atomic.Uint64

	// blocked is the time the single producer waited for room, counted
	// while it waits (a shared ring's producers add finished waits to the
	// ring's blocked time instead).
	blocked stateClock
	// waiting is set by a single producer while a push to this ring is
	// incomplete, so the consumer wakes it after releasing room and not
	// otherwise. The producer re-checks for room after setting it (ready),
	// so a release just before is not missed.
	waiting atomic.Bool
}

func newLink(pl *plan.Link, width int) *link {
	policy, err := ring.ParsePolicy(pl.Edge.Policy)
	if err != nil {
		panic("BUG: unchecked buffer policy: " + err.Error())
	}
	if width < 1 {
		width = 1
	}
	// The ring starts small and doubles, up to the edge's declared
	// capacity, when a producer finds it full: an edge takes the memory its
	// traffic needs (a quiet tenant's edge stays at initialRingSlots), not
	// its bound. Each new slot array gets its slots' Fields preallocated to
	// the schema width in one backing array, so a lap does not allocate
	// either. The three-index slices keep a slot that outgrows its width
	// from writing into its neighbour (append reallocates instead).
	r := ring.Make(ring.Config[event.Event]{
		Capacity: pl.Edge.Capacity, Initial: initialRingSlots, Policy: policy,
		MultiProducer: len(pl.Producers) > 1,
		Init: func(slots []event.Event) {
			backing := make([]event.Value, len(slots)*width)
			for i := range slots {
				slots[i].Fields = backing[i*width : i*width : (i+1)*width]
			}
		},
	})
	l := &link{p: pl, ring: r, policy: policy, inWm: event.MinWatermark, width: width, label: pl.Edge.Label()}
	if pl.Partitions > 1 {
		l.label += "#" + itoa(pl.Partition)
	}
	l.producersLeft.Store(int32(len(pl.Producers)))
	return l
}

// span is a range of polled ring positions.
type span struct {
	pos uint64
	n   int
}

// initialRingSlots is the slots an edge's ring starts with.
const initialRingSlots = 16

// producerDone is called by each producer, on its worker from, when it has
// published its last event; the last one closes the ring and wakes the
// consumer.
func (l *link) producerDone(from *worker) {
	if l.producersLeft.Add(-1) == 0 {
		l.ring.Close()
		l.consumer.wake(from)
	}
}

// noteTrailingGap is called by the consumer once the ring is drained:
// events dropped after the last one it saw leave no later sequence number
// to reveal them, so they are counted here.
func (l *link) noteTrailingGap() {
	if total := l.ring.Offered(); total > l.nextSeq {
		l.gaps.Add(total - l.nextSeq)
		l.nextSeq = total
	}
}

// LinkStats is a snapshot of one edge's figures.
type LinkStats struct {
	// Label is "from[.output] -> to" with "#i" for a consumer instance.
	Label string
	// From, Output, To name the edge's ends (Output "" for the main
	// output); Partition is the consumer instance (0 when not keyed).
	From, Output, To string
	Partition        int
	Capacity         int
	Policy           string
	Producers        int
	Published        uint64
	Consumed         uint64
	Dropped          uint64
	// Gaps counts sequence numbers the consumer never saw (it equals
	// Dropped once the consumer has caught up).
	Gaps  uint64
	Depth int
	// Fill is Depth / Capacity.
	Fill float64
	// Batches counts the consumer's polls by size (see
	// ring.Stats.Batches); MaxBatchSince compares two snapshots, so every
	// reader sees the largest batch since its own previous read.
	Batches [ring.BatchBuckets]uint64
	// BlockedNanos is the time producers spent waiting for space,
	// including a wait still going on (finished waits only on an edge
	// with several producers).
	BlockedNanos int64
	// Allocated is the slots the ring holds now (it grows towards
	// Capacity as traffic needs); Bytes what they take with their fields.
	Allocated int
	Bytes     int64
	Closed    bool
}

func (l *link) stats() LinkStats {
	s := l.ring.Stats()
	// Control records the ring evicted (drop_oldest) are not event drops.
	// Exact once drained; while running, a control record still in the ring
	// can hide one event drop for a moment.
	dropped, gaps := s.Dropped, l.gaps.Load()
	if l.policy == ring.DropOldest {
		seen := l.ctlSeen.Load()
		if sent := l.ctlSent.Load(); sent > seen {
			lost := sent - seen
			dropped -= min(dropped, lost)
			gaps -= min(gaps, lost)
		}
	}
	blocked := s.BlockedNanos
	if len(l.producers) == 1 {
		blocked = int64(l.blocked.read())
	}
	e := l.p.Edge
	out := ""
	if e.Output > 0 {
		out = e.From.Comp.Spec.SideOutputs[e.Output-1]
	}
	return LinkStats{
		Label: l.label, From: e.From.Name(), Output: out, To: e.To.Name(), Partition: l.p.Partition,
		Capacity: s.Capacity, Policy: s.Policy.String(), Producers: len(l.p.Producers),
		Published: s.Published, Consumed: s.Consumed, Dropped: dropped, Gaps: gaps,
		Depth: s.Depth, Fill: float64(s.Depth) / float64(s.Capacity), Batches: s.Batches,
		BlockedNanos: blocked, Closed: s.Closed,
		Allocated: s.Allocated, Bytes: l.memoryBytes(),
	}
}

// MaxBatchSince is the largest batch the edge's consumer took between
// prev (an earlier snapshot of the same edge, or the zero LinkStats) and
// l, rounded down to a power of two; a batch of the whole capacity is
// reported exactly.
func (l LinkStats) MaxBatchSince(prev LinkStats) int {
	return ring.MaxBatchSince(&prev.Batches, &l.Batches, l.Capacity)
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	neg := i < 0
	if neg {
		i = -i
	}
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}
