package plan

import (
	"sort"

	"github.com/greenwave/greenwave/internal/component"
)

// fuse groups nodes into actors. A node joins its upstream's actor when the
// link between them is one-to-one: the node has exactly one input, reading
// the upstream's main output, and is the upstream's only consumer; and the
// node is
//
//   - a stateless transform, which then runs in place on the upstream's
//     batches; or
//   - a Parallel sink (blackhole), one beside each upstream instance; or
//   - a keyed transform with parallelism 1 behind an upstream of one
//     instance, which does not act on event time: one instance sees every
//     key anyway, so no partitioning is lost, and a ring and a turn per
//     batch are saved (a count or aggregate behind its source).
//
// Other sinks never fuse, so that a sink writing one file or terminal has
// one instance and its own edge (with its own fill and batch-size
// figures); an operator acting on event time heads its actor, where the
// watermarks arrive. Keyed nodes with parallelism above 1 start an actor
// with that many instances; nodes fused behind them run in each instance.
func (pl *Plan) fuse() {
	actorOf := map[*Node][]*Actor{}
	for _, n := range pl.Nodes {
		if up := fusableInto(n); up != nil && actorOf[up] != nil && (!n.Comp.Spec.Keyed || len(actorOf[up]) == 1) {
			for _, a := range actorOf[up] {
				a.Nodes = append(a.Nodes, n)
			}
			actorOf[n] = actorOf[up]
			continue
		}
		par := 1
		parallel := n.Comp.Spec.Keyed || (n.Comp.Kind == component.KindSource && n.Comp.Spec.Parallel)
		if parallel && n.Comp.Parallelism > 1 {
			par = n.Comp.Parallelism
		}
		var group []*Actor
		for i := 0; i < par; i++ {
			a := &Actor{ID: len(pl.Actors), Nodes: []*Node{n}, Instance: i, Parallelism: par}
			pl.Actors = append(pl.Actors, a)
			group = append(group, a)
		}
		actorOf[n] = group
	}
}

func fusableInto(n *Node) *Node {
	c := n.Comp
	keyedAlone := c.Kind == component.KindTransform && c.Spec.Keyed && max(c.Parallelism, 1) == 1 && !n.Timed &&
		len(c.Spec.SideOutputs) == 0
	fusable := (c.Kind == component.KindTransform && c.Spec.Stateless) || (c.Kind == component.KindSink && c.Spec.Parallel) || keyedAlone
	if !fusable || len(n.Inputs) != 1 {
		return nil
	}
	e := n.Inputs[0]
	if e.Output != 0 || len(e.From.Outputs) != 1 {
		return nil
	}
	if e.From.Comp.Kind == component.KindSink {
		return nil
	}
	return e.From
}

// ActorsOf returns the actors whose head is n (one per instance), or nil
// when n is fused into another actor.
func (pl *Plan) ActorsOf(n *Node) []*Actor {
	var out []*Actor
	for _, a := range pl.Actors {
		if a.Head() == n {
			out = append(out, a)
		}
	}
	return out
}

// ActorsContaining returns the actors that run n (head or fused).
func (pl *Plan) ActorsContaining(n *Node) []*Actor {
	var out []*Actor
	for _, a := range pl.Actors {
		for _, m := range a.Nodes {
			if m == n {
				out = append(out, a)
			}
		}
	}
	return out
}

// MaxPairRings is the most producers a consumer instance reads through
// rings of their own. Up to this many, each (producer, consumer) pair gets a
// single-producer ring: no compare-and-swap, no waiting for another
// producer's commit. Beyond it, the producers share one multi-producer ring,
// so a consumer never polls more than this many rings for one input.
const MaxPairRings = 4

// link creates the physical links of every logical edge that crosses
// actors: for each consumer instance, one single-producer ring per producer
// (up to MaxPairRings producers) or one shared multi-producer ring.
func (pl *Plan) link() {
	for _, n := range pl.Nodes {
		consumers := pl.ActorsOf(n)
		if len(consumers) == 0 {
			continue // fused: its input edge is inside an actor
		}
		for _, e := range n.Inputs {
			producers := pl.ActorsContaining(e.From)
			for i, c := range consumers {
				if len(producers) <= MaxPairRings || pl.ringPerProducer {
					for _, p := range producers {
						pl.Links = append(pl.Links, &Link{
							ID: len(pl.Links), Edge: e, Producers: []*Actor{p}, Consumer: c,
							Partition: i, Partitions: len(consumers),
						})
					}
					continue
				}
				pl.Links = append(pl.Links, &Link{
					ID: len(pl.Links), Edge: e, Producers: producers, Consumer: c,
					Partition: i, Partitions: len(consumers),
				})
			}
		}
	}
}

// place puts each actor on the least-loaded worker, heaviest first, where
// an actor's weight is the number of components it runs plus one for a
// source (which also produces its events). load holds the workers' load
// from tenants placed before; it is updated. A nil load starts at zero.
// Ties go to the lowest worker index after first, so that tenants with
// equal loads spread round-robin.
//
// A tenant without parallel instances (no `parallelism` above 1) runs all
// its actors on one worker, the least loaded: its hand-offs then never
// cross cores or wake another worker, and small tenants, the common case
// when there are many, cost one worker's attention each instead of
// several. `parallelism` is how a tenant asks for more than one core.
func (pl *Plan) place(first int, load []int) {
	if len(load) != pl.Workers {
		load = make([]int, pl.Workers)
	}
	parallel := false
	for _, a := range pl.Actors {
		parallel = parallel || a.Parallelism > 1
	}
	if !parallel {
		best := -1
		for k := 0; k < pl.Workers; k++ {
			w := (first + k) % pl.Workers
			if best < 0 || load[w] < load[best] {
				best = w
			}
		}
		for _, a := range pl.Actors {
			if a.IO() {
				a.Worker = -1
				continue
			}
			a.Worker = best
			load[best] += Weight(a)
		}
		return
	}
	order := make([]*Actor, len(pl.Actors))
	copy(order, pl.Actors)
	sort.SliceStable(order, func(i, j int) bool { return Weight(order[i]) > Weight(order[j]) })
	for _, a := range order {
		if a.IO() {
			a.Worker = -1 // a goroutine of its own
			continue
		}
		best := -1
		for k := 0; k < pl.Workers; k++ {
			w := (first + k) % pl.Workers
			if best < 0 || load[w] < load[best] {
				best = w
			}
		}
		a.Worker = best
		load[best] += Weight(a)
	}
}

// Weight estimates an actor's share of a worker's time: the components it
// runs, plus one for a source; 0 for an IO actor, which runs beside the
// workers.
func Weight(a *Actor) int {
	if a.IO() {
		return 0 // not on a worker
	}
	w := len(a.Nodes)
	if a.Head().Comp.Kind == component.KindSource {
		w++
	}
	return w
}

// LinksInto returns the links consumed by actor a, in port order.
func (pl *Plan) LinksInto(a *Actor) []*Link {
	var out []*Link
	for _, l := range pl.Links {
		if l.Consumer == a {
			out = append(out, l)
		}
	}
	return out
}

// LinksFrom returns the links actor a produces into.
func (pl *Plan) LinksFrom(a *Actor) []*Link {
	var out []*Link
	for _, l := range pl.Links {
		for _, p := range l.Producers {
			if p == a {
				out = append(out, l)
			}
		}
	}
	return out
}
