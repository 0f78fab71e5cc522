package engine

import (
	"fmt"
	"time"
	"unsafe"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/spec"
	"github.com/greenwave/greenwave/internal/units"
)

// A tenant's memory is what its keyed operators report holding (their own
// estimates, the figure max_state bounds) plus the slots its rings have
// allocated. Both are read from counters the owners publish, so measuring
// costs the hot path nothing. `limits: {memory: ...}` caps the sum: the
// engine checks every tenant with a cap each memoryCheckEvery and fails one
// that is over, naming what holds the most.

// memoryCheckEvery is how often capped tenants are measured.
const memoryCheckEvery = 100 * time.Millisecond

var valueBytes = int64(unsafe.Sizeof(event.Value{}))

// OperatorState is one keyed operator instance's state figures.
type OperatorState struct {
	// Name is the operator's, with "#i" for instance i of a parallel one.
	Name string
	component.StateStats
}

// MemoryStats sums what a tenant holds.
type MemoryStats struct {
	// StateBytes and StateKeys sum the keyed operators' figures; Evicted
	// and Expired their evictions and ttl expiries.
	StateBytes, StateKeys int64
	Evicted, Expired      uint64
	// RingBytes is the memory the tenant's ring slots take (headers and
	// preallocated field arrays, not the strings they point to).
	RingBytes int64
	// Limit is the tenant's cap (`limits: {memory}`), 0 when none.
	Limit int64
}

// Total is the state and ring bytes together, the figure Limit caps.
func (m MemoryStats) Total() int64 { return m.StateBytes + m.RingBytes }

// memory measures the tenant; with ops it also lists each operator's state.
func (t *Tenant) memory(ops *[]OperatorState) MemoryStats {
	m := MemoryStats{Limit: t.Plan.Pipeline.Limits.Memory}
	for _, a := range t.actors {
		for _, st := range a.stages {
			r, ok := st.op.(component.StateReporter)
			if !ok {
				continue
			}
			s := r.StateStats()
			m.StateBytes += s.Bytes
			m.StateKeys += s.Keys
			m.Evicted += s.Evicted
			m.Expired += s.Expired
			if ops != nil {
				name := st.node.Name()
				if a.p.Parallelism > 1 {
					name += "#" + itoa(a.p.Instance)
				}
				*ops = append(*ops, OperatorState{Name: name, StateStats: s})
			}
		}
	}
	for _, l := range t.links {
		m.RingBytes += l.memoryBytes()
	}
	return m
}

// memoryBytes is what the link's ring slots take: the slots (headers and
// sequence numbers) and their preallocated fields.
func (l *link) memoryBytes() int64 {
	st := l.ring.Stats()
	return st.AllocatedBytes + int64(st.Allocated)*int64(l.width)*valueBytes
}

// checkMemory fails the tenant when it holds more than its cap.
func (t *Tenant) checkMemory() {
	limit := t.Plan.Pipeline.Limits.Memory
	if limit <= 0 || t.failed.Load() {
		return
	}
	select {
	case <-t.done:
		return
	default:
	}
	var ops []OperatorState
	m := t.memory(&ops)
	if m.Total() <= limit {
		return
	}
	most := fmt.Sprintf("rings %s", units.Bytes(m.RingBytes))
	var top OperatorState
	for _, o := range ops {
		if o.Bytes > top.Bytes {
			top = o
		}
	}
	if top.Bytes > m.RingBytes {
		most = fmt.Sprintf("operator %q %s of state", top.Name, units.Bytes(top.Bytes))
	}
	lim := t.Plan.Pipeline.Limits
	pos := lim.MemoryPos
	err := spec.Errorf(pos, "", "tenant %q: memory limit %s reached: it holds %s (state %s, rings %s; the most: %s)",
		t.Name, units.Bytes(limit), units.Bytes(m.Total()), units.Bytes(m.StateBytes), units.Bytes(m.RingBytes), most)
	t.fail(&Failure{Tenant: t.Name, Err: err, msg: err.Error()})
}

// monitor measures the capped tenants until the engine closes.
func (e *Engine) monitor() {
	defer close(e.monitorDone)
	tick := time.NewTicker(memoryCheckEvery)
	defer tick.Stop()
	for {
		select {
		case <-e.closing:
			return
		case <-tick.C:
			e.mu.Lock()
			capped := e.mu.capped
			e.mu.Unlock()
			for _, t := range capped {
				t.checkMemory()
			}
		}
	}
}
