package admin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/metrics"
)

// oddTenant is a tenant id with every character the text format escapes.
const oddTenant = "we\"ird\\ten\nant"

// oddSnapshot has what the exposition must get right: names with a double
// quote, a backslash and a line feed, a tenant listed twice, one whose id
// is not valid UTF-8, a repeated actor and edge, a checkpointed tenant,
// sinks with histograms, non-integer and special values, workers, and
// component figures whose help and labels need escaping.
func oddSnapshot() metrics.Snapshot {
	hist := func(n uint64) *metrics.Latency {
		bs := make([]uint64, len(metrics.BucketBounds)+1)
		for i := range bs {
			bs[i] = n * uint64(i%3)
		}
		return &metrics.Latency{Buckets: bs, Sum: 0.125 * float64(n)}
	}
	edges := func(t string) []metrics.Edge {
		return []metrics.Edge{
			{Label: "gen -> a\"b", To: "a\"b", Partition: 0, Published: 10, Consumed: 9, Fill: 0.25, Capacity: 1024, BlockedSeconds: 1.5e-7},
			{Label: "a\"b -> sink\\1", To: "sink\\1", Partition: 70, Published: 1 << 60, Dropped: 3, MaxBatch: 64},
			{Label: "a\"b -> sink\\1", To: "sink\\1", Partition: 70, Published: 5}, // repeats the one before
			{Label: "gen -> x\ny", To: "x\ny", Partition: 1, Fill: math.NaN(), Bytes: 4096},
		}
	}
	actors := func() []metrics.Actor {
		return []metrics.Actor{
			{Name: "gen", Kind: "source", In: 10, Out: 10, BusySeconds: 0.001, IdleSeconds: 12.5},
			{Name: "a\"b", Kind: "transform", In: 10, Out: 9, BackPressuredSeconds: math.Inf(1)},
			{Name: "a\"b", Kind: "transform", In: 99}, // repeats the one before
			{Name: "sink\\1", Kind: "sink", In: 9, InFlight: 2, Latency: hist(3), Lag: hist(1)},
			{Name: "bad\xff", Kind: "sink", In: 1, Latency: hist(7)},
		}
	}
	figs := []component.Figure{
		component.CounterOf("odd_events_total", "Events, with a \\ and a\nline feed.", 7, "path", "/a\"b\\c\nd"),
		component.GaugeOf("odd_depth", "Depth.", -2.5),
	}
	return metrics.Snapshot{
		Process: metrics.Process{VoluntaryCtxSwitches: 12, InvoluntaryCtxSwitches: 3, RunDelaySeconds: 0.75, Threads: 9, CPUs: 2},
		Workers: []metrics.Worker{{ID: 0, Actors: 3, Passes: 100, Idle: 40}, {ID: 1, Parks: 5, Wakes: 4}},
		Tenants: []metrics.Tenant{
			{ID: oddTenant, Version: 2, State: "running", In: 10, Out: 9, Dropped: 3,
				Memory:      metrics.Memory{StateBytes: 1 << 20, RingBytes: 4096, Limit: 1 << 30},
				Checkpoints: &metrics.Checkpoints{Written: 4, Failed: 1, LastBytes: 900, LastDurationSeconds: 0.0625},
				Actors:      actors(), Edges: edges(oddTenant),
				Components: []metrics.Component{{Name: "src#1", Figures: figs}}},
			{ID: "plain", Version: 1, State: "finished", In: 5, Actors: actors()[:2], Edges: edges("plain")[:1]},
			{ID: oddTenant, Version: 3, State: "running", In: 1000},   // listed twice
			{ID: "bad\xfe", Version: 1, State: "running", In: 1},      // not valid UTF-8
			{ID: "badstate", Version: 1, State: "run\xfening", In: 1}, // not valid UTF-8
		},
	}
}

// textOf writes x's scrape of s and parses it, failing on a family whose
// # HELP or # TYPE line repeats or whose samples are not together.
func textOf(t *testing.T, x *textScrape, s *metrics.Snapshot, filter map[string]bool) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	x.prepare(s, 3*time.Millisecond, nil, expfmt.NewFormat(expfmt.TypeTextPlain), filter)
	var out bytes.Buffer
	if err := x.write(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	done := map[string]bool{}
	last := ""
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		var name string
		if rest, ok := strings.CutPrefix(line, "# "); ok {
			f := strings.Fields(rest)
			name = f[1]
			if f[0] == "TYPE" && f[2] == "histogram" {
				done["histogram "+name] = true
			}
			if f[0] == "TYPE" || f[0] == "HELP" {
				key := f[0] + " " + name
				if done[key] {
					t.Errorf("%s twice", key)
				}
				done[key] = true
			}
		} else {
			name, _, _ = strings.Cut(line, "{")
			name, _, _ = strings.Cut(name, " ")
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if base, ok := strings.CutSuffix(name, suffix); ok && done["histogram "+base] {
					name = base
				}
			}
		}
		if name != last {
			if done["family "+name] {
				t.Errorf("the samples of %s are not together", name)
			}
			done["family "+name] = true
			last = name
		}
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, text)
	}
	return text, fams
}

