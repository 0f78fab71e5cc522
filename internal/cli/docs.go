package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/diag"
	"github.com/greenwave/greenwave/internal/spec"
)

type docsCmd struct {
	Type     string `arg:"" optional:"" help:"A component type (generate, filter, file, ...); all of them when left out."`
	Markdown bool   `help:"Print Markdown (the README's component reference) instead of text."`
}

func (c *docsCmd) Run(g *Globals) error {
	cat := catalog()
	kinds := []component.Kind{component.KindSource, component.KindTransform, component.KindSink}
	d := docWriter{w: g.Stdout, markdown: c.Markdown}
	if c.Type == "" {
		d.all(cat, kinds)
		return nil
	}
	var found []*component.Spec
	var all []string
	for _, k := range kinds {
		for _, t := range cat.Types(k) {
			if !slices.Contains(all, t) {
				all = append(all, t)
			}
			if t == c.Type {
				s, _ := cat.Lookup(k, t)
				found = append(found, s)
			}
		}
	}
	if len(found) == 0 {
		return &exitError{code: 2, err: fmt.Errorf("unknown component type %s%s", diag.Quote(c.Type), diag.HintOrList(c.Type, all, "types"))}
	}
	for _, s := range found {
		d.spec(s)
	}
	return nil
}

// docWriter renders the reference docs of component specs, as text for a
// terminal (wrapped, nested options indented) or as Markdown (nested
// bullet lists).
type docWriter struct {
	w        io.Writer
	markdown bool
}

// textWidth is where text output wraps.
const textWidth = 78

var kindTitles = map[component.Kind]string{
	component.KindSource: "Sources", component.KindTransform: "Transforms", component.KindSink: "Sinks",
}

func (d docWriter) all(cat *component.Catalog, kinds []component.Kind) {
	d.heading(3, "Pipeline file")
	d.para("The keys of a pipeline file besides `sources`, `transforms` and `sinks` (each a mapping of " +
		"component names to components) and keys starting with `x-`, which are left free for YAML anchors.")
	d.options(spec.PipelineOptions())
	d.heading(3, "Every component")
	d.para("The keys a component may have besides its type's own options.")
	d.options(spec.CommonOptions())
	for _, k := range kinds {
		d.heading(3, kindTitles[k])
		for _, t := range cat.Types(k) {
			s, _ := cat.Lookup(k, t)
			d.spec(s)
		}
	}
}

// spec renders one component type: its title, doc, traits and options.
func (d docWriter) spec(s *component.Spec) {
	if d.markdown {
		d.heading(4, fmt.Sprintf("`%s` (%s)", s.Type, s.Kind))
	} else {
		d.heading(4, fmt.Sprintf("%s (%s)", s.Type, s.Kind))
	}
	d.para(s.Doc)
	if traits := traits(s); traits != "" {
		d.para(traits)
	}
	if len(s.Options) == 0 {
		d.para("No options.")
		return
	}
	d.options(s.Options)
}

// traits describes what the Spec's flags mean for a user.
func traits(s *component.Spec) string {
	var out []string
	if s.Keyed {
		out = append(out, "Keyed: takes `key` and `parallelism`.")
	}
	if s.Kind == component.KindSource && s.Parallel {
		out = append(out, "Takes `parallelism`.")
	}
	if s.Kind == component.KindSource && s.Inner && !s.Parallel {
		out = append(out, "Takes `parallelism`: one instance that spreads its work over that many goroutines.")
	}
	if s.Stateless {
		out = append(out, "Stateless: runs fused with its upstream when the link is one-to-one.")
	}
	if s.Kind == component.KindSink && s.Parallel {
		out = append(out, "Runs fused behind its upstream, one instance beside each upstream instance.")
	}
	if s.Kind != component.KindSource && s.MaxInputs > 0 {
		out = append(out, fmt.Sprintf("Inputs: at most %d.", s.MaxInputs))
	}
	if len(s.SideOutputs) > 0 {
		var names []string
		for _, o := range s.SideOutputs {
			names = append(names, "`<name>."+o+"`")
		}
		out = append(out, "Side outputs: "+strings.Join(names, ", ")+".")
	}
	return strings.Join(out, " ")
}

// options renders a list of options, then a blank line.
func (d docWriter) options(opts []component.Option) {
	for i := range opts {
		d.option(&opts[i], 0)
	}
	fmt.Fprintln(d.w)
}

// option renders one option and, indented, its sub-options (an object's,
// or those of a list's or map's elements).
func (d docWriter) option(o *component.Option, depth int) {
	summary := optionSummary(o, d.markdown)
	if d.markdown {
		indent := strings.Repeat("  ", depth)
		line := fmt.Sprintf("%s- `%s` (%s)", indent, o.Name, summary)
		if o.Doc != "" {
			line += " — " + o.Doc
		}
		fmt.Fprintln(d.w, line)
	} else {
		indent := strings.Repeat("    ", depth+1)
		fmt.Fprintf(d.w, "%s%s  %s\n", indent, o.Name, summary)
		if o.Doc != "" {
			for _, l := range wrap(plain(o.Doc), textWidth-len(indent)-4) {
				fmt.Fprintf(d.w, "%s    %s\n", indent, l)
			}
		}
	}
	sub := o.Options
	if o.Elem != nil {
		sub = o.Elem.Options
	}
	for i := range sub {
		d.option(&sub[i], depth+1)
	}
}

// optionSummary is an option's type, requiredness, enum, range and
// default: "int, 1 to 1024, default 1".
func optionSummary(o *component.Option, markdown bool) string {
	code := func(s string) string {
		if markdown {
			return "`" + s + "`"
		}
		return s
	}
	parts := []string{o.TypeName()}
	enum := o.Enum
	if o.Elem != nil && len(o.Elem.Enum) > 0 {
		enum = o.Elem.Enum
	}
	if len(enum) > 0 {
		vals := make([]string, len(enum))
		for i, v := range enum {
			vals[i] = code(v)
		}
		parts[0] += ": " + strings.Join(vals, ", ")
	}
	r := o.Range()
	if o.Elem != nil {
		r = o.Elem.Range()
	}
	if r != "" {
		parts = append(parts, r)
	}
	switch {
	case o.Required:
		parts = append(parts, "required")
	case o.Default != nil:
		parts = append(parts, "default "+code(o.FormatValue(o.Default)))
	}
	return strings.Join(parts, "; ")
}

// heading renders a title (Markdown level 3 for sections, 4 for types),
// then a blank line in Markdown.
func (d docWriter) heading(level int, title string) {
	switch {
	case d.markdown:
		fmt.Fprintf(d.w, "%s %s\n\n", strings.Repeat("#", level), title)
	case level <= 3:
		fmt.Fprintf(d.w, "%s\n\n", strings.ToUpper(title))
	default:
		fmt.Fprintln(d.w, title)
	}
}

// para renders a paragraph (wrapped and indented in text), then a blank
// line.
func (d docWriter) para(text string) {
	if d.markdown {
		fmt.Fprintf(d.w, "%s\n\n", text)
		return
	}
	for _, l := range wrap(plain(text), textWidth-4) {
		fmt.Fprintf(d.w, "    %s\n", l)
	}
	fmt.Fprintln(d.w)
}

// plain drops Markdown's code marks for text output.
func plain(s string) string { return strings.ReplaceAll(s, "`", "") }

// wrap splits text into lines of at most width bytes, at spaces (a longer
// word gets a line of its own).
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		switch {
		case line == "":
			line = w
		case len(line)+1+len(w) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
