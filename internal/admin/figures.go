package admin

import (
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/metrics"
)

// The components' own figures (component.Figurer) are exported as the
// families greenwave_component_<figure name>, labelled with the tenant, the
// component (with "#i" for instance i of a parallel one) and the figure's
// own labels. Families are built per scrape from the snapshot: the first
// figure of a name defines its family's help, type and label names; a
// figure that is invalid (component.CheckFigure), disagrees with its
// family, or repeats a series already emitted is left out, so a faulty
// component cannot break the exposition.

// figureFamily is one greenwave_component_<name> family of a scrape.
type figureFamily struct {
	desc   *prometheus.Desc
	help   string
	kind   component.FigureKind
	labels []string // the figure's own label names
}

// figureSeries is one series to emit.
type figureSeries struct {
	fam    *figureFamily
	value  float64
	labels []string // tenant, component, then the figure's label values
}

// figureSet is a scrape's component families and series.
type figureSet struct {
	families []*figureFamily
	series   []figureSeries
}

// componentFamilyPrefix starts every component family's name.
const componentFamilyPrefix = "greenwave_component_"

// buildFigures reads the snapshot's components' figures.
func buildFigures(s *metrics.Snapshot) *figureSet {
	set := &figureSet{}
	byName := map[string]*figureFamily{}
	seen := map[string]bool{}
	var key strings.Builder
	for i := range s.Tenants {
		t := &s.Tenants[i]
		for j := range t.Components {
			c := &t.Components[j]
			for _, f := range c.Figures {
				if component.CheckFigure(f) != nil {
					continue
				}
				fam := byName[f.Name]
				if fam == nil {
					fam = &figureFamily{help: f.Help, kind: f.Kind}
					for _, l := range f.Labels {
						fam.labels = append(fam.labels, l.Name)
					}
					names := append(append([]string(nil), component.ReservedFigureLabels...), fam.labels...)
					fam.desc = prometheus.NewDesc(componentFamilyPrefix+f.Name, f.Help, names, nil)
					byName[f.Name] = fam
					set.families = append(set.families, fam)
				} else if fam.help != f.Help || fam.kind != f.Kind || !sameLabelNames(fam.labels, f.Labels) {
					continue
				}
				values := make([]string, 0, 2+len(f.Labels))
				values = append(values, t.ID, c.Name)
				for _, l := range f.Labels {
					values = append(values, l.Value)
				}
				key.Reset()
				key.WriteString(f.Name)
				for _, v := range values {
					key.WriteByte(0)
					key.WriteString(v)
				}
				if k := key.String(); seen[k] {
					continue
				} else {
					seen[k] = true
				}
				set.series = append(set.series, figureSeries{fam: fam, value: f.Value, labels: values})
			}
		}
	}
	return set
}

func sameLabelNames(names []string, labels []component.Label) bool {
	return slices.EqualFunc(names, labels, func(n string, l component.Label) bool { return n == l.Name })
}

func (set *figureSet) describe(ch chan<- *prometheus.Desc) {
	for _, f := range set.families {
		ch <- f.desc
	}
}

func (set *figureSet) collect(ch chan<- prometheus.Metric) {
	for _, s := range set.series {
		vt := prometheus.GaugeValue
		if s.fam.kind == component.Counter {
			vt = prometheus.CounterValue
		}
		m, err := prometheus.NewConstMetric(s.fam.desc, vt, s.value, s.labels...)
		if err != nil {
			continue // a label value that is not valid UTF-8
		}
		ch <- m
	}
}
