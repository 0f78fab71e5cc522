package queries

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// Query is one Nexmark query as a greenwave pipeline. The zero value is
// not usable; queries come from All and Lookup.
type Query struct {
	// Name is the query's name in the reference suite: "q0", "q5", ...
	Name string
	// Title is the reference's title: "Hot Items".
	Title string
	// Complete reports whether the pipeline computes the whole query. An
	// incomplete pipeline computes the part greenwave can express; Missing
	// says what it lacks.
	Complete bool
	// Missing names the operator the query needs that greenwave lacks,
	// empty when Complete.
	Missing string
	// text is the pipeline's template (see Render).
	text string
	tmpl *template.Template
}

// Sink kinds for Options.Sink.
const (
	SinkFile      = "file"
	SinkStdout    = "stdout"
	SinkBlackhole = "blackhole"
)

// Options are the settings a query's pipeline is rendered with.
type Options struct {
	// Count is the number of events (of all kinds) the source generates;
	// 0 generates until the tenant is stopped.
	Count int64
	// Rate is the events per second of wall clock; 0 generates as fast as
	// the pipeline reads.
	Rate float64
	// Seed is the generator's seed; 0 leaves it out (the source's default).
	Seed int64
	// EventRate is the events per second of event time; 0 leaves it out
	// (the source's default: Rate when positive, else 10000).
	EventRate float64
	// OutOfOrderGroup, when above 1, shuffles events within groups of this
	// many (the source's out_of_order_group).
	OutOfOrderGroup int64
	// MaxOutOfOrderness, when positive, sets the source's
	// event_time.max_out_of_orderness; it must cover OutOfOrderGroup
	// events of event time.
	MaxOutOfOrderness time.Duration
	// Parallelism is the number of instances of every keyed operator.
	Parallelism int
	// Sink is SinkFile, SinkStdout or SinkBlackhole; empty uses the
	// query's default sink.
	Sink string
	// Path is the file sink's path, relative to the pipeline file; empty
	// writes ../../out/nexmark-<query>.jsonl.
	Path string
}

// DefaultCount is the event count of the example pipelines: a run that
// finishes by itself in a few seconds.
const DefaultCount = 1_000_000

// Defaults returns the options of the example pipelines in
// examples/nexmark: DefaultCount events as fast as possible, two instances
// per keyed operator, and the query's default sink.
func Defaults() Options {
	return Options{Count: DefaultCount, Parallelism: 2}
}

// All returns every query, in the reference's order. The queries are
// shared: callers must not modify them.
func All() []*Query { return slices.Clone(all) }

// Names returns the names of every query, in the reference's order.
func Names() []string {
	names := make([]string, len(all))
	for i, q := range all {
		names[i] = q.Name
	}
	return names
}

// Lookup returns the query called name (shared: callers must not modify
// it), or an error listing the queries.
func Lookup(name string) (*Query, error) {
	for _, q := range all {
		if q.Name == name {
			return q, nil
		}
	}
	return nil, fmt.Errorf("unknown nexmark query %q (have %s)", name, strings.Join(Names(), ", "))
}

// Render returns the query's pipeline file for o.
func (q *Query) Render(o Options) (string, error) {
	if o.Count < 0 {
		return "", fmt.Errorf("query %s: event count must not be negative, got %d", q.Name, o.Count)
	}
	if o.Rate < 0 || o.EventRate < 0 {
		return "", fmt.Errorf("query %s: rates must not be negative, got rate %v and event rate %v", q.Name, o.Rate, o.EventRate)
	}
	if o.Parallelism < 1 {
		return "", fmt.Errorf("query %s: parallelism must be at least 1, got %d", q.Name, o.Parallelism)
	}
	switch o.Sink {
	case "", SinkFile, SinkStdout, SinkBlackhole:
	default:
		return "", fmt.Errorf("query %s: unknown sink %q (want %s, %s or %s)", q.Name, o.Sink, SinkFile, SinkStdout, SinkBlackhole)
	}
	var b strings.Builder
	if err := q.tmpl.Execute(&b, view{q: q, o: o}); err != nil {
		return "", fmt.Errorf("query %s: cannot render its pipeline: %w", q.Name, err)
	}
	return b.String(), nil
}

// view is what a query's template sees: {{.Source}}, {{.Parallelism}} and
// {{.Sink "input" "default kind"}}.
type view struct {
	q *Query
	o Options
}