// series renders a family's series in order, one line each, so that two
// encodings of the same figures compare equal.
func series(mf *dto.MetricFamily) []string {
	var out []string
	for _, m := range mf.Metric {
		var b strings.Builder
		for _, l := range m.Label {
			fmt.Fprintf(&b, "%s=%q ", l.GetName(), l.GetValue())
		}
		switch {
		case m.Counter != nil:
			fmt.Fprint(&b, m.Counter.GetValue())
		case m.Gauge != nil:
			fmt.Fprint(&b, m.Gauge.GetValue())
		case m.Histogram != nil:
			h := m.Histogram
			fmt.Fprintf(&b, "count %d sum %v", h.GetSampleCount(), h.GetSampleSum())
			for _, bk := range h.Bucket {
				if !math.IsInf(bk.GetUpperBound(), 1) {
					fmt.Fprintf(&b, " %v:%d", bk.GetUpperBound(), bk.GetCumulativeCount())
				}
			}
		}
		out = append(out, b.String())
	}
	return out
}

// sameFamilies fails unless the text exposition's families are the
// builder's: the same names, help, types and series in the same order.
func sameFamilies(t *testing.T, got map[string]*dto.MetricFamily, want []*dto.MetricFamily) {
	t.Helper()
	if len(got) != len(want) {
		var names []string
		for n := range got {
			names = append(names, n)
		}
		t.Errorf("text has %d families %v, the builder %d", len(got), names, len(want))
	}
	for _, w := range want {
		g := got[w.GetName()]
		if g == nil {
			t.Errorf("text has no %s", w.GetName())
			continue
		}
		if g.GetHelp() != w.GetHelp() || g.GetType() != w.GetType() {
			t.Errorf("%s: text help %q type %v, builder %q %v", w.GetName(), g.GetHelp(), g.GetType(), w.GetHelp(), w.GetType())
		}
		gs, ws := series(g), series(w)
		if strings.Join(gs, "\n") != strings.Join(ws, "\n") {
			t.Errorf("%s: text series\n%s\nbuilder series\n%s", w.GetName(), strings.Join(gs, "\n"), strings.Join(ws, "\n"))
		}
	}
}

// The text exposition has the builder's families, series and values, with
// odd names escaped, left-out tenants, actors and edges left out, and its
// label text kept right as tenants change between scrapes.
func TestTextMatchesBuilder(t *testing.T) {
	var x textScrape
	var b builder
	check := func(step string, s metrics.Snapshot) map[string]*dto.MetricFamily {
		t.Helper()
		_, got := textOf(t, &x, &s, nil)
		want := b.families(&s, buildFigures(&s), 3*time.Millisecond)
		t.Run(step, func(t *testing.T) { sameFamilies(t, got, want) })
		return got
	}
	s := oddSnapshot()
	fams := check("first", s)
	if v, ok := textValue(fams, "greenwave_tenant_events_in_total", "tenant", oddTenant); !ok || v != 10 {
		t.Errorf("tenant %q: events in %v (present %v), want 10 (the first listing)", oddTenant, v, ok)
	}
	if n := len(fams["greenwave_tenant_events_in_total"].GetMetric()); n != 2 {
		t.Errorf("%d tenants exposed, want 2 (one listed twice, two not valid UTF-8)", n)
	}
	if n := len(fams["greenwave_edge_published_total"].GetMetric()); n != 4 {
		t.Errorf("%d edges exposed, want 4 (3 of the odd tenant, one repeated; 1 of plain)", n)
	}
	if v, ok := textValue(fams, "greenwave_component_odd_events_total", "path", "/a\"b\\c\nd"); !ok || v != 7 {
		t.Errorf("component figure with an odd label: %v (present %v), want 7", v, ok)
	}
	if h := fams["greenwave_component_odd_events_total"].GetHelp(); h != "Events, with a \\ and a\nline feed." {
		t.Errorf("component help %q", h)
	}
	check("again", s)

	// The odd tenant is replaced (a new version with other actors and
	// edges), plain finishes, and a new tenant arrives.
	s2 := oddSnapshot()
	s2.Tenants[0].Version = 3
	s2.Tenants[0].Actors[0].Name = "renamed"
	s2.Tenants[0].Edges[1].To = "elsewhere"
	s2.Tenants[0].Edges[1].Label = "renamed -> elsewhere"
	s2.Tenants[0].Checkpoints = nil
	s2.Tenants[1].State = "failed"
	s2.Tenants = append(s2.Tenants, metrics.Tenant{ID: "new", Version: 1, State: "running", Actors: s2.Tenants[1].Actors,
		Edges: s2.Tenants[1].Edges})
	fams = check("replaced", s2)
	if _, ok := textValue(fams, "greenwave_actor_events_in_total", "actor", "renamed"); !ok {
		t.Error("the replaced tenant's renamed actor has no series")
	}
	if _, ok := textValue(fams, "greenwave_tenant_info", "tenant", "plain", "state", "failed"); !ok {
		t.Error("the finished tenant's info does not say failed")
	}
	if fams["greenwave_tenant_checkpoints_total"] != nil {
		t.Error("checkpoint series with no checkpointed tenant")
	}
	if len(x.labels.tenants) != 3 {
		t.Errorf("the label cache holds %d tenants, want the 3 exposed", len(x.labels.tenants))
	}
	s3 := oddSnapshot()
	s3.Tenants = s3.Tenants[1:2]
	check("gone", s3)
	if len(x.labels.tenants) != 1 {
		t.Errorf("the label cache holds %d tenants after the others went, want 1", len(x.labels.tenants))
	}
	check("empty", metrics.Snapshot{})
}

