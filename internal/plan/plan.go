package plan

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/spec"
)

// Node is one component of the logical DAG.
type Node struct {
	Comp *spec.Component
	// Schema is the schema of the main output (nil for sinks).
	Schema *event.Schema
	// SideSchemas are the side outputs' schemas, in Spec.SideOutputs order.
	SideSchemas []*event.Schema
	// Inputs are the node's input edges in `inputs:` order (port order).
	Inputs []*Edge
	// Outputs are the edges that read this node's outputs.
	Outputs []*Edge
	// Timed is set when the node's operator acts on event time
	// (component.WatermarkAware): it heads its actor, where watermarks
	// reach it.
	Timed bool
}

// Name returns the component name.
func (n *Node) Name() string { return n.Comp.Name }

// Edge is a logical edge from one node's output to another node's input port.
type Edge struct {
	From *Node
	// Output is the producing node's output: 0 is the main output, i+1 is
	// side output i.
	Output int
	To     *Node
	// Port is the index of the input on the consuming node.
	Port int
	// Capacity and Policy come from the consumer's buffer settings.
	Capacity int
	Policy   string
	// KeySlots are the slots (in the edge's schema) of the consumer's key
	// fields when the consumer is keyed and names its key; empty means
	// partition by Event.Key.
	KeySlots []int
}

// Schema returns the schema of the events on the edge.
func (e *Edge) Schema() *event.Schema {
	if e.Output == 0 {
		return e.From.Schema
	}
	return e.From.SideSchemas[e.Output-1]
}

// Label names the edge as "from[.output] -> to".
func (e *Edge) Label() string {
	from := e.From.Name()
	if e.Output > 0 {
		from += "." + e.From.Comp.Spec.SideOutputs[e.Output-1]
	}
	return from + " -> " + e.To.Name()
}

// Actor is one schedulable unit of the physical plan: a head component (a
// source, a stateful or unfusable operator, or a sink) followed by a fused
// chain of stateless operators, as one parallel instance.
type Actor struct {
	ID int
	// Nodes are the fused components, head first.
	Nodes []*Node
	// Instance and Parallelism: this actor is instance Instance of
	// Parallelism copies of the same chain.
	Instance, Parallelism int
	// Worker is the worker the actor is placed on, or -1 for an IO actor,
	// which runs on a goroutine of its own.
	Worker int
}

// IO reports whether any of the actor's components blocks on I/O
// (component.Spec.IO): the engine then runs the actor on a goroutine of its
// own, never on a worker.
func (a *Actor) IO() bool {
	for _, n := range a.Nodes {
		if n.Comp.Spec.IO {
			return true
		}
	}
	return false
}

// Head returns the first node of the actor.
func (a *Actor) Head() *Node { return a.Nodes[0] }

// Tail returns the last node of the actor; its outputs leave the actor.
func (a *Actor) Tail() *Node { return a.Nodes[len(a.Nodes)-1] }

// Name is the fused component names joined by "+", with "#i" for parallel
// instances.
func (a *Actor) Name() string {
	var b strings.Builder
	for i, n := range a.Nodes {
		if i > 0 {
			b.WriteByte('+')
		}
		b.WriteString(n.Name())
	}
	if a.Parallelism > 1 {
		fmt.Fprintf(&b, "#%d", a.Instance)
	}
	return b.String()
}

// Link is one physical edge: a ring from the actors that produce a logical
// edge's events to one consumer actor instance.
type Link struct {
	ID   int
	Edge *Edge
	// Producers are the actors writing to the ring (more than one needs a
	// multi-producer ring).
	Producers []*Actor
	Consumer  *Actor
	// Partition is the index of Consumer among the consumer's instances;
	// producers route an event here when hash(key) % Partitions == Partition.
	Partition, Partitions int
}

// Plan is the compiled physical plan of one pipeline file (one tenant).
type Plan struct {
	Pipeline *spec.Pipeline
	Tenant   string
	Nodes    []*Node // topological order
	ByName   map[string]*Node
	Actors   []*Actor
	Links    []*Link
	Workers  int
	// Weight is the tenant's share of worker time relative to other
	// tenants (0 means 1).
	Weight float64

	ringPerProducer bool
}

