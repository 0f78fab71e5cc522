package component

import (
	"fmt"
	"sort"
	"time"

	"github.com/greenwave/greenwave/internal/event"
)

// Kind says where a component sits in a pipeline.
type Kind uint8

// The component kinds, as the sections of a pipeline file name them.
const (
	KindSource Kind = iota
	KindTransform
	KindSink
)

func (k Kind) String() string {
	switch k {
	case KindSource:
		return "source"
	case KindTransform:
		return "transform"
	case KindSink:
		return "sink"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Spec describes a component type. Specs are immutable once in a Catalog.
type Spec struct {
	// Type is the name used in the `type:` key of a pipeline file.
	Type string
	Kind Kind
	Doc  string
	// Options lists the type's own options, with their defaults, enums,
	// bounds, nested keys and docs. The keys every component has (type,
	// inputs, buffer, event_time, key, parallelism) are not listed here:
	// the pipeline parser declares them once for all types.
	Options []Option
	// Stateless components keep no state between events and map each input
	// event to at most one output event; the compiler may fuse a chain of
	// them into one actor. Their instances implement InPlace.
	Stateless bool
	// Keyed components accept `key` and `parallelism`; their input is hash
	// partitioned by key over parallel instances.
	Keyed bool
	// KeyOption names the option (a StringList of field names) whose
	// fields a stateless transform hashes into Event.Key, chaining
	// event.Value.Hash from 0 (key_by). A keyed consumer with the same key
	// fields can then partition by Event.Key without hashing again.
	KeyOption string
	// Parallel sinks may run as several instances at once, one beside each
	// instance of their upstream (a blackhole, a client of a partitioned
	// log). A Parallel sink whose single input is an operator's only
	// consumer runs fused at the end of that operator's actor, saving an
	// edge. Sinks that write one file or one terminal are not Parallel.
	// Parallel sources accept `parallelism`: instance i of n produces its
	// share of the stream (Context.Instance, Context.Parallelism).
	Parallel bool
	// Inner sources accept `parallelism` too, but run as one instance that
	// spreads its own work over that many goroutines (the file source's
	// decoders) and keeps one output stream: the plan builds one actor and
	// Context.Parallelism holds the `parallelism` asked for (Instance is 0).
	Inner bool
	// IO marks components whose calls block on I/O (a file, a terminal,
	// a socket): the engine runs each instance's actor on a goroutine of its
	// own, never on a worker, so a stalled read or write stalls only that
	// actor. Its edges fill and their overflow policies apply; every other
	// actor, of this tenant or another, keeps running. Components that do
	// their I/O on goroutines of their own (Async sinks, push sources) need
	// not set it.
	IO bool
	// SideOutputs names extra outputs, referenced by other components as
	// "<name>.<output>", for example "logs.dead_letter".
	SideOutputs []string
	// MaxInputs bounds the number of inputs (0: any number; ignored for
	// sources, which have none).
	MaxInputs int
	// Claims, when set, returns the exclusive resources an instance of the
	// component claims, given its options and Dir (Inputs are not set). It
	// must not touch the resources; it is called once per component when
	// pipeline files are checked, before anything runs.
	Claims func(ctx *Context) []Claim
	// New builds one instance. It is called once per parallel instance at
	// run time and once by the validator, which discards the result. It must
	// not start goroutines or open files for writing before Open. It reads
	// its options with a Reader and reports every problem with them it
	// finds as OptionErrors (Reader.Err), each naming the option, nested
	// key, map entry or list element at fault, which the loader reports at
	// that value's position in the file.
	New func(ctx *Context) (*Instance, error)
}

// Option returns the option spec with the given name.
func (s *Spec) Option(name string) (*Option, bool) { return find(s.Options, name) }

// Context is what New gets: the instance's identity, its options, and the
// schemas of its inputs.
type Context struct {
	Tenant string
	// Name is the component's name in the pipeline file.
	Name string
	// Dir is the directory of the pipeline file; relative paths in options
	// are resolved against it.
	Dir     string
	Options Options
	// Inputs holds the schema of each input, in the order of `inputs:`.
	Inputs []*event.Schema
	// Key lists the key fields of a keyed component (may be empty when an
	// upstream key_by has set the key).
	Key []string
	// Instance is this instance's index in [0, Parallelism).
	Instance, Parallelism int
	// Registry registers the schemas the instance produces.
	Registry Registry
	// Reject records an event the instance refused (a malformed line, a
	// missing required field). It counts it and reports the first few.
	// It may be nil during validation.
	Reject func(err error)
	// Now is the clock (wall time). Tests inject a fixed clock.
	Now func() time.Time
	// Validating is set when New is called by the validator: the instance
	// will never run, so it must not touch files or the network.
	Validating bool
	// Wake schedules the instance's actor for a turn soon. Any goroutine
	// may call it; it costs one atomic load when the actor is already
	// scheduled. Push sources call it when their queue receives events,
	// Async sinks when acknowledgements free room. Nil while validating.
	Wake func()
	// Ack reports completions of an Async sink: n events delivered (err
	// nil), or given up on for good after the sink's own retries (err says
	// why; the tenant then fails with it, naming the sink). Any goroutine
	// may call it. Nil while validating and for other components.
	Ack func(n int, err error)
	// CloseTimeout bounds what Close may wait for (a network flush).
	CloseTimeout time.Duration
	// Checkpoints says whether the run checkpoints the tenant, for a
	// component that needs checkpoints (a source that acknowledges input
	// once a checkpoint holding it has committed) and reports an error
	// without them. CheckpointsUnknown when the file is checked without a
	// run (greenwave validate), which cannot know.
	Checkpoints Checkpoints
	// CheckpointInterval is the time between the tenant's checkpoints
	// when Checkpoints is CheckpointsOn (0 otherwise).
	CheckpointInterval time.Duration
}

// Checkpoints says whether a run checkpoints a tenant (Context.Checkpoints).
type Checkpoints uint8

const (
	// CheckpointsUnknown: the file is checked without a run.
	CheckpointsUnknown Checkpoints = iota
	// CheckpointsOff: the run keeps no checkpoints (no state directory,
	// no store).
	CheckpointsOff
	// CheckpointsOn: the run checkpoints the tenant every
	// Context.CheckpointInterval.
	CheckpointsOn
)

// Registry is the part of the type registry instances use.
type Registry interface {
	// Register registers s (or returns the already-registered schema of the
	// same tenant and name, extended with any new fields) and returns it with
	// its ID set.
	Register(s *event.Schema) (*event.Schema, error)
	// Schema returns the schema with the given ID, or nil.
	Schema(id uint32) *event.Schema
}

// Instance is one built component instance.
type Instance struct {
	// Source is set for sources.
	Source Source
	// Operator is set for transforms and sinks.
	Operator Operator
	// Schema is the schema of the main output (nil for sinks).
	Schema *event.Schema
	// SideSchemas holds the schema of each side output, in Spec.SideOutputs
	// order.
	SideSchemas []*event.Schema
}

// Catalog is a set of component specs by type name. It is read-only after
// NewCatalog and safe for concurrent use.
type Catalog struct {
	specs map[string]*Spec
}

// NewCatalog returns a catalog of specs; it reports duplicate type names.
func NewCatalog(specs ...*Spec) (*Catalog, error) {
	c := &Catalog{specs: make(map[string]*Spec, len(specs))}
	for _, s := range specs {
		key := s.Kind.String() + "/" + s.Type
		if _, dup := c.specs[key]; dup {
			return nil, fmt.Errorf("duplicate %s type %q", s.Kind, s.Type)
		}
		c.specs[key] = s
	}
	return c, nil
}

// Lookup returns the spec of the given kind and type.
func (c *Catalog) Lookup(kind Kind, typ string) (*Spec, bool) {
	s, ok := c.specs[kind.String()+"/"+typ]
	return s, ok
}

// Types lists the type names of one kind, sorted.
func (c *Catalog) Types(kind Kind) []string {
	var out []string
	for _, s := range c.specs {
		if s.Kind == kind {
			out = append(out, s.Type)
		}
	}
	sort.Strings(out)
	return out
}
