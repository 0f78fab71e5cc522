package spec

import "github.com/greenwave/greenwave/internal/component"

// Pipeline is one parsed pipeline file: a tenant's components and the edges
// between them. It is not modified after Parse returns and may be read from
// several goroutines.
type Pipeline struct {
	// File is the file name as given to Parse or Load; positions use it.
	File string
	// Dir is the absolute directory of File; components resolve relative
	// paths in their options against it.
	Dir string
	// Tenant is the `tenant:` value, or the file's base name without its
	// extension when the file has none.
	Tenant string
	// TenantPos is the position of the `tenant:` value, or the start of the
	// file for a tenant taken from the file name.
	TenantPos Pos
	// Weight is the tenant's share of worker time relative to other tenants
	// (`weight:`, > 0; 1 when absent); WeightPos is the position of its
	// value, or the start of the file.
	Weight    float64
	WeightPos Pos
	// Limits caps the tenant's resources (`limits:`); zero: no cap.
	Limits Limits
	// Checkpoint sets how often the tenant is checkpointed (`checkpoint:`).
	Checkpoint Checkpoint
	// Components holds the sources, then the transforms, then the sinks,
	// each section in file order. A component whose name repeats an earlier
	// one is reported and left out.
	Components []*Component
	// ByName finds a component of Components by name.
	ByName map[string]*Component

	// pos holds the positions of the top-level keys' values.
	pos positions
}

// Consumers returns the components that list any output of the named
// component among their inputs, in Components order. A component listing
// it several times (through different outputs) appears once.
func (p *Pipeline) Consumers(name string) []*Component {
	var out []*Component
	for _, c := range p.Components {
		for _, in := range c.Inputs {
			if in.Component == name {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// OfKind returns the components of one kind, in file order.
func (p *Pipeline) OfKind(k component.Kind) []*Component {
	var out []*Component
	for _, c := range p.Components {
		if c.Kind == k {
			out = append(out, c)
		}
	}
	return out
}

// Producer returns the component an input reads from, or nil when the
// input names no component of the pipeline (which Parse reports).
func (p *Pipeline) Producer(in Input) *Component { return p.ByName[in.Component] }

// Topo returns the components in a topological order: every component comes
// after all the components it reads from. Among components whose inputs are
// ready it keeps the Components order, so the result is deterministic. It is
// only a true topological order when Parse reported no cycle; components on
// a cycle (and those downstream of one) are appended at the end in
// Components order so that none is lost. Inputs that name no component are
// ignored.
func (p *Pipeline) Topo() []*Component {
	index := make(map[*Component]int, len(p.Components))
	for i, c := range p.Components {
		index[c] = i
	}
	pending := make([]int, len(p.Components))     // unresolved distinct producers
	consumers := make([][]int, len(p.Components)) // producer index -> consumer indexes
	for i, c := range p.Components {
		seen := map[int]bool{}
		for _, in := range c.Inputs {
			prod, ok := p.ByName[in.Component]
			if !ok || prod == c {
				continue
			}
			j := index[prod]
			if seen[j] {
				continue
			}
			seen[j] = true
			pending[i]++
			consumers[j] = append(consumers[j], i)
		}
	}
	out := make([]*Component, 0, len(p.Components))
	done := make([]bool, len(p.Components))
	// Repeatedly take the first ready component in Components order. The
	// pipelines are small (tens of components), so the quadratic scan is
	// cheaper to read than a priority queue and fast enough.
	for {
		next := -1
		for i := range p.Components {
			if !done[i] && pending[i] == 0 {
				next = i
				break
			}
		}
		if next < 0 {
			break
		}
		done[next] = true
		out = append(out, p.Components[next])
		for _, k := range consumers[next] {
			pending[k]--
		}
	}
	for i, c := range p.Components {
		if !done[i] {
			out = append(out, c)
		}
	}
	return out
}
