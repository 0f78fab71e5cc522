package spec

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/diag"
)

// sections are the top-level keys naming component sections, in the order
// their components appear in Pipeline.Components.
var sections = []struct {
	key  string
	kind component.Kind
}{
	{"sources", component.KindSource},
	{"transforms", component.KindTransform},
	{"sinks", component.KindSink},
}

// extensionPrefix starts top-level keys the loader ignores, so that a file
// can hold YAML anchors shared by several components (as in Docker
// Compose).
const extensionPrefix = "x-"

// loader holds the state of one Parse call.
type loader struct {
	file string
	cat  *component.Catalog
	errs Errors

	anchors map[string]*ast.AnchorNode
	aliases map[*ast.AliasNode]*ast.AnchorNode

	budget         int
	budgetReported bool

	// all holds every component parsed, including those left out of the
	// Pipeline because their name was taken, so that their inputs are
	// checked too.
	all []*Component
}

func (l *loader) errorf(pos Pos, comp string, format string, args ...any) {
	l.errs = append(l.errs, Errorf(pos, comp, format, args...))
}

// unknown reports name, which is not one of candidates, with the closest
// candidate as the diagnostic's suggestion (or, when none is close and
// label is set, the candidates listed under label).
//
// It returns the suggestion, so that a caller does not also report the
// suggested key as missing.
func (l *loader) unknown(pos Pos, comp, what, name string, candidates []string, label string) string {
	d := Errorf(pos, comp, "%s %s", what, diag.Quote(name))
	d.Suggestion = diag.Suggest(name, candidates)
	if d.Suggestion == "" && label != "" {
		d.Msg += " (" + label + ": " + diag.QuoteList(candidates) + ")"
	}
	l.errs = append(l.errs, d)
	return d.Suggestion
}

// Parse parses and validates one pipeline file. file names it in positions
// and gives the default tenant; data is its content; cat holds the component
// types it may use.
//
// The error is nil or Errors holding every problem found, sorted by
// position. The Pipeline is returned whenever the YAML could be parsed, even
// with errors, holding what could be made sense of, so that callers can add
// their own best-effort checks; it is nil only for a YAML syntax error.
func Parse(file string, data []byte, cat *component.Catalog) (*Pipeline, error) {
	if cat == nil {
		panic("BUG: spec.Parse called without a catalog")
	}
	l := &loader{
		file:    file,
		cat:     cat,
		anchors: map[string]*ast.AnchorNode{},
		aliases: map[*ast.AliasNode]*ast.AnchorNode{},
		budget:  expansionBudget,
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if pos, deep := flowDepthError(file, data); deep {
		return nil, Errors{Errorf(pos, "", "lists and mappings nest deeper than %d levels", maxFlowDepth)}
	}
	f, err := parseYAML(data)
	if err != nil {
		return nil, Errors{l.syntaxError(err)}
	}
	p := l.pipeline(f)
	l.errs = l.errs.Dedupe()
	l.errs.Sort()
	l.markInvalid()
	return p, l.errs.Err()
}

// utf8BOM is the byte order mark some editors put at the start of a UTF-8
// file. It is not part of the first key.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// markInvalid marks the components a problem was reported about, so that
// later stages build only the valid ones.
func (l *loader) markInvalid() {
	bad := map[string]bool{}
	for _, e := range l.errs {
		if e.Component != "" {
			bad[e.Component] = true
		}
	}
	for _, c := range l.all {
		c.invalid = bad[c.Desc()]
	}
}

// parseYAML parses data into an AST. Duplicate keys are allowed here so
// that the loader can report them with the component they belong to and go
// on. A panic inside the YAML parser is turned into an error: a malformed
// file must never bring down the process that validates it.
func parseYAML(data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("cannot parse yaml: %v", r)
		}
	}()
	return parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
}

// positioned is implemented by the YAML parser's errors.
type positioned interface {
	GetToken() *token.Token
	GetMessage() string
}

func (l *loader) syntaxError(err error) *Error {
	var pe positioned
	if errors.As(err, &pe) {
		return Errorf(tokenPos(l.file, pe.GetToken()), "", "invalid yaml: %s", pe.GetMessage())
	}
	return Errorf(Pos{File: l.file, Line: 1, Col: 1}, "", "invalid yaml: %v", err)
}

