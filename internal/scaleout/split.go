package scaleout

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/spec"
)

// Unit is one part of a pipeline that one instance at a time runs.
type Unit struct {
	// Name is the unit's tenant name: "<tenant>-p<k>" for partition k,
	// "<tenant>" for the components no jetstream source feeds.
	Name string
	// Partition is the partition the unit reads, or -1.
	Partition int
	// Pipeline is the unit's part of the file.
	Pipeline *spec.Pipeline
}

// partitionedType is the source type whose partitions split a pipeline.
const partitionedType = "jetstream"

// Split cuts p into units: one per partition for the components downstream
// of its jetstream sources, which all must read streams of the same number
// of partitions (partitions gives a source's count), and one for the rest.
// A file sink of a partition unit writes a file of its own, the partition
// added to its name (out.jsonl: out-p3.jsonl).
// A component fed both by a jetstream source and by something else is an
// error, at its position, as is a jetstream source that names a partition.
func Split(p *spec.Pipeline, partitions func(c *spec.Component) (int, error)) ([]Unit, error) {
	fed := map[string]bool{}
	n := 0
	var errs spec.Errors
	var first *spec.Component
	for _, c := range p.Components {
		if c.Kind != component.KindSource || c.Type != partitionedType {
			continue
		}
		if c.Options.Given("partition") {
			errs = append(errs, spec.Errorf(c.OptionPos("partition"), c.Desc(), "a pipeline run by instances reads every partition; leave partition out"))
			continue
		}
		k, err := partitions(c)
		if err != nil {
			errs = append(errs, spec.Errorf(c.Pos, c.Desc(), "%v", err))
			continue
		}
		if first != nil && k != n {
			errs = append(errs, spec.Errorf(c.Pos, c.Desc(), "its stream has %d partitions, and that of %s at %s %d; the instances share one set of partitions",
				k, first.Desc(), first.Pos, n))
			continue
		}
		first, n = c, k
		fed[c.Name] = true
	}
	// Downstream closure, in topological order.
	for _, c := range p.Topo() {
		if c.Kind == component.KindSource {
			continue
		}
		var from, other []string
		for _, in := range c.Inputs {
			if fed[in.Component] {
				from = append(from, in.Component)
			} else {
				other = append(other, in.Component)
			}
		}
		if len(from) == 0 {
			continue
		}
		if len(other) > 0 {
			errs = append(errs, spec.Errorf(c.Pos, c.Desc(), "reads %s, fed by a partitioned stream, and %s, which is not: instances run each partition apart; publish %s to a stream and read it",
				quoteList(from), quoteList(other), quoteList(other)))
			continue
		}
		fed[c.Name] = true
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	var units []Unit
	for k := 0; k < n; k++ {
		units = append(units, Unit{Name: fmt.Sprintf("%s-p%d", p.Tenant, k), Partition: k, Pipeline: subset(p, fmt.Sprintf("%s-p%d", p.Tenant, k), k, fed, true)})
	}
	if len(fed) < len(p.Components) {
		units = append(units, Unit{Name: p.Tenant, Partition: -1, Pipeline: subset(p, p.Tenant, -1, fed, false)})
	}
	return units, nil
}

// subset copies the components of p that are (or are not) in fed, as the
// pipeline of tenant name; jetstream sources read partition k.
func subset(p *spec.Pipeline, name string, k int, fed map[string]bool, in bool) *spec.Pipeline {
	q := *p
	q.Tenant = name
	q.Components = nil
	q.ByName = map[string]*spec.Component{}
	for _, c := range p.Components {
		if fed[c.Name] != in {
			continue
		}
		cc := *c
		if c.Kind == component.KindSource && c.Type == partitionedType {
			cc.Options = withOption(c.Options, "partition", int64(k))
		}
		if in && c.Kind == component.KindSink && c.Type == "file" {
			// Each partition writes a file of its own: out.jsonl becomes
			// out-p3.jsonl.
			path := c.Options.String("path")
			ext := filepath.Ext(path)
			cc.Options = withOption(c.Options, "path", fmt.Sprintf("%s-p%d%s", strings.TrimSuffix(path, ext), k, ext))
		}
		q.Components = append(q.Components, &cc)
		q.ByName[cc.Name] = &cc
	}
	return &q
}

// withOption returns o with name set to v.
func withOption(o component.Options, name string, v any) component.Options {
	values := map[string]any{}
	for _, n := range o.Names() {
		values[n], _ = o.Raw(n)
	}
	values[name] = v
	return component.Declared(o.Declarations(), values)
}

func quoteList(names []string) string {
	sort.Strings(names)
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
