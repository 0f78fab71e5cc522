package engine

import (
	"fmt"
	"strings"

	"github.com/greenwave/greenwave/internal/component"
)

// restore sets up the tenant's checkpointing and, when its checkpoint
// store or state directory holds a checkpoint of it, restores every
// instance that has state in it from there, before anything opens or
// runs. It fails only when a store cannot be read. State is restored only into
// an instance of the same component with the same fingerprint (name, type,
// key, options, parallelism); the others start empty, and the log says
// which and why. A checkpoint file that does not read back whole is
// skipped for the one before it, with a message saying why.
func (t *Tenant) restore() error {
	e := t.e
	interval := t.Plan.Pipeline.Checkpoint.Interval
	if interval <= 0 {
		interval = e.cfg.CheckpointInterval
	}
	store := e.storeOf(t.Name)
	var ck *checkpoint
	var skipped []string
	if store != nil {
		var err error
		if ck, skipped, err = loadStored(store, t.Name); err != nil {
			return err
		}
	} else {
		ck, skipped = loadCheckpoint(e.cfg.StateDir, t.Name)
	}
	for _, s := range skipped {
		e.logf("tenant %q: cannot use checkpoint %s; trying an older one", t.Name, s)
	}
	next := uint64(1)
	if ck != nil {
		next = ck.ID + 1
	}
	t.ckpt = newTenantCkpt(t, interval, next)
	t.ckpt.store = store
	t.ckpt.alignedTimeout = t.Plan.Pipeline.Checkpoint.AlignedTimeout
	if t.ckpt.alignedTimeout == 0 {
		t.ckpt.alignedTimeout = e.cfg.CheckpointAlignedTimeout
	}
	t.ckpt.alignedTimeout = max(t.ckpt.alignedTimeout, 0)
	if ck == nil {
		t.ckpt.fresh = true
		return nil
	}
	var restored int
	var empty []string
	for _, a := range t.actors {
		allFinished := true
		for k, n := range a.p.Nodes {
			en := ck.lookup(n.Name(), a.p.Instance)
			if en == nil || !en.Finished {
				allFinished = false
			}
			var inst any
			if k == 0 && a.src != nil {
				inst = a.src
			} else if st := a.stageOf(n); st != nil {
				inst = st.op
			}
			cp, ok := inst.(component.Checkpointer)
			if !ok || (en != nil && en.Finished) {
				continue
			}
			name := fmt.Sprintf("%s %q", n.Comp.Kind, n.Name())
			if a.p.Parallelism > 1 {
				name += fmt.Sprintf(" #%d", a.p.Instance)
			}
			switch {
			case en == nil:
				empty = append(empty, name+" (not in the checkpoint)")
			case en.Fingerprint != t.ckpt.fingerprints[n]:
				empty = append(empty, name+" (its configuration changed)")
			default:
				if err := cp.Restore(en.data); err != nil {
					empty = append(empty, fmt.Sprintf("%s (cannot restore: %v)", name, err))
					continue
				}
				restored++
			}
		}
		if allFinished {
			a.restoredFinished = true
			t.ckpt.mu.finished[a] = true
		} else if msg := t.restoreInflight(ck, a); msg != "" {
			empty = append(empty, msg)
		}
	}
	if ck.Finished {
		e.logf("tenant %q: finished in an earlier run (checkpoint %d of %s); nothing left to run", t.Name, ck.ID, ck.Time.Format("2006-01-02 15:04:05"))
		return nil
	}
	msg := fmt.Sprintf("tenant %q: resumed from checkpoint %d of %s: %d instances restored", t.Name, ck.ID, ck.Time.Format("2006-01-02 15:04:05"), restored)
	inflight := 0
	for _, a := range t.actors {
		for _, rb := range a.replay {
			inflight += len(rb.evs)
		}
	}
	if inflight > 0 {
		msg += fmt.Sprintf(", %d in-flight events to replay", inflight)
	}
	if len(empty) > 0 {
		msg += "; starting empty: " + strings.Join(empty, ", ")
	}
	e.logf("%s", msg)
	return nil
}

// restoreInflight sets up the replay of the in-flight input an unaligned
// checkpoint recorded for operator actor a, if any. It returns what the
// log should say when that input cannot be replayed (and is dropped), or "".
func (t *Tenant) restoreInflight(ck *checkpoint, a *actor) string {
	if a.isSource() {
		return ""
	}
	head := a.p.Head()
	en := ck.lookupInflight(head.Name(), a.p.Instance)
	if en == nil {
		return ""
	}
	name := fmt.Sprintf("%s %q", head.Comp.Kind, head.Name())
	if a.p.Parallelism > 1 {
		name += fmt.Sprintf(" #%d", a.p.Instance)
	}
	if en.Fingerprint != t.ckpt.fingerprints[head] {
		return name + " in-flight input (its configuration changed)"
	}
	ports := map[int]bool{}
	for _, pl := range t.Plan.Links {
		if pl.Consumer == a.p {
			ports[pl.Edge.Port] = true
		}
	}
	rb, err := decodeInflight(t.e.reg, en.data, ports)
	if err != nil {
		return fmt.Sprintf("%s in-flight input (cannot restore: %v)", name, err)
	}
	a.replay = rb
	return ""
}
