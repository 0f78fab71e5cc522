package engine

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/greenwave/greenwave/internal/agg"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/registry"
	"github.com/greenwave/greenwave/internal/ring"
)

// Unaligned checkpoints. A round that has not completed within the
// tenant's aligned timeout (checkpoint.go) is switched to unaligned: from
// then on an operator actor need not wait for the barrier to come through
// its input rings. Every producer announces on each output link, as soon as
// its barrier is due, the edge sequence number the barrier takes (link.annID
// and annSeq), even when the ring has no room for the barrier yet. An actor
// whose every input has delivered the barrier, announced it, or ended
// snapshots at once (an input whose producers have all finished counts as
// announced at its end); it reads ahead (polls without processing) the events
// before each announced barrier that it has not processed, and records them
// with its state: they are input its state has not seen, which the
// upstream snapshots count as sent. It then forwards its barrier (announced
// at once, so the next actor need not wait either) and processes the
// events it read ahead, which now belong to the next checkpoint, and
// passes over the barriers in the rings when it reaches them.
//
// On restore the recorded events (the in-flight input) are processed
// before anything from the rings; an unaligned snapshot taken before they
// are all processed records the rest ahead of what it reads from the rings.
//
// A producer's snapshot is taken between two of its batches, as in an
// aligned round: a batch it has begun delivering goes out, ahead of the
// barrier, when its consumer has room. An actor that is back-pressured
// therefore forwards the barrier after one batch has moved, not after its
// input has drained. Inputs on a ring shared by several producers or with
// the drop_oldest policy stay aligned (their sequence numbers do not say
// what came before the barrier).

// replayBatch is in-flight input restored from a checkpoint, for one port.
type replayBatch struct {
	port int
	evs  []event.Event
}

// readAheadOK reports whether an input can pass a barrier announced on it.
func readAheadOK(l *link) bool {
	return l.policy != ring.DropOldest && !l.ring.MultiProducer()
}

// cut returns the sequence number below which the events on l precede
// barrier id: the one its producer announced, or, when every producer has
// finished (they send no barrier), the end of the ring. ok is false when
// neither is known yet.
func (l *link) cut(id uint64) (seq uint64, ok bool) {
	if l.annID.Load() >= id {
		return l.annSeq.Load(), true
	}
	if l.producersLeft.Load() == 0 {
		return math.MaxUint64, true
	}
	return 0, false
}

// unalignedDue returns the id of the unaligned round the actor can
// snapshot now, or 0. Operator actors only, between batches.
func (a *actor) unalignedDue() uint64 {
	ck := a.t.ckpt
	if ck == nil || a.isSource() {
		return 0
	}
	id := ck.unaligned.Load()
	if id == 0 || id <= a.snapped || a.snapDue != 0 || a.inflightDue != 0 {
		return 0
	}
	for _, in := range a.ins {
		l := in.l
		if l.barrierAt >= id || (len(l.held) == 0 && l.ring.Drained()) {
			continue
		}
		if _, ok := l.cut(id); !ok || !readAheadOK(l) {
			return 0
		}
	}
	return id
}

// snapshotUnaligned takes the actor's snapshot for unaligned round id: it
// reads ahead, on every input whose barrier is announced but not yet
// delivered, the events before that barrier, and snapshots (now, or when
// an async sink's events are acknowledged) with them as in-flight input.
func (a *actor) snapshotUnaligned(id uint64) error {
	for _, in := range a.ins {
		l := in.l
		b, ok := l.cut(id)
		if l.barrierAt >= id || !ok {
			continue
		}
		for l.nextSeq < b {
			pos, n := l.ring.Poll(a.t.e.cfg.Budget)
			if n == 0 {
				break // the last events before the barrier were dropped, or the ring is drained
			}
			a.noteSeq(l, pos, l.ring.Segment(pos, n))
			l.held = append(l.held, span{pos, n})
		}
	}
	a.aligning = 0
	a.inflightDue = id
	return a.startSnapshot(id)
}

// inflight encodes the actor's in-flight input for unaligned round id:
// what remains of a restored replay, then, per input, the held events
// before its announced barrier. It returns nil when there is none.
//
// The encoding: the count and names (tenant, type) of the types the events
// have; a count of batches; per batch its port and count of events; per
// event its type (0: none, else 1 + its index in the names), time,
// creation time, partition key and fields (agg's value encoding). Types go
// by name: their ids are those of one run's registry.
func (a *actor) inflight(id uint64) []byte {
	enc := inflightEncoder{reg: a.t.e.reg, types: map[uint32]uint64{}}
	for _, rb := range a.replay {
		enc.batch(rb.port, rb.evs)
	}
	for _, in := range a.ins {
		l := in.l
		before, ok := l.cut(id)
		if l.barrierAt >= id || !ok {
			continue
		}
		for _, sp := range l.held {
			evs := l.ring.Segment(sp.pos, sp.n)
			k := 0
			for k < len(evs) && evs[k].Seq < before {
				k++
			}
			enc.batch(in.port, dataOnly(evs[:k]))
			if k < len(evs) {
				break
			}
		}
	}
	return enc.bytes()
}

// dataOnly returns evs without control records, copying only when there
// are some.
func dataOnly(evs []event.Event) []event.Event {
	if !hasControl(evs) {
		return evs
	}
	out := make([]event.Event, 0, len(evs))
	for i := range evs {
		if !evs[i].IsControl() {
			out = append(out, evs[i])
		}
	}
	return out
}

