package spec

import (
	"slices"
	"strings"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/diag"
)

// link checks every input against the pipeline's components and then looks
// for cycles.
func (l *loader) link(p *Pipeline) {
	var names []string // what an input may name: not a sink
	for _, c := range p.Components {
		if c.Kind != component.KindSink {
			names = append(names, c.Name)
		}
	}
	for _, c := range l.all {
		desc := c.Desc()
		for _, in := range c.Inputs {
			prod, ok := p.ByName[in.Component]
			switch {
			case in.Component == c.Name && prod == c:
				// (A left-out duplicate naming its own name reads from the
				// component that holds the name, checked like any other.)
				l.errorf(in.Pos, desc, "lists itself as an input")
			case !ok:
				l.unknown(in.Pos, desc, "unknown input", in.Component, without(names, c.Name), "")
			case prod.Kind == component.KindSink:
				l.errorf(in.Pos, desc, "input %q is a sink; sinks have no output", in.Component)
			case in.Output != "" && prod.Spec != nil && prod.SideOutput(in.Output) < 0:
				if sides := prod.Spec.SideOutputs; len(sides) > 0 {
					l.errorf(in.Pos, desc, "input %q: %s has no side output %q (side outputs: %s)", in.String(), prod.Desc(), in.Output, diag.QuoteList(sides))
				} else {
					l.errorf(in.Pos, desc, "input %q: %s has no side outputs", in.String(), prod.Desc())
				}
			}
		}
		if c.Spec != nil && c.Spec.MaxInputs > 0 && len(c.Inputs) > c.Spec.MaxInputs {
			l.errorf(c.OptionPos("inputs"), desc, "too many inputs: type %q takes at most %d, got %d", c.Type, c.Spec.MaxInputs, len(c.Inputs))
		}
	}
	l.cycles(p)
}

func without(names []string, name string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if n != name {
			out = append(out, n)
		}
	}
	return out
}

// edges returns, for each component index, the indexes of the components
// that read from it (in Components order, each once). Self-inputs and
// inputs naming no component are left out.
func edges(p *Pipeline) [][]int {
	index := make(map[string]int, len(p.Components))
	for i, c := range p.Components {
		index[c.Name] = i
	}
	succ := make([][]int, len(p.Components))
	for j, c := range p.Components {
		for _, in := range c.Inputs {
			i, ok := index[in.Component]
			if !ok || i == j {
				continue
			}
			if n := len(succ[i]); n > 0 && succ[i][n-1] == j {
				continue // several outputs of i read by j
			}
			succ[i] = append(succ[i], j)
		}
	}
	return succ
}

// cycles reports the cycles among the pipeline's components. For each
// group of components that reach each other (a strongly connected
// component of the graph), it reports the shortest cycle through each
// member, once per distinct cycle, so that every component on a cycle is
// named at least once. Each cycle is written from its member that comes
// first in the file, and reported at that member.
func (l *loader) cycles(p *Pipeline) {
	succ := edges(p)
	for _, group := range stronglyConnected(succ) {
		if len(group) < 2 {
			continue // a self-input is reported as such, and left out of succ
		}
		in := make(map[int]bool, len(group))
		for _, i := range group {
			in[i] = true
		}
		reported := map[string]bool{}
		for _, start := range group {
			cyc := shortestCycle(start, succ, in)
			first := 0
			for k := range cyc {
				if cyc[k] < cyc[first] {
					first = k
				}
			}
			cyc = append(cyc[first:], cyc[:first]...)
			path := make([]string, 0, len(cyc)+1)
			for _, i := range cyc {
				path = append(path, p.Components[i].Name)
			}
			path = append(path, path[0])
			key := strings.Join(path, " -> ")
			if reported[key] {
				continue
			}
			reported[key] = true
			c := p.Components[cyc[0]]
			l.errorf(c.Pos, c.Desc(), "inputs form a cycle: %s", key)
		}
	}
}

// shortestCycle returns the members of a shortest cycle through start that
// stays inside the group, starting at start (breadth-first search; ties go
// to the earlier component). start must lie on a cycle within the group.
func shortestCycle(start int, succ [][]int, group map[int]bool) []int {
	parent := map[int]int{}
	queue := []int{start}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, v := range succ[u] {
			if !group[v] {
				continue
			}
			if v == start {
				var cyc []int
				for w := u; w != start; w = parent[w] {
					cyc = append(cyc, w)
				}
				cyc = append(cyc, start)
				for i, j := 0, len(cyc)-1; i < j; i, j = i+1, j-1 {
					cyc[i], cyc[j] = cyc[j], cyc[i]
				}
				return cyc
			}
			if _, seen := parent[v]; seen {
				continue
			}
			parent[v] = u
			queue = append(queue, v)
		}
	}
	panic("BUG: shortestCycle called for a component on no cycle")
}

// stronglyConnected returns the strongly connected components of the graph
// (Tarjan's algorithm, iterative so deep pipelines cannot overflow the
// stack). Each group lists its members in increasing index order; groups
// come in increasing order of their smallest member.
func stronglyConnected(succ [][]int) [][]int {
	n := len(succ)
	index := make([]int, n)
	low := make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var groups [][]int
	var sccStack []int
	next := 0
	type frame struct{ v, edge int }
	for root := 0; root < n; root++ {
		if index[root] >= 0 {
			continue
		}
		frames := []frame{{root, 0}}
		index[root], low[root] = next, next
		next++
		sccStack = append(sccStack, root)
		onStack[root] = true
		for len(frames) > 0 {
			f := &frames[len(frames)-1]
			if f.edge < len(succ[f.v]) {
				w := succ[f.v][f.edge]
				f.edge++
				if index[w] < 0 {
					index[w], low[w] = next, next
					next++
					sccStack = append(sccStack, w)
					onStack[w] = true
					frames = append(frames, frame{w, 0})
				} else if onStack[w] {
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			frames = frames[:len(frames)-1]
			if len(frames) > 0 {
				u := frames[len(frames)-1].v
				low[u] = min(low[u], low[v])
			}
			if low[v] == index[v] {
				var group []int
				for {
					w := sccStack[len(sccStack)-1]
					sccStack = sccStack[:len(sccStack)-1]
					onStack[w] = false
					group = append(group, w)
					if w == v {
						break
					}
				}
				groups = append(groups, group)
			}
		}
	}
	for _, g := range groups {
		slices.Sort(g)
	}
	slices.SortFunc(groups, func(a, b []int) int { return a[0] - b[0] })
	return groups
}