// Source renders the nexmark source, named nexmark, with count and rate
// first so that a reader finds them at the top of the file.
func (v view) Source() string {
	o := v.o
	var b strings.Builder
	b.WriteString("  nexmark:\n    type: nexmark\n")
	fmt.Fprintf(&b, "    count: %d%s\n", o.Count, pad(o.Count, "# events of all kinds; 0 runs until stopped"))
	rate := strconv.FormatFloat(o.Rate, 'f', -1, 64)
	fmt.Fprintf(&b, "    rate: %s%s# events/s of wall clock; 0 = as fast as the pipeline reads\n", rate, strings.Repeat(" ", max(1, 12-len(rate))))
	if o.Seed != 0 {
		fmt.Fprintf(&b, "    seed: %d\n", o.Seed)
	}
	if o.EventRate > 0 {
		fmt.Fprintf(&b, "    event_rate: %s\n", strconv.FormatFloat(o.EventRate, 'f', -1, 64))
	}
	if o.OutOfOrderGroup > 1 {
		fmt.Fprintf(&b, "    out_of_order_group: %d\n", o.OutOfOrderGroup)
	}
	if o.MaxOutOfOrderness > 0 {
		fmt.Fprintf(&b, "    event_time: {max_out_of_orderness: %s}\n", formatDuration(o.MaxOutOfOrderness))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// pad returns the spaces that align the comment after a count, then the
// comment.
func pad(n int64, comment string) string {
	s := strconv.FormatInt(n, 10)
	return strings.Repeat(" ", max(1, 11-len(s))) + comment
}

// defaultEventRate is the nexmark source's event rate when neither
// event_rate nor rate is set.
const defaultEventRate = 10000

// eventRate is the events per second of event time the source generates.
func (v view) eventRate() float64 {
	switch {
	case v.o.EventRate > 0:
		return v.o.EventRate
	case v.o.Rate > 0:
		return v.o.Rate
	}
	return defaultEventRate
}

// EventSpan returns, as a duration of the pipeline files, the event time
// that events events span at the source's event rate, rounded up to whole
// seconds plus one (the generator's times are whole milliseconds, floored),
// and at least least. Queries size their join bounds and session gaps with
// it: the generator's leads (how far back a bid's auction or an auction's
// seller may be) are counted in events, so in event time they grow as the
// event rate falls, and a bound fixed in seconds would cut off pairs the
// reference finds at low rates.
func (v view) EventSpan(events int64, least string) (string, error) {
	min, err := time.ParseDuration(least)
	if err != nil {
		return "", fmt.Errorf("EventSpan: %w", err)
	}
	secs := math.Ceil(float64(events)/v.eventRate()) + 1
	if secs > 366*24*3600 {
		return "", fmt.Errorf("%d events at %v events/s span more than a year of event time", events, v.eventRate())
	}
	return formatDuration(max(min, time.Duration(secs)*time.Second)), nil
}

// Parallelism is the instances of every keyed operator.
func (v view) Parallelism() int { return v.o.Parallelism }

// Sink renders the sink, named out, reading input; kind is the query's
// default sink when Options.Sink is empty.
func (v view) Sink(input, kind string) string {
	if v.o.Sink != "" {
		kind = v.o.Sink
	}
	s := fmt.Sprintf("  out:\n    type: %s\n    inputs: [%s]", kind, input)
	if kind == SinkFile {
		path := v.o.Path
		if path == "" {
			path = "../../out/nexmark-" + v.q.Name + ".jsonl"
		}
		s += "\n    path: " + path
	}
	return s
}

// formatDuration writes d in the pipeline files' units (ms, s).
func formatDuration(d time.Duration) string {
	switch {
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d%time.Millisecond == 0:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
	case d%time.Microsecond == 0:
		return strconv.FormatInt(int64(d/time.Microsecond), 10) + "us"
	}
	return strconv.FormatInt(int64(d), 10) + "ns"
}

// define builds a query from its template; it panics on a template that
// does not parse, which the package's tests would catch at once.
func define(q Query) *Query {
	q.tmpl = template.Must(template.New(q.Name).Option("missingkey=error").Parse(q.text))
	if q.Complete != (q.Missing == "") {
		panic("BUG: query " + q.Name + ": Missing must be set exactly when the query is not Complete")
	}
	return &q
}
