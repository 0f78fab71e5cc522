package spec

import (
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// PipelineOptions returns the top-level keys of a pipeline file besides
// the component sections (sources, transforms, sinks) and "x-" keys,
// declared as options: the parser converts weight and limits by these
// declarations (tenant has rules of its own), and the reference docs list
// them.
func PipelineOptions() []component.Option {
	return []component.Option{
		{Name: "tenant", Type: component.String,
			Doc: "The tenant the file's pipeline runs as: letters, digits, `_` and `-`. Default: the file's name " +
				"without its extension. Every file of a run is a tenant of its own, with its own rings, actors, " +
				"types and counters; a fault in one stops only that tenant."},
		{Name: "weight", Type: component.Float, Default: 1.0, HasMin: true, ExclusiveMin: true,
			Doc: "The tenant's share of worker time relative to the other tenants of the run: a tenant of weight 2 " +
				"gets twice the turns of a tenant of weight 1 when both have work."},
		{Name: "limits", Type: component.Object,
			Doc: "Caps on the tenant's resources.",
			Options: []component.Option{
				{Name: "memory", Type: component.Size, Default: int64(0), HasMin: true,
					Doc: "Most memory the tenant's state and ring slots may hold, such as `512MiB`; 0 sets no cap."},
			}},
		{Name: "checkpoint", Type: component.Object,
			Doc: "How often the tenant's state is checkpointed when the run has a state directory " +
				"(`greenwave run --state-dir`); without one, nothing is checkpointed.",
			Options: []component.Option{
				{Name: "interval", Type: component.Duration, Default: time.Duration(0), HasMin: true,
					Doc: "Time between two checkpoints, such as `2s`; 0 takes the run's `--checkpoint-interval` (10s)."},
				{Name: "aligned_timeout", Type: component.Duration, HasMin: true,
					Doc: "How long a checkpoint waits for its barriers to come through the data queued ahead of them " +
						"(aligned) before they pass it (unaligned: the queued events are saved with the checkpoint and " +
						"replayed on restore), such as `500ms`. Absent: the run's `--checkpoint-aligned-timeout` (1s); " +
						"`0s`: checkpoints stay aligned."},
			}},
	}
}

// pipelineOptions is PipelineOptions, built once for the parser (read-only).
var pipelineOptions = PipelineOptions()

// topLevelKeys lists every top-level key a file may have (but "x-" keys).
func topLevelKeys() []string {
	keys := component.Names(pipelineOptions)
	return append(keys, "sources", "transforms", "sinks")
}

// Checkpoint is the tenant's `checkpoint:` settings.
type Checkpoint struct {
	// Interval between checkpoints (0: the run's default).
	Interval time.Duration
	// AlignedTimeout is how long a round stays aligned before it goes
	// unaligned (0: the run's default; negative: the file says `0s`,
	// rounds stay aligned).
	AlignedTimeout time.Duration
}

// Limits caps a tenant's resources (`limits:`); zero values set no cap.
type Limits struct {
	// Memory is the most bytes of state the tenant may hold (0: no cap).
	Memory int64
	// Pos is the position of the `limits:` value (or the file's start),
	// MemoryPos that of `memory:` (or Pos).
	Pos, MemoryPos Pos
}

// pipelineKey parses a declared top-level key (weight, limits).
func (l *loader) pipelineKey(p *Pipeline, s *scope, e entry) {
	o := findOption(pipelineOptions, e.key)
	path := component.At(e.key)
	v, ok := l.convert(s, o, path, e.value)
	if !ok {
		return
	}
	switch e.key {
	case "weight":
		p.Weight, p.WeightPos = v.(float64), l.pos(e.value)
	case "limits":
		lim := v.(component.Options)
		p.Limits.Pos = l.pos(e.value)
		p.Limits.Memory = lim.Size("memory")
		p.Limits.MemoryPos = p.PathPos(path.Key("memory"))
	case "checkpoint":
		o := v.(component.Options)
		p.Checkpoint.Interval = o.Duration("interval")
		if o.Given("aligned_timeout") {
			p.Checkpoint.AlignedTimeout = o.Duration("aligned_timeout")
			if p.Checkpoint.AlignedTimeout == 0 {
				p.Checkpoint.AlignedTimeout = -1
			}
		}
	}
}

// PathPos returns the position of the value of a top-level key (or a key
// nested in one: `limits.memory`), or of the closest enclosing value given,
// or the start of the file.
func (p *Pipeline) PathPos(path component.Path) Pos {
	if pos, ok := p.pos.Path(path); ok {
		return pos
	}
	return Pos{File: p.File, Line: 1, Col: 1}
}
