package metrics

import (
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// Snapshot is the whole tree at one moment. Figures named *Total or
// *Seconds are cumulative since the start (of the process, the tenant, the
// edge) and never decrease; figures named *PerSec, *MsPerSec and the
// interval latencies are over Interval, the time since the Reader's
// previous snapshot (all zero in a Reader's first snapshot).
type Snapshot struct {
	At       time.Time `json:"at"`
	Interval float64   `json:"interval_seconds"`
	Process  Process   `json:"process"`
	Workers  []Worker  `json:"workers"`
	Tenants  []Tenant  `json:"tenants"`
}

// Process is what the operating system says of the whole process.
type Process struct {
	// CPUs is the number of CPUs the process may run on; GoMaxProcs the
	// Go scheduler's setting; Threads the OS threads it has.
	CPUs       int `json:"cpus"`
	GoMaxProcs int `json:"gomaxprocs"`
	Threads    int `json:"threads"`
	Goroutines int `json:"goroutines"`
	// VoluntaryCtxSwitches and InvoluntaryCtxSwitches sum every thread's
	// context switches (a thread that blocked, one that was preempted).
	VoluntaryCtxSwitches   uint64 `json:"voluntary_ctx_switches_total"`
	InvoluntaryCtxSwitches uint64 `json:"involuntary_ctx_switches_total"`
	// RunDelaySeconds sums the time the process's threads were runnable
	// but waited for a CPU (run-queue delay); CPUSeconds the time they ran.
	RunDelaySeconds float64 `json:"run_delay_seconds_total"`
	CPUSeconds      float64 `json:"cpu_seconds_total"`
	HeapBytes       uint64  `json:"heap_bytes"`
	// Over the interval.
	CtxSwitchesPerSec float64 `json:"ctx_switches_per_sec"`
	RunDelayPerSec    float64 `json:"run_delay_seconds_per_sec"`
	CPUPerSec         float64 `json:"cpu_seconds_per_sec"`
	// ProcOK reports that /proc could be read (Linux); the figures above
	// but CPUs, GoMaxProcs, Goroutines and HeapBytes are zero otherwise.
	ProcOK bool `json:"proc_ok"`
}

// Worker is one engine worker.
type Worker struct {
	ID     int    `json:"id"`
	Actors int    `json:"actors"`
	Load   int    `json:"load"`
	Passes uint64 `json:"passes_total"`
	Idle   uint64 `json:"idle_passes_total"`
	// Helped: turns given to other workers' actors while idle.
	Helped uint64 `json:"helped_turns_total"`
	Parks  uint64 `json:"parks_total"`
	Wakes  uint64 `json:"wakes_total"`
	Spins  uint64 `json:"spins_total"`
	Yields uint64 `json:"yields_total"`
	// Over the interval.
	ParksPerSec float64 `json:"parks_per_sec"`
	WakesPerSec float64 `json:"wakes_per_sec"`
}

// Tenant is one running (or finished) tenant.
type Tenant struct {
	ID      string  `json:"id"`
	Version int     `json:"version"`
	State   string  `json:"state"`
	Elapsed float64 `json:"elapsed_seconds"`
	Error   string  `json:"error,omitempty"`
	// Cumulative event counts.
	In           uint64            `json:"in_total"`
	Out          uint64            `json:"out_total"`
	Dropped      uint64            `json:"dropped_total"`
	Rejected     uint64            `json:"rejected_total"`
	DeadLettered uint64            `json:"dead_lettered_total"`
	SideOutputs  map[string]uint64 `json:"side_outputs_total,omitempty"`
	InPerSec     float64           `json:"in_per_sec"`
	OutPerSec    float64           `json:"out_per_sec"`
	Memory       Memory            `json:"memory"`
	Operators    []OperatorState   `json:"operators,omitempty"`
	Actors       []Actor           `json:"actors"`
	Edges        []Edge            `json:"edges"`
	// Components are the figures components keep of their own (an http
	// source's requests, a dispatcher's queue, a served table's
	// subscribers), per instance.
	Components []Component `json:"components,omitempty"`
	// Checkpoints are the tenant's checkpoint figures; nil when the
	// tenant is not checkpointed.
	Checkpoints *Checkpoints `json:"checkpoints,omitempty"`
}

// Checkpoints are a checkpointed tenant's figures (engine.CheckpointStats).
type Checkpoints struct {
	// Committed is the id of the newest durable checkpoint.
	Committed uint64 `json:"committed"`
	Written   uint64 `json:"written_total"`
	Failed    uint64 `json:"failed_total"`
	// Unaligned counts the checkpoints written that went unaligned;
	// InflightBytes the in-flight input they recorded.
	Unaligned     uint64 `json:"unaligned_total"`
	InflightBytes uint64 `json:"inflight_bytes_total"`
	// The newest checkpoint: its size, its in-flight input, and the time
	// from its barriers to its being durable.
	LastBytes           int64   `json:"last_bytes"`
	LastInflightBytes   int64   `json:"last_inflight_bytes"`
	LastDurationSeconds float64 `json:"last_duration_seconds"`
}

// Component is one component instance's own figures (component.Figurer):
// counters cumulative since it started, gauges as they are now.
type Component struct {
	// Name is the component's with "#i" for instance i of a parallel one
	// (what the Prometheus label component says); Component is the bare
	// name and Type the component's type ("http", "serve").
	Name      string             `json:"name"`
	Component string             `json:"component"`
	Type      string             `json:"type"`
	Instance  int                `json:"instance"`
	Figures   []component.Figure `json:"figures"`
}

// Figure returns the value of c's figure named name whose labels include
// the given name, value pairs, and whether there is one.
func (c *Component) Figure(name string, labels ...string) (float64, bool) {
next:
	for _, f := range c.Figures {
		if f.Name != name {
			continue
		}
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range f.Labels {
				if l.Name == labels[i] && l.Value == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		return f.Value, true
	}
	return 0, false
}

// Memory is what a tenant holds.
type Memory struct {
	StateBytes int64  `json:"state_bytes"`
	StateKeys  int64  `json:"state_keys"`
	RingBytes  int64  `json:"ring_bytes"`
	Limit      int64  `json:"limit_bytes"`
	Evicted    uint64 `json:"evicted_total"`
	Expired    uint64 `json:"expired_total"`
}

// OperatorState is one keyed operator instance's state.
type OperatorState struct {
	Name     string `json:"name"`
	Keys     int64  `json:"keys"`
	MaxKeys  int64  `json:"max_keys"`
	Bytes    int64  `json:"bytes"`
	MaxBytes int64  `json:"max_bytes"`
	Evicted  uint64 `json:"evicted_total"`
	Expired  uint64 `json:"expired_total"`
}

// Actor is one schedulable instance: a head component and the stateless
// components fused behind it (Components), one parallel instance.
type Actor struct {
	Name string `json:"name"`
	// Components are the actor's components, head first (shared by a
	// Reader's snapshots of the tenant version: read only).
	Components []string `json:"components"`
	// Group names the actor without its instance suffix ("per_key" for
	// "per_key#1"): what `top` shows as one row.
	Group string `json:"group"`
	Kind  string `json:"kind"` // source, transform or sink (of the head)
	// Paced reports a source that paces itself (a `rate` above 0): one
	// that is back-pressured falls behind its schedule, where a source
	// running as fast as it can is expected to wait for its consumers.
	Paced    bool `json:"paced,omitempty"`
	Instance int  `json:"instance"`
	// Worker is the worker it runs on, -1 for a goroutine of its own (I/O).
	Worker   int    `json:"worker"`
	In       uint64 `json:"in_total"`
	Out      uint64 `json:"out_total"`
	Rejected uint64 `json:"rejected_total"`
	Turns    uint64 `json:"turns_total"`
	// Busy, back-pressured and idle time since the actor started (Flink's
	// definitions; idle is the rest of its lifetime, never decreasing).
	BusySeconds          float64 `json:"busy_seconds_total"`
	BackPressuredSeconds float64 `json:"backpressured_seconds_total"`
	IdleSeconds          float64 `json:"idle_seconds_total"`
	// Over the interval: milliseconds per second, and events per second.
	BusyMsPerSec          float64 `json:"busy_ms_per_sec"`
	BackPressuredMsPerSec float64 `json:"backpressured_ms_per_sec"`
	IdleMsPerSec          float64 `json:"idle_ms_per_sec"`
	InPerSec              float64 `json:"in_per_sec"`
	OutPerSec             float64 `json:"out_per_sec"`
	// Grade is Flink's back-pressure grade of the interval: ok (≤ 100 ms/s
	// back-pressured), low (≤ 500) or high.
	Grade    string `json:"grade"`
	InFlight int64  `json:"in_flight"`
	Acked    uint64 `json:"acked_total"`
	Done     bool   `json:"done"`
	// Latency is event creation to this sink and Lag event time behind
	// the clock at this sink (sinks only).
	Latency *Latency `json:"latency,omitempty"`
	Lag     *Latency `json:"lag,omitempty"`
	// Ticks describes the actor's components that work in ticks.
	Ticks []Ticks `json:"ticks,omitempty"`
}

// Ticks is one ticking component's measured ticks (see engine.TickStats).
type Ticks struct {
	Component string  `json:"component"`
	Period    float64 `json:"period_seconds"`
	Gaps      uint64  `json:"gaps_total"`
	// Recent are the latest gaps between ticks, oldest first; MeanGap and
	// P99Gap summarise them.
	Recent     []float64 `json:"recent_gaps_seconds"`
	MeanGap    float64   `json:"mean_gap_seconds"`
	P99Gap     float64   `json:"p99_gap_seconds"`
	Emitted    uint64    `json:"emitted_total"`
	MaxPerTick int       `json:"max_per_tick"`
}

// Latency is a sink's latency (or lag) distribution: percentiles in
// seconds since the start, the same over the interval when the reader
// reads precise histograms, and the coarse histogram
// (engine.LatencyBuckets) that Prometheus exports.
type Latency struct {
	Count    uint64  `json:"count"`
	P50      float64 `json:"p50_seconds"`
	P90      float64 `json:"p90_seconds"`
	P99      float64 `json:"p99_seconds"`
	Max      float64 `json:"max_seconds"`
	Interval *Window `json:"interval,omitempty"`
	// Buckets[i] counts values at or below BucketBounds[i] (the last one:
	// above every bound), not cumulative; Sum is their total in seconds.
	Buckets []uint64 `json:"buckets"`
	Sum     float64  `json:"sum_seconds"`
}

// Window is a distribution over one interval.
type Window struct {
	Count uint64  `json:"count"`
	P50   float64 `json:"p50_seconds"`
	P90   float64 `json:"p90_seconds"`
	P99   float64 `json:"p99_seconds"`
	Max   float64 `json:"max_seconds"`
}

// Edge is one ring between actors.
type Edge struct {
	// Label names the edge uniquely in its tenant (see EdgeLabel):
	// "count#1 -> out", "gen -> count#0".
	Label     string `json:"label"`
	From      string `json:"from"`
	Output    string `json:"output,omitempty"`
	To        string `json:"to"`
	Partition int    `json:"partition"`
	// FromActors and ToActor name the actors at the ends (FromActors is
	// shared by a Reader's snapshots of the tenant version: read only).
	FromActors []string `json:"from_actors"`
	ToActor    string   `json:"to_actor"`
	Capacity   int      `json:"capacity"`
	Policy     string   `json:"policy"`
	Published  uint64   `json:"published_total"`
	Consumed   uint64   `json:"consumed_total"`
	Dropped    uint64   `json:"dropped_total"`
	Gaps       uint64   `json:"gaps_total"`
	Depth      int      `json:"depth"`
	Fill       float64  `json:"fill_ratio"`
	// Batches counts the consumer's polls by size, cumulative: Batches[b]
	// polls of 2^(b-1) to 2^b - 1 events (trailing zero buckets cut).
	Batches        []uint64 `json:"batches"`
	BlockedSeconds float64  `json:"blocked_seconds_total"`
	Allocated      int      `json:"allocated_slots"`
	Bytes          int64    `json:"bytes"`
	Closed         bool     `json:"closed"`
	// Over the interval: the largest batch the consumer took since this
	// reader's previous snapshot, the producers' blocked milliseconds per
	// second, drops and publishes per second, and the edge's pressure
	// grade (Flink's bounds over blocked time; a drop edge that dropped
	// in the interval is high).
	MaxBatch        int     `json:"max_batch"`
	BlockedMsPerSec float64 `json:"blocked_ms_per_sec"`
	DroppedPerSec   float64 `json:"dropped_per_sec"`
	PublishedPerSec float64 `json:"published_per_sec"`
	Grade           string  `json:"grade"`
}

// Component returns the instance of t's components named name ("out",
// "out#1"), or nil.
func (t *Tenant) Component(name string) *Component {
	for i := range t.Components {
		if t.Components[i].Name == name {
			return &t.Components[i]
		}
	}
	return nil
}

// Tenant returns the tenant named id in s, or nil.
func (s *Snapshot) Tenant(id string) *Tenant {
	for i := range s.Tenants {
		if s.Tenants[i].ID == id {
			return &s.Tenants[i]
		}
	}
	return nil
}