func (l *loader) pipeline(f *ast.File) *Pipeline {
	start := Pos{File: l.file, Line: 1, Col: 1}
	p := &Pipeline{File: l.file, Dir: absDir(l.file), ByName: map[string]*Component{}, Weight: 1, pos: newPositions(),
		TenantPos: start, WeightPos: start, Limits: Limits{Pos: start, MemoryPos: start}}
	if l.file != "" {
		p.Tenant = strings.TrimSuffix(filepath.Base(l.file), filepath.Ext(l.file))
	}
	m := l.root(f)
	if m == nil {
		return p
	}

	tenantSet := false
	found := map[string]entry{}
	s := &scope{pos: newPositions()}
	p.pos = s.pos
	for _, e := range l.entries(m, "") {
		switch {
		case e.key == "tenant":
			tenantSet = true
			l.tenant(p, e)
		case e.key == "sources" || e.key == "transforms" || e.key == "sinks":
			found[e.key] = e
		case strings.HasPrefix(e.key, extensionPrefix):
			// Free for the user, typically to hold YAML anchors.
		case findOption(pipelineOptions, e.key) != nil:
			l.pipelineKey(p, s, e)
		default:
			l.errorf(e.keyPos, "", `unknown key %s%s; a pipeline file has %s, and "x-" keys for anchors`,
				diag.Quote(e.key), diag.DidYouMean(e.key, topLevelKeys()), diag.QuoteList(topLevelKeys()))
		}
	}
	if !tenantSet {
		if p.Tenant == "" {
			l.errorf(start, "", `missing "tenant" (the file name gives none)`)
		} else if why := checkTenant(p.Tenant); why != "" {
			l.errorf(start, "", `tenant name %q taken from the file name is invalid: %s; set "tenant:"`, p.Tenant, why)
		}
	}

	for _, s := range sections {
		e, ok := found[s.key]
		if ok && !l.section(p, s.kind, e) {
			continue // not a mapping: reported, and no "has no" error on top
		}
		if s.kind == component.KindTransform || l.count(s.kind) > 0 {
			continue
		}
		at := start
		if ok {
			at = e.keyPos
		}
		l.errorf(at, "", "pipeline has no %s", s.key)
	}
	l.link(p)
	return p
}

// root returns the top-level mapping of the file's document, or nil after
// reporting why there is none.
func (l *loader) root(f *ast.File) *ast.MappingNode {
	var bodies []ast.Node
	for _, d := range f.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		if _, directive := d.Body.(*ast.DirectiveNode); directive {
			continue
		}
		bodies = append(bodies, d.Body)
	}
	for _, b := range bodies {
		l.collectAnchors(b)
	}
	if len(bodies) == 0 {
		l.errorf(Pos{File: l.file, Line: 1, Col: 1}, "", "pipeline file is empty")
		return nil
	}
	if len(bodies) > 1 {
		l.errorf(l.pos(bodies[1]), "", "pipeline file has %d documents; put each pipeline in its own file", len(bodies))
	}
	switch v := l.resolve(bodies[0]).(type) {
	case nil:
		return nil
	case *ast.MappingNode:
		return v
	default:
		l.errorf(l.pos(bodies[0]), "", `pipeline file must be a mapping with "sources", "transforms" and "sinks", got %s`, l.describe(v))
		return nil
	}
}

func (l *loader) tenant(p *Pipeline, e entry) {
	v := l.resolve(e.value)
	if v == nil {
		return
	}
	pos := l.pos(e.value)
	name, ok := l.text(v)
	if !ok {
		l.errorf(pos, "", `"tenant" must be a string, got %s`, l.describe(v))
		return
	}
	p.Tenant, p.TenantPos = name, pos
	if why := checkTenant(name); why != "" {
		l.errorf(pos, "", "invalid tenant name %s: %s", diag.Quote(name), why)
	}
}

// section parses the components of one section and adds them to p. It
// reports false when the section is not a mapping (or an alias to nothing).
func (l *loader) section(p *Pipeline, kind component.Kind, e entry) bool {
	v := l.resolve(e.value)
	if v == nil {
		return false
	}
	if isNull(v) {
		return true
	}
	m, ok := v.(*ast.MappingNode)
	if !ok {
		l.errorf(l.pos(e.value), "", "%q must be a mapping of component names to components, got %s", e.key, l.describe(v))
		return false
	}
	for _, ce := range l.entries(m, "") {
		c := l.component(kind, ce)
		l.all = append(l.all, c)
		if prev, dup := p.ByName[c.Name]; dup {
			l.errorf(c.Pos, c.Desc(), "duplicate name: already used by %s at line %d", prev.Desc(), prev.Pos.Line)
			continue
		}
		p.ByName[c.Name] = c
		p.Components = append(p.Components, c)
	}
	return true
}

// count returns how many components of a kind the file defines, counting
// those left out as duplicates.
func (l *loader) count(kind component.Kind) int {
	n := 0
	for _, c := range l.all {
		if c.Kind == kind {
			n++
		}
	}
	return n
}

// absDir returns the absolute directory of file (or its plain directory
// when the working directory cannot be found).
func absDir(file string) string {
	dir := filepath.Dir(file)
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}
