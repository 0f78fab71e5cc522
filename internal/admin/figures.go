package admin

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

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
	name   string
	help   string
	kind   component.FigureKind
	labels []string // the figure's own label names
	all    []string // the reserved label names, then labels
	series int      // how many series it has
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
					fam = &figureFamily{name: componentFamilyPrefix + f.Name, help: f.Help, kind: f.Kind}
					for _, l := range f.Labels {
						fam.labels = append(fam.labels, l.Name)
					}
					names := append(append([]string(nil), component.ReservedFigureLabels...), fam.labels...)
					fam.all = names
					fam.desc = prometheus.NewDesc(fam.name, f.Help, names, nil)
					byName[f.Name] = fam
					set.families = append(set.families, fam)
				} else if fam.help != f.Help || fam.kind != f.Kind || !sameLabelNames(fam.labels, f.Labels) {
					continue
				}
				values := make([]string, 0, 2+len(f.Labels))
				values = append(values, t.ID, c.Name)
				valid := true
				for _, l := range f.Labels {
					values = append(values, l.Value)
				}
				for _, v := range values {
					valid = valid && utf8.ValidString(v)
				}
				if !valid {
					continue // a label value that is not valid UTF-8
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
				fam.series++
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

// build adds the series to b and returns their families (those with a
// series), in the order of their first figure.
func (set *figureSet) build(b *builder) []*dto.MetricFamily {
	byFam := make(map[*figureFamily]*dto.MetricFamily, len(set.families))
	out := make([]*dto.MetricFamily, 0, len(set.families))
	for _, f := range set.families {
		typ := dto.MetricType_GAUGE
		if f.kind == component.Counter {
			typ = dto.MetricType_COUNTER
		}
		mf := &dto.MetricFamily{Name: &f.name, Help: &f.help, Type: &typ, Metric: make([]*dto.Metric, 0, f.series)}
		byFam[f] = mf
		out = append(out, mf)
	}
	for _, s := range set.series {
		ps := make([]*dto.LabelPair, len(s.labels))
		for i := range s.labels {
			ps[i] = &dto.LabelPair{Name: &s.fam.all[i], Value: &s.labels[i]}
		}
		slices.SortFunc(ps, func(x, y *dto.LabelPair) int { return strings.Compare(x.GetName(), y.GetName()) })
		m := b.metrics.next(b.chunk)
		m.Label = ps
		v := s.value
		if s.fam.kind == component.Counter {
			m.Counter = &dto.Counter{Value: &v}
		} else {
			m.Gauge = &dto.Gauge{Value: &v}
		}
		mf := byFam[s.fam]
		mf.Metric = append(mf.Metric, m)
	}
	return out
}