// Options tune compilation.
type Options struct {
	// Workers is the number of engine workers to place actors on (>= 1).
	Workers int
	// FirstWorker is where placement starts looking, so that tenants of
	// equal weight spread round-robin.
	FirstWorker int
	// WorkerLoad is the load already placed on each worker by earlier
	// tenants (len Workers, or nil for none); Compile adds this plan's.
	WorkerLoad []int
	// Registry registers the schemas the components produce (a throwaway
	// registry is fine for validation).
	Registry component.Registry
	// Now is the clock handed to components (nil: time.Now).
	Now func() time.Time
	// RingPerProducer gives every (producer, consumer) pair a ring of its
	// own, however many producers a consumer has: checkpoint barriers can
	// then be aligned per producer (a shared ring would interleave one
	// producer's events after its barrier with another's before).
	RingPerProducer bool
	// Checkpoints and CheckpointInterval are handed to the components in
	// their Context (see there).
	Checkpoints        component.Checkpoints
	CheckpointInterval time.Duration
}

// Compile builds the logical DAG (checking every component against real
// schemas), fuses and partitions it, and places the actors. The error, when
// not nil, is a spec.Errors listing every problem found, each at its value
// in the file.
//
// A pipeline Parse found problems in still compiles as far as it can: the
// components that are valid and read only from valid ones are built, so
// that their own problems are reported in the same run. Such a pipeline
// never yields a plan; without further problems the error says so.
func Compile(p *spec.Pipeline, opt Options) (*Plan, error) {
	if opt.Workers < 1 {
		opt.Workers = 1
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	pl := &Plan{Pipeline: p, Tenant: p.Tenant, ByName: map[string]*Node{}, Workers: opt.Workers, Weight: p.Weight}
	var errs spec.Errors
	invalid := 0
	for _, c := range p.Topo() {
		n := &Node{Comp: c}
		pl.ByName[c.Name] = n
		pl.Nodes = append(pl.Nodes, n)
		if !c.Valid() {
			invalid++ // Parse reported why; it cannot be built
			continue
		}
		ok := true
		for port, in := range c.Inputs {
			from := pl.ByName[in.Component]
			if from == nil {
				return nil, errors.New("BUG: topological order broken at " + c.Name)
			}
			if !from.Comp.Valid() {
				ok = false // no schema to build against
				continue
			}
			out := 0
			if in.Output != "" {
				for i, s := range from.Comp.Spec.SideOutputs {
					if s == in.Output {
						out = i + 1
					}
				}
			}
			e := &Edge{From: from, Output: out, To: n, Port: port, Capacity: c.Buffer.Capacity, Policy: c.Buffer.WhenFull}
			if e.Schema() == nil {
				// The producer failed to build; its error is reported already.
				ok = false
				continue
			}
			n.Inputs = append(n.Inputs, e)
			from.Outputs = append(from.Outputs, e)
		}
		if !ok || len(n.Inputs) != len(c.Inputs) {
			continue
		}
		// Validate with the parallelism the component will run at, so that
		// an instance that cannot run in parallel says so now.
		par := 1
		if c.Spec.Keyed || (c.Kind == component.KindSource && c.Spec.Parallel) {
			par = max(c.Parallelism, 1)
		}
		inst, err := build(pl, n, 0, par, opt, true)
		if err != nil {
			errs = append(errs, c.Diagnose(err)...)
			continue
		}
		n.Schema, n.SideSchemas = inst.Schema, inst.SideSchemas
		_, n.Timed = inst.Operator.(component.WatermarkAware)
		if c.Spec.Keyed && len(c.Key) > 0 {
			for _, e := range n.Inputs {
				if keyedUpstream(e, c.Key) {
					continue // Event.Key already holds hash(key)
				}
				s := e.Schema()
				for _, k := range c.Key {
					slot, ok := s.Slot(k)
					if !ok {
						errs = append(errs, spec.Errorf(c.KeyPos, c.Desc(), "key field %q is not in input %q (fields: %s)", k, e.From.Name(), strings.Join(s.Names(), ", ")))
						break
					}
					e.KeySlots = append(e.KeySlots, slot)
				}
			}
		}
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	if invalid > 0 {
		return nil, fmt.Errorf("pipeline %s has %d components with problems reported when it was parsed", p.File, invalid)
	}
	pl.fuse()
	pl.ringPerProducer = opt.RingPerProducer
	pl.link()
	pl.place(opt.FirstWorker, opt.WorkerLoad)
	return pl, nil
}

// Hooks are the runtime's callbacks handed to a running instance in its
// component.Context (see there).
type Hooks struct {
	Reject       func(error)
	Wake         func()
	Ack          func(n int, err error)
	CloseTimeout time.Duration
}

// NewInstance builds instance i of n's component for running.
func (pl *Plan) NewInstance(n *Node, instance, parallelism int, opt Options, hooks Hooks) (*component.Instance, error) {
	inst, err := buildWith(pl, n, instance, parallelism, opt, false, hooks)
	if err != nil {
		return nil, n.Comp.Diagnose(err).Err()
	}
	return inst, nil
}

func build(pl *Plan, n *Node, instance, parallelism int, opt Options, validating bool) (*component.Instance, error) {
	return buildWith(pl, n, instance, parallelism, opt, validating, Hooks{})
}

func buildWith(pl *Plan, n *Node, instance, parallelism int, opt Options, validating bool, hooks Hooks) (inst *component.Instance, err error) {
	c := n.Comp
	if c.Kind == component.KindSource && c.Spec.Inner && !c.Spec.Parallel {
		// One instance, which spreads its work over its own goroutines.
		instance, parallelism = 0, max(c.Parallelism, 1)
	}
	ctx := &component.Context{
		Tenant: pl.Tenant, Name: c.Name, Dir: pl.Pipeline.Dir, Options: c.Options,
		Key: c.Key, Instance: instance, Parallelism: parallelism,
		Registry: opt.Registry, Reject: hooks.Reject, Now: opt.Now, Validating: validating,
		Wake: hooks.Wake, Ack: hooks.Ack, CloseTimeout: hooks.CloseTimeout,
		Checkpoints: opt.Checkpoints, CheckpointInterval: opt.CheckpointInterval,
	}
	for _, e := range n.Inputs {
		ctx.Inputs = append(ctx.Inputs, e.Schema())
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("BUG: building %s panicked: %v", c.Desc(), p)
		}
	}()
	inst, err = c.Spec.New(ctx)
	if err != nil {
		return nil, err
	}
	if inst == nil {
		return nil, fmt.Errorf("BUG: %s type %q built no instance", c.Kind, c.Type)
	}
	switch c.Kind {
	case component.KindSource:
		if inst.Source == nil || inst.Schema == nil {
			return nil, fmt.Errorf("BUG: source type %q built no source or schema", c.Type)
		}
	case component.KindTransform:
		if inst.Operator == nil || inst.Schema == nil {
			return nil, fmt.Errorf("BUG: transform type %q built no operator or schema", c.Type)
		}
	case component.KindSink:
		if inst.Operator == nil {
			return nil, fmt.Errorf("BUG: sink type %q built no operator", c.Type)
		}
	}
	if len(inst.SideSchemas) != len(c.Spec.SideOutputs) {
		return nil, fmt.Errorf("BUG: %s type %q built %d side schemas for %d side outputs", c.Kind, c.Type, len(inst.SideSchemas), len(c.Spec.SideOutputs))
	}
	return inst, nil
}

// keyedUpstream reports whether the events on e already carry the hash of
// exactly the fields key in Event.Key, set by a key_by-like transform
// (Spec.KeyOption) on the edge's producer.
func keyedUpstream(e *Edge, key []string) bool {
	from := e.From.Comp
	if e.Output != 0 || from.Spec.KeyOption == "" {
		return false
	}
	fields := from.Options.StringList(from.Spec.KeyOption)
	if len(fields) != len(key) {
		return false
	}
	for i := range key {
		if fields[i] != key[i] {
			return false
		}
	}
	return true
}
