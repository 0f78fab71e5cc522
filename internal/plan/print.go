package plan

import (
	"fmt"
	"io"
	"strings"
)

// Write prints the physical plan for a person: actors with their fused
// components, instances and workers, then every link with its ring.
func (pl *Plan) Write(w io.Writer) {
	fmt.Fprintf(w, "tenant %q (%s): %d components, %d actors on %d workers, %d links\n",
		pl.Tenant, pl.Pipeline.File, len(pl.Nodes), len(pl.Actors), pl.Workers, len(pl.Links))
	fmt.Fprintln(w, "\nactors:")
	for _, a := range pl.Actors {
		var parts []string
		for _, n := range a.Nodes {
			parts = append(parts, fmt.Sprintf("%s(%s %s)", n.Name(), n.Comp.Kind, n.Comp.Type))
		}
		inst := ""
		if a.Parallelism > 1 {
			inst = fmt.Sprintf(" instance #%d of %d", a.Instance, a.Parallelism)
		}
		fused := ""
		if len(a.Nodes) > 1 {
			fused = " [fused]"
		}
		where := fmt.Sprintf("worker %d", a.Worker)
		if a.IO() {
			where = "own goroutine (blocking I/O)"
		}
		fmt.Fprintf(w, "  a%-3d %s%s%s: %s\n", a.ID, where, inst, fused, strings.Join(parts, " -> "))
	}
	fmt.Fprintln(w, "\nedges:")
	for _, l := range pl.Links {
		var prod []string
		for _, p := range l.Producers {
			prod = append(prod, fmt.Sprintf("a%d", p.ID))
		}
		mode := "1 producer"
		if len(l.Producers) > 1 {
			mode = fmt.Sprintf("%d producers (multi-producer ring)", len(l.Producers))
		}
		part := ""
		if l.Partitions > 1 {
			key := "Event.Key"
			if len(l.Edge.To.Comp.Key) > 0 {
				key = strings.Join(l.Edge.To.Comp.Key, ",")
			}
			part = fmt.Sprintf(", hash(%s) %% %d == %d", key, l.Partitions, l.Partition)
		}
		fmt.Fprintf(w, "  %-40s %s -> a%d  ring %d (%s), %s%s\n",
			l.Edge.Label(), strings.Join(prod, ","), l.Consumer.ID, roundPow2(l.Edge.Capacity), l.Edge.Policy, mode, part)
	}
}

// String returns Write's output.
func (pl *Plan) String() string {
	var b strings.Builder
	pl.Write(&b)
	return b.String()
}

// WriteDot prints the plan as a Graphviz digraph: one cluster per worker,
// one box per actor, one arrow per link labelled with its ring.
func (pl *Plan) WriteDot(w io.Writer) {
	fmt.Fprintf(w, "digraph %q {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n", pl.Tenant)
	for wk := 0; wk < pl.Workers; wk++ {
		fmt.Fprintf(w, "  subgraph cluster_w%d {\n    label=\"worker %d\";\n", wk, wk)
		for _, a := range pl.Actors {
			if a.Worker == wk {
				fmt.Fprintf(w, "    a%d [label=%q];\n", a.ID, a.Name())
			}
		}
		fmt.Fprintln(w, "  }")
	}
	for _, a := range pl.Actors {
		if a.IO() {
			fmt.Fprintf(w, "  a%d [label=%q, style=dashed];\n", a.ID, a.Name()+"\n(own goroutine: I/O)")
		}
	}
	for _, l := range pl.Links {
		for _, p := range l.Producers {
			fmt.Fprintf(w, "  a%d -> a%d [label=%q];\n", p.ID, l.Consumer.ID,
				fmt.Sprintf("%s\n%d %s", l.Edge.Label(), roundPow2(l.Edge.Capacity), l.Edge.Policy))
		}
	}
	fmt.Fprintln(w, "}")
}

func roundPow2(n int) int {
	p := 2
	for p < n {
		p <<= 1
	}
	return p
}
