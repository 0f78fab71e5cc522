package engine

import (
	"fmt"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// Checkpoint barriers, on the actors' side (the coordinator is in
// checkpoint.go). The coordinator asks each source actor for checkpoint id
// (barrierReq); between two batches the source snapshots its position and
// its fused operators and sends a barrier on every output, behind what it
// sent before. An operator actor that finds a barrier on an input stops
// that input there (the events behind it are held in the ring) until the
// barrier has arrived on every input — or the input has ended — then
// snapshots its operators, forwards the barrier and goes on with what it
// held. Every actor reports its snapshot to the tenant's checkpoint; once
// all have, the checkpoint is complete: it holds exactly the effect of the
// sources' input up to their barriers.
//
// Every producer of a checkpointed tenant has a ring of its own to each
// consumer (plan.Options.RingPerProducer), so aligning per ring is aligning
// per producer.
//
// A round that takes longer than the tenant's aligned timeout goes
// unaligned: barriers then pass the events queued ahead of them, which
// are recorded with the snapshots instead (unaligned.go).

// blocked reports whether input l waits for the other inputs' barriers.
func (a *actor) blocked(l *link) bool { return a.aligning != 0 && l.barrierAt >= a.aligning }

// aligned reports whether every input has delivered barrier id, or has
// ended with nothing left before it.
func (a *actor) aligned(id uint64) bool {
	for _, in := range a.ins {
		if in.l.barrierAt >= id {
			continue
		}
		if in.l.ring.Drained() {
			continue
		}
		return false
	}
	return true
}

// barrierArrived is called after a barrier of checkpoint id came in on an
// input (and what was before it was processed).
func (a *actor) barrierArrived(id uint64) error {
	if !a.aligned(id) {
		a.aligning = id
		return nil
	}
	a.aligning = 0
	return a.startSnapshot(id)
}

// checkAlignment completes an alignment that an ending input made whole.
func (a *actor) checkAlignment() (bool, error) {
	if a.aligning == 0 || !a.aligned(a.aligning) {
		return false, nil
	}
	id := a.aligning
	a.aligning = 0
	return true, a.startSnapshot(id)
}

// startSnapshot snapshots now, or, when an async sink still holds events
// from before the barrier, once they are acknowledged.
func (a *actor) startSnapshot(id uint64) error {
	if a.awaitingAcks() {
		a.snapDue = id
		return nil
	}
	return a.snapshot(id)
}

// trySnapshot takes a snapshot that waited for acknowledgements.
func (a *actor) trySnapshot() (bool, error) {
	if a.awaitingAcks() {
		return false, nil // the last acknowledgement wakes the actor
	}
	id := a.snapDue
	a.snapDue = 0
	return true, a.snapshot(id)
}

// snapshot records every instance's state of the actor for checkpoint id,
// reports it, and has the barrier forwarded.
func (a *actor) snapshot(id uint64) error {
	ck := a.t.ckpt
	if ck == nil {
		return nil
	}
	var entries []entry
	add := func(node int, inst any) error {
		cp, ok := inst.(component.Checkpointer)
		if !ok {
			return nil
		}
		if cn, ok := inst.(component.CheckpointNumbered); ok {
			cn.Checkpointing(id)
		}
		data, err := cp.Snapshot(nil)
		if err != nil {
			return fmt.Errorf("snapshot for checkpoint %d: %w", id, err)
		}
		n := a.p.Nodes[node]
		entries = append(entries, entry{Node: n.Name(), Instance: a.p.Instance, Fingerprint: ck.fingerprints[n], data: data})
		return nil
	}
	if a.isSource() {
		a.curStage = -1
		if err := add(0, a.src); err != nil {
			return err
		}
	}
	for i, st := range a.stages {
		a.curStage, a.curBatch = i, nil
		if err := add(a.stageNode(i), st.op); err != nil {
			return a.stageErr(i, err)
		}
	}
	if a.inflightDue == id {
		if data := a.inflight(id); data != nil {
			head := a.p.Head()
			entries = append(entries, entry{Node: head.Name(), Instance: a.p.Instance, Fingerprint: ck.fingerprints[head], Inflight: true, data: data})
		}
	}
	a.inflightDue = 0
	a.snapped = id
	if len(a.outs) > 0 {
		a.barrierOut = id
	}
	ck.report(a, id, entries)
	return nil
}

// sourceBarrier snapshots a source actor for the checkpoint the
// coordinator asked for, if any; the barrier then goes out before the next
// read. An async sink fused behind the source must first have every event
// it holds acknowledged (the snapshot holds their effect): until then wait
// is set and the source reads nothing; the last acknowledgement wakes it.
func (a *actor) sourceBarrier() (wait bool, err error) {
	req := a.barrierReq.Load()
	if req <= a.barrierDone {
		return false, nil
	}
	if a.awaitingAcks() {
		return true, nil
	}
	a.barrierDone = req
	return false, a.snapshot(req)
}

// barrierWaits reports whether a source's barrier waits for a fused async
// sink's acknowledgements.
func (a *actor) barrierWaits() bool {
	return a.barrierReq.Load() > a.barrierDone && a.awaitingAcks()
}

// barrierDue reports whether a barrier waits to be forwarded.
func (a *actor) barrierDue() bool { return a.barrierOut > a.barrierSent }

// setBarrier fills ctl with the pending barrier.
func (a *actor) setBarrier(ctl *event.Event) {
	ctl.Schema, ctl.Time = event.BarrierSchema, int64(a.barrierOut)
	a.barrierSent = a.barrierOut
	a.announceBarrier(a.barrierOut)
}
