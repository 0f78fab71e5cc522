package admin

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/greenwave/greenwave/internal/metrics"
)

// The label text of a tenant's series depends only on its plan (the
// actors' names, the edges' ends and partitions) and its state, so the
// text exposition builds it once per tenant version and keeps it from one
// scrape to the next: a scrape of an unchanged fleet escapes no label value
// and allocates no label string. An entry checks itself against the
// snapshot at every scrape (the names it was built for), so a replaced
// tenant, or one whose model changed, gets new text.

// tenantLabels is one tenant's label text, as `{...}` with the pairs
// sorted by name.
type tenantLabels struct {
	gen     uint64 // the last scrape that exposed it
	version int
	state   string
	tenant  string // {tenant="..."}
	info    string // {state="...",tenant="...",version="..."}
	actors  []actorLabels
	edges   []edgeLabels
}

// actorLabels is an actor's label text; text is "" when the actor is left
// out (a name that is not valid UTF-8, or one an earlier actor has).
type actorLabels struct {
	name string // what it was built for
	text string // {actor="...",tenant="..."}
}

// edgeLabels is an edge's label text; text is "" when the edge is left out
// (an end that is not valid UTF-8, or the labels of an earlier edge).
type edgeLabels struct {
	label, to string // what it was built for
	partition int
	text      string // {from="...",partition="...",tenant="...",to="..."}
}

// labelCache holds the label text of the tenants a scraper exposed last.
// Not safe for concurrent use (a scraper's scrapes are serialised).
type labelCache struct {
	gen     uint64
	tenants map[string]*tenantLabels
	scratch []byte
}

// begin starts a scrape.
func (c *labelCache) begin() {
	c.gen++
	if c.tenants == nil {
		c.tenants = map[string]*tenantLabels{}
	}
}

// end forgets the tenants this scrape did not expose; exposed is how many
// it did.
func (c *labelCache) end(exposed int) {
	if len(c.tenants) == exposed {
		return
	}
	for id, tl := range c.tenants {
		if tl.gen != c.gen {
			delete(c.tenants, id)
		}
	}
}

// tenant returns t's label text, or nil when t is left out: an id or state
// that is not valid UTF-8, or a tenant this scrape already exposed.
func (c *labelCache) tenant(t *metrics.Tenant) *tenantLabels {
	tl := c.tenants[t.ID]
	if tl != nil && tl.gen == c.gen {
		return nil // listed twice
	}
	if tl == nil {
		if !utf8.ValidString(t.ID) {
			return nil
		}
		tl = &tenantLabels{version: -1}
		tl.tenant = c.text(pair{"tenant", t.ID})
		c.tenants[t.ID] = tl
	}
	if !utf8.ValidString(t.State) {
		return nil
	}
	tl.gen = c.gen
	if tl.version != t.Version || tl.state != t.State {
		tl.version, tl.state = t.Version, t.State
		tl.info = c.text(pair{"state", t.State}, pair{"tenant", t.ID}, pair{"version", strconv.Itoa(t.Version)})
	}
	if !tl.sameActors(t.Actors) {
		tl.actors = tl.actors[:0]
		for j := range t.Actors {
			a := &t.Actors[j]
			al := actorLabels{name: a.Name}
			if utf8.ValidString(a.Name) && !repeatsActor(t.Actors[:j], a.Name) {
				al.text = c.text(pair{"actor", a.Name}, pair{"tenant", t.ID})
			}
			tl.actors = append(tl.actors, al)
		}
	}
	if !tl.sameEdges(t.Edges) {
		tl.edges = tl.edges[:0]
		for j := range t.Edges {
			e := &t.Edges[j]
			el := edgeLabels{label: e.Label, to: e.To, partition: e.Partition}
			from, _, _ := strings.Cut(e.Label, " -> ")
			if utf8.ValidString(from) && utf8.ValidString(e.To) && !repeatsEdge(t.Edges[:j], from, e) {
				part := strconv.Itoa(e.Partition)
				if e.Partition >= 0 && e.Partition < len(partitions) {
					part = partitions[e.Partition]
				}
				el.text = c.text(pair{"from", from}, pair{"partition", part}, pair{"tenant", t.ID}, pair{"to", e.To})
			}
			tl.edges = append(tl.edges, el)
		}
	}
	return tl
}

func (tl *tenantLabels) sameActors(as []metrics.Actor) bool {
	if len(as) != len(tl.actors) {
		return false
	}
	for i := range as {
		if as[i].Name != tl.actors[i].name {
			return false
		}
	}
	return true
}

func (tl *tenantLabels) sameEdges(es []metrics.Edge) bool {
	if len(es) != len(tl.edges) {
		return false
	}
	for i := range es {
		e, l := &es[i], &tl.edges[i]
		if e.Label != l.label || e.To != l.to || e.Partition != l.partition {
			return false
		}
	}
	return true
}

// pair is a label name and value.
type pair struct{ name, value string }

// text returns `{name="value",...}` of the pairs (sorted by name by the
// caller), the values escaped.
func (c *labelCache) text(ps ...pair) string {
	b := append(c.scratch[:0], '{')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, p.name...)
		b = append(b, '=', '"')
		b = appendLabelValue(b, p.value)
		b = append(b, '"')
	}
	b = append(b, '}')
	c.scratch = b
	return string(b)
}

// appendLabelValue appends v escaped as the text format's label values are:
// a backslash, a double quote and a line feed as \\, \" and \n.
func appendLabelValue(dst []byte, v string) []byte { return appendEscaped(dst, v, true) }

// appendHelp appends a help text escaped as the text format's # HELP lines
// are: a backslash and a line feed as \\ and \n.
func appendHelp(dst []byte, v string) []byte { return appendEscaped(dst, v, false) }

func appendEscaped(dst []byte, v string, quote bool) []byte {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\':
			dst = append(dst, '\\', '\\')
		case c == '"' && quote:
			dst = append(dst, '\\', '"')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