// A name[] filter keeps the families it names.
func TestTextFilter(t *testing.T) {
	var x textScrape
	s := oddSnapshot()
	_, fams := textOf(t, &x, &s, map[string]bool{"greenwave_edge_fill_ratio": true, "greenwave_component_odd_depth": true, "nope": true})
	if len(fams) != 2 || fams["greenwave_edge_fill_ratio"] == nil || fams["greenwave_component_odd_depth"] == nil {
		t.Errorf("filtered families %v", fams)
	}
}

// Values are written as the shortest text that parses back to them.
func TestAppendValue(t *testing.T) {
	for _, v := range []float64{0, 1, -1, 42, 1 << 52, 1<<53 + 2, 1e21, 0.1, -2.5e-9, 123456.789, math.MaxFloat64, math.Inf(1), math.Inf(-1)} {
		got := string(appendValue(nil, v))
		parser := expfmt.NewTextParser(model.UTF8Validation)
		p, err := parser.TextToMetricFamilies(strings.NewReader("x " + got + "\n"))
		if err != nil {
			t.Errorf("%v: %q does not parse: %v", v, got, err)
			continue
		}
		if back := p["x"].Metric[0].Untyped.GetValue(); back != v {
			t.Errorf("%v written %q reads back %v", v, got, back)
		}
	}
	if got := string(appendValue(nil, math.NaN())); got != "NaN" {
		t.Errorf("NaN written %q", got)
	}
	if got := string(appendValue(nil, 1e6)); got != "1000000" {
		t.Errorf("1e6 written %q, want 1000000", got)
	}
}

// textValue is the value of the first series of fams[name] with the given
// label name, value pairs.
func textValue(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
next:
	for _, m := range fams[name].GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.Label {
				found = found || (l.GetName() == labels[i] && l.GetValue() == labels[i+1])
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		}
	}
	return 0, false
}

func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{
		"": false, "gzip": true, "GZIP": true, "deflate, gzip;q=0.5": true, "gzip;q=0": false, "gzip; q=0.0": false,
		"*": true, "*;q=0": false, "identity": false, "*, gzip;q=0": false, "br, zstd": false, "x-gzip": true,
	} {
		if got := acceptsGzip(h); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", h, got, want)
		}
	}
}

// manyTenants is oddSnapshot's tenants n times over, with ids of their own.
func manyTenants(n int) metrics.Snapshot {
	s := oddSnapshot()
	base := s.Tenants
	s.Tenants = nil
	for i := range n {
		for _, t := range base {
			t.ID = fmt.Sprintf("%s-%d", t.ID, i)
			s.Tenants = append(s.Tenants, t)
		}
	}
	return s
}

// failAfter fails its writes after the first n.
type failAfter struct {
	n   int
	out bytes.Buffer
}

var errGone = errors.New("the scraper went away")

func (w *failAfter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, errGone
	}
	w.n--
	return w.out.Write(p)
}

// A write spread over goroutines writes the bytes a serial one writes; one
// whose writer fails returns the error, and the next write is whole.
func TestTextWriteParallel(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	s := manyTenants(300)
	var x textScrape
	write := func(procs int, w io.Writer) error {
		runtime.GOMAXPROCS(procs)
		x.prepare(&s, time.Millisecond, nil, expfmt.NewFormat(expfmt.TypeTextPlain), nil)
		return x.write(w)
	}
	var serial, parallel bytes.Buffer
	if err := write(1, &serial); err != nil {
		t.Fatal(err)
	}
	if len(x.items) < 100 {
		t.Fatalf("%d items: too few to spread", len(x.items))
	}
	if err := write(4, &parallel); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(serial.Bytes(), parallel.Bytes()) {
		t.Fatalf("the parallel write (%d bytes) differs from the serial one (%d bytes)", parallel.Len(), serial.Len())
	}
	for _, n := range []int{0, 1, 7, 50} {
		f := &failAfter{n: n}
		if err := write(4, f); !errors.Is(err, errGone) {
			t.Errorf("failing after %d writes: %v", n, err)
		}
		if !bytes.HasPrefix(serial.Bytes(), f.out.Bytes()) {
			t.Errorf("failing after %d writes: what was written is not the scrape's start", n)
		}
		var again bytes.Buffer
		if err := write(4, &again); err != nil || !bytes.Equal(again.Bytes(), serial.Bytes()) {
			t.Errorf("the write after one that failed after %d writes: %v, %d bytes, want %d", n, err, again.Len(), serial.Len())
		}
	}
}
