package queries

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// streamRef matches a reference to one of the nexmark source's streams.
var streamRef = regexp.MustCompile(`\bnexmark\.(person|auction|bid)\b`)

// Streams returns the nexmark streams the query reads (person, auction,
// bid), sorted.
func (q *Query) Streams() []string {
	var out []string
	for _, m := range streamRef.FindAllStringSubmatch(q.text, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// RenderGenerator returns a pipeline that runs the query's generator
// alone: the same nexmark source as Render(o) (the same events), and each
// stream the query reads into a blackhole, with no operator between. Its
// throughput beside the query's shows what the query costs beyond
// generating its input.
func (q *Query) RenderGenerator(o Options) (string, error) {
	if _, err := q.Render(o); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# The generator of Nexmark %s alone: the streams it reads, into blackholes.\n", q.Name)
	fmt.Fprintf(&b, "tenant: nexmark-%s-generator\nsources:\n%s\nsinks:\n", q.Name, view{q: q, o: o}.Source())
	for _, s := range q.Streams() {
		fmt.Fprintf(&b, "  %s:\n    type: blackhole\n    inputs: [nexmark.%s]\n", s, s)
	}
	return b.String(), nil
}