// inflightEncoder builds the encoding inflight describes.
type inflightEncoder struct {
	reg     *registry.Registry
	types   map[uint32]uint64 // schema id: 1 + index in names
	names   []byte
	n       int // names
	batches int
	body    []byte
}

func (c *inflightEncoder) batch(port int, evs []event.Event) {
	if len(evs) == 0 {
		return
	}
	c.batches++
	b := binary.AppendUvarint(c.body, uint64(port))
	b = binary.AppendUvarint(b, uint64(len(evs)))
	for i := range evs {
		e := &evs[i]
		b = binary.AppendUvarint(b, c.typeOf(e.Schema))
		b = binary.AppendVarint(b, e.Time)
		b = binary.AppendVarint(b, e.Created)
		b = binary.LittleEndian.AppendUint64(b, e.Key)
		b = binary.AppendUvarint(b, uint64(len(e.Fields)))
		for _, v := range e.Fields {
			b = agg.AppendValue(b, v)
		}
	}
	c.body = b
}

func (c *inflightEncoder) typeOf(id uint32) uint64 {
	if id == 0 {
		return 0
	}
	if k, ok := c.types[id]; ok {
		return k
	}
	s := c.reg.Schema(id)
	if s == nil {
		panic(fmt.Sprintf("BUG: an event of unregistered type %d in flight", id))
	}
	c.names = appendString(appendString(c.names, s.Tenant), s.Name)
	c.n++
	c.types[id] = uint64(c.n)
	return uint64(c.n)
}

func (c *inflightEncoder) bytes() []byte {
	if c.batches == 0 {
		return nil
	}
	b := binary.AppendUvarint(nil, uint64(c.n))
	b = append(b, c.names...)
	b = binary.AppendUvarint(b, uint64(c.batches))
	return append(b, c.body...)
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// decodeInflight decodes what inflight encoded, for an instance whose
// input ports are ports; the types are looked up by name in this run's
// registry.
func decodeInflight(reg *registry.Registry, data []byte, ports map[int]bool) ([]replayBatch, error) {
	d := agg.NewReader(data, "in-flight events")
	ids := make([]uint32, d.Count())
	for i := range ids {
		tenant, name := d.Str(), d.Str()
		if d.Err(false) != nil {
			break
		}
		s := reg.Lookup(tenant, name)
		if s == nil {
			return nil, fmt.Errorf("in-flight events of type %q, which this run does not have", name)
		}
		ids[i] = s.ID
	}
	nb := d.Count()
	var out []replayBatch
	for range nb {
		port := int(d.Uvarint())
		if d.Err(false) == nil && !ports[port] {
			return nil, fmt.Errorf("in-flight events for input %d, which the operator does not have", port)
		}
		n := d.Count()
		evs := make([]event.Event, n)
		for i := range evs {
			e := &evs[i]
			if k := d.Uvarint(); k > uint64(len(ids)) {
				d.Fail("type out of range")
			} else if k > 0 {
				e.Schema = ids[k-1]
			}
			e.Time, e.Created, e.Key = d.Varint(), d.Varint(), d.U64()
			e.Fields = make([]event.Value, d.Count())
			for k := range e.Fields {
				e.Fields[k] = d.Value()
			}
		}
		if d.Err(false) != nil {
			break
		}
		out = append(out, replayBatch{port: port, evs: evs})
	}
	if err := d.Err(true); err != nil {
		return nil, err
	}
	return out, nil
}

// replayNext processes the next batch of restored in-flight input, as if
// it had come from its ring.
func (a *actor) replayNext() error {
	rb := &a.replay[0]
	n := min(len(rb.evs), a.t.e.cfg.Budget)
	evs := rb.evs[:n:n]
	rb.evs = rb.evs[n:]
	port := rb.port
	if len(rb.evs) == 0 {
		a.replay = a.replay[1:]
		if len(a.replay) == 0 {
			a.replay = nil
		}
	}
	head := a.stages[0]
	a.in.Add(uint64(n))
	if a.sink {
		a.recordLatency(evs)
		a.tapped(0, evs)
	}
	a.curStage, a.curBatch, a.curPort = 0, evs, port
	if head.inplace != nil {
		kept, err := head.inplace.Apply(evs)
		if err != nil {
			return a.stageErr(0, err)
		}
		if kept, err = a.runChain(kept, 1); err != nil {
			return err
		}
		a.startBatch(kept, false, nil, 0, 0)
		return nil
	}
	a.out.Reset()
	if head.async {
		head.inflight.Add(int64(n))
	}
	if err := head.op.Process(port, evs, &a.out); err != nil {
		return a.stageErr(0, err)
	}
	out, err := a.runChain(a.out.Events(), 1)
	if err != nil {
		return err
	}
	if a.sink {
		a.emitted.Add(uint64(n))
		a.curBatch = nil
		return nil
	}
	a.startBatch(out, true, nil, 0, 0)
	return nil
}

// announceBarrier tells the consumers of every output that barrier id is
// due and the sequence number it takes; in an unaligned round it wakes
// them, as they need not wait for it to reach them. Called by the producer
// when the barrier is due and nothing of its own is pending.
func (a *actor) announceBarrier(id uint64) {
	unaligned := a.t.ckpt != nil && a.t.ckpt.unaligned.Load() >= id
	for _, rs := range a.outs {
		for _, r := range rs {
			for _, l := range r.links {
				l.annSeq.Store(l.ring.Offered())
				l.annID.Store(id)
				if unaligned {
					l.consumer.wake(a.on)
				}
			}
		}
	}
}
