package component

import (
	"fmt"
	"strings"
)

// Figurer is implemented by components (an operator, a source, or the
// value an operator's Report returns) that keep figures of their own: an
// http source's requests by status, an inbox's fill and waits, a
// dispatcher's queue, a served table's subscribers. The engine gathers them
// per instance (engine.Stats.Figures), the metrics model carries them, and
// the admin server exports each as the Prometheus family
// greenwave_component_<name> labelled with the tenant and the component.
//
// AppendFigures appends the current figures to dst and returns it. It is
// called at scrape time from any goroutine while the component runs (and
// after it finished): it reads counters the component keeps anyway, with
// atomic loads or a short lock, and never blocks the component's worker.
// The same component returns the same names with the same help, kind and
// label names every time (values and label values change); see
// CheckFigure for what a valid figure is.
type Figurer interface {
	AppendFigures(dst []Figure) []Figure
}

// Figure is one counter or gauge of a component.
type Figure struct {
	// Name is snake_case ([a-z][a-z0-9_]*), prefixed by what it describes
	// ("http_source_", "inbox_", "dispatch_"); a counter's ends in _total,
	// a gauge's does not; a unit is a base unit (seconds, bytes) or a
	// count of things (events, requests).
	Name string     `json:"name"`
	Help string     `json:"help"`
	Kind FigureKind `json:"kind"`
	// Value is cumulative since the component started for a counter, the
	// current value for a gauge.
	Value float64 `json:"value"`
	// Labels tell apart figures of one name (a status code, a
	// subscriber); a name always comes with the same label names, in the
	// same order.
	Labels []Label `json:"labels,omitempty"`
}

// Label is a figure's label.
type Label struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// FigureKind is a counter (never decreases) or a gauge.
type FigureKind uint8

const (
	Counter FigureKind = iota + 1
	Gauge
)

func (k FigureKind) String() string {
	switch k {
	case Counter:
		return "counter"
	case Gauge:
		return "gauge"
	}
	return fmt.Sprintf("FigureKind(%d)", uint8(k))
}

// MarshalText writes "counter" or "gauge".
func (k FigureKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads "counter" or "gauge".
func (k *FigureKind) UnmarshalText(b []byte) error {
	switch string(b) {
	case "counter":
		*k = Counter
	case "gauge":
		*k = Gauge
	default:
		return fmt.Errorf("figure kind %q: want counter or gauge", b)
	}
	return nil
}

// CounterOf and GaugeOf build figures (labels as name, value pairs).
func CounterOf(name, help string, v float64, labels ...string) Figure {
	return Figure{Name: name, Help: help, Kind: Counter, Value: v, Labels: pairs(labels)}
}

// GaugeOf builds a gauge figure (labels as name, value pairs).
func GaugeOf(name, help string, v float64, labels ...string) Figure {
	return Figure{Name: name, Help: help, Kind: Gauge, Value: v, Labels: pairs(labels)}
}

func pairs(kv []string) []Label {
	if len(kv) == 0 {
		return nil
	}
	if len(kv)%2 != 0 {
		panic("BUG: figure labels must come in name, value pairs")
	}
	out := make([]Label, len(kv)/2)
	for i := range out {
		out[i] = Label{Name: kv[2*i], Value: kv[2*i+1]}
	}
	return out
}

// ReservedFigureLabels are the label names the export adds to every
// figure; a figure's own labels must not use them.
var ReservedFigureLabels = []string{"tenant", "component"}

// CheckFigure reports what makes f an invalid figure: a name or label name
// that is not snake_case, a counter without the _total suffix or a gauge
// with it, a suffix Prometheus reserves for histograms (_count, _sum,
// _bucket), a unit that is not a base one (milliseconds), no help, an
// unknown kind, or a reserved or repeated label name.
func CheckFigure(f Figure) error {
	if !snake(f.Name) {
		return fmt.Errorf("figure %q: the name is not snake_case", f.Name)
	}
	switch f.Kind {
	case Counter:
		if !strings.HasSuffix(f.Name, "_total") {
			return fmt.Errorf("figure %q: a counter's name ends in _total", f.Name)
		}
	case Gauge:
		if strings.HasSuffix(f.Name, "_total") {
			return fmt.Errorf("figure %q: a gauge's name does not end in _total", f.Name)
		}
	default:
		return fmt.Errorf("figure %q: kind %s: want counter or gauge", f.Name, f.Kind)
	}
	for _, s := range []string{"_count", "_sum", "_bucket", "_counter", "_gauge"} {
		if strings.HasSuffix(f.Name, s) || strings.Contains(f.Name, s+"_") {
			return fmt.Errorf("figure %q: %s is reserved for another metric type", f.Name, s)
		}
	}
	for _, w := range strings.Split(f.Name, "_") {
		switch w {
		case "ms", "us", "ns", "s", "sec", "b", "kb", "mb", "gb", "m", "h", "d",
			"milliseconds", "microseconds", "nanoseconds", "minutes", "hours", "days", "kilobytes", "megabytes", "bits":
			return fmt.Errorf("figure %q: use a base unit (seconds, bytes), not %q", f.Name, w)
		}
	}
	if strings.TrimSpace(f.Help) == "" {
		return fmt.Errorf("figure %q: no help", f.Name)
	}
	for i, l := range f.Labels {
		if !snake(l.Name) {
			return fmt.Errorf("figure %q: label %q is not snake_case", f.Name, l.Name)
		}
		for _, r := range ReservedFigureLabels {
			if l.Name == r {
				return fmt.Errorf("figure %q: label %q is reserved", f.Name, l.Name)
			}
		}
		for _, o := range f.Labels[:i] {
			if o.Name == l.Name {
				return fmt.Errorf("figure %q: label %q repeated", f.Name, l.Name)
			}
		}
	}
	return nil
}

// snake reports a name of [a-z][a-z0-9_]* with no leading, trailing or
// doubled underscore.
func snake(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}
