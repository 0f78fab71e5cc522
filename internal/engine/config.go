package engine

import (
	"io"
	"runtime"
	"time"

	"github.com/greenwave/greenwave/internal/registry"
)

// Config configures an Engine. The zero value is usable: one worker per
// core, adaptive waiting, a 512-event budget per turn.
type Config struct {
	// Workers is the number of worker goroutines (0: GOMAXPROCS).
	Workers int
	// Wait is the strategy of an idle worker: "adaptive" (the default when
	// empty), "park", "spin_then_park", "yield" or "busy_spin".
	Wait string
	// SpinFor is how long a spin_then_park worker spins after running out
	// of work before it parks (0: 200 µs, a little above a park/wake round
	// trip under load, so a steady stream of 10k events/s keeps it awake).
	SpinFor time.Duration
	// Pin locks each worker to an OS thread pinned to CPU (worker index
	// modulo the CPUs available). Set GOMAXPROCS explicitly when pinning.
	Pin bool
	// WatermarkInterval is the least wall time between two watermarks a
	// source sends (0: 5 ms). Smaller means windows close sooner after
	// their end; every watermark costs one control record per edge.
	WatermarkInterval time.Duration
	// Budget is the most events an actor handles in one turn (0: 512).
	Budget int
	// Registry is the type registry shared by all tenants (nil: a new one).
	Registry *registry.Registry
	// Log receives rejected-event reports and tenant failures (nil: discard).
	Log io.Writer
	// Now is the wall clock handed to components (nil: time.Now).
	Now func() time.Time
	// RejectReports is how many rejected events per component are reported
	// to Log one by one before only counting (0: 5).
	RejectReports int
	// OpenTimeout bounds the Open calls of a tenant's components at start
	// (0: 10 s).
	OpenTimeout time.Duration
	// CloseTimeout is what a component's Close may wait for, handed to it
	// as Context.CloseTimeout (0: 5 s).
	CloseTimeout time.Duration
	// StateDir, when set, makes every tenant checkpointed there and
	// restored from its newest checkpoint at start.
	StateDir string
	// CheckpointInterval is the time between a tenant's checkpoints when
	// its file sets none (0: DefaultCheckpointInterval).
	CheckpointInterval time.Duration
	// CheckpointAlignedTimeout is how long a checkpoint round stays
	// aligned before it goes unaligned, when the tenant's file sets
	// nothing (0: DefaultAlignedTimeout; negative: rounds stay aligned).
	CheckpointAlignedTimeout time.Duration
	// CheckpointStore, when set, is asked at Compile and Run for a store
	// of the tenant's checkpoints; a tenant it gives one is checkpointed
	// there (with or without StateDir), the others as StateDir says. It is
	// called with the tenant's name and must be safe for concurrent use.
	CheckpointStore func(tenant string) CheckpointStore
}

func (c *Config) defaults() {
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.Wait == "" {
		c.Wait = "adaptive"
	}
	if c.SpinFor <= 0 {
		c.SpinFor = 200 * time.Microsecond
	}
	if c.WatermarkInterval <= 0 {
		c.WatermarkInterval = 5 * time.Millisecond
	}
	if c.Budget <= 0 {
		c.Budget = 512
	}
	if c.Registry == nil {
		c.Registry = registry.New()
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.RejectReports <= 0 {
		c.RejectReports = 5
	}
	if c.OpenTimeout <= 0 {
		c.OpenTimeout = 10 * time.Second
	}
	if c.CloseTimeout <= 0 {
		c.CloseTimeout = 5 * time.Second
	}
	if c.CheckpointInterval <= 0 {
		c.CheckpointInterval = DefaultCheckpointInterval
	}
	if c.CheckpointAlignedTimeout == 0 {
		c.CheckpointAlignedTimeout = DefaultAlignedTimeout
	}
}
