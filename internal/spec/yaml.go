package spec

import (
	"github.com/goccy/go-yaml/ast"

	"github.com/greenwave/greenwave/internal/diag"
)

// expansionBudget bounds the nodes one file may make the loader visit
// through aliases and merge keys, so that a small file of nested aliases
// (a "billion laughs") cannot make parsing explode.
const expansionBudget = 1 << 20

// entry is one key of a YAML mapping, with merge keys ("<<") expanded.
type entry struct {
	key    string
	keyPos Pos
	// value is the value node as written (an alias stays an alias, so its
	// position is where it is used); resolve it before looking inside.
	value ast.Node
}

// collectAnchors walks n in document order, recording for every alias the
// anchor it refers to: the last anchor of that name completed before it.
// An alias to an unknown anchor (or to an anchor still open around it,
// which would make a recursive value) is reported.
func (l *loader) collectAnchors(n ast.Node) {
	switch v := n.(type) {
	case *ast.MappingNode:
		for _, mv := range v.Values {
			l.collectAnchors(mv)
		}
	case *ast.MappingValueNode:
		l.collectAnchors(v.Key)
		l.collectAnchors(v.Value)
	case *ast.MappingKeyNode:
		l.collectAnchors(v.Value)
	case *ast.SequenceNode:
		for _, e := range v.Values {
			l.collectAnchors(e)
		}
	case *ast.TagNode:
		l.collectAnchors(v.Value)
	case *ast.AnchorNode:
		l.collectAnchors(v.Value)
		if name, ok := l.text(v.Name); ok {
			l.anchors[name] = v
		}
	case *ast.AliasNode:
		name, _ := l.text(v.Value)
		a, ok := l.anchors[name]
		if !ok {
			l.errorf(l.pos(v), "", "unknown alias %s", diag.Quote(name))
			return
		}
		l.aliases[v] = a
	}
}

// resolve looks through anchors, aliases, tags and explicit-key markers to
// the node that holds the value. It returns nil for an alias to an unknown
// anchor, which collectAnchors has already reported; callers skip nil
// silently. A "!!str" tag is kept so that text sees it.
func (l *loader) resolve(n ast.Node) ast.Node {
	for range 64 {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.AliasNode:
			a, ok := l.aliases[v]
			if !ok {
				return nil
			}
			n = a.Value
		case *ast.TagNode:
			if isStrTag(v) {
				return v
			}
			n = v.Value
		case *ast.MappingKeyNode:
			n = v.Value
		case *ast.MappingValueNode:
			return &ast.MappingNode{BaseNode: &ast.BaseNode{}, Start: v.Start, Values: []*ast.MappingValueNode{v}}
		default:
			if n == nil {
				return &ast.NullNode{BaseNode: &ast.BaseNode{}}
			}
			return n
		}
	}
	return nil
}

func isStrTag(t *ast.TagNode) bool {
	return t.Start != nil && (t.Start.Value == "!!str" || t.Start.Value == "tag:yaml.org,2002:str")
}

// pos returns the position where n starts in the file.
func (l *loader) pos(n ast.Node) Pos {
	switch v := n.(type) {
	case nil:
		return Pos{File: l.file, Line: 1, Col: 1}
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 {
			return l.pos(v.Values[0].Key)
		}
		return tokenPos(l.file, v.Start)
	case *ast.MappingValueNode:
		return l.pos(v.Key)
	case *ast.DocumentNode:
		return l.pos(v.Body)
	}
	return tokenPos(l.file, n.GetToken())
}

// entries lists the keys of m in file order, followed by keys merged in
// with "<<" that m does not set itself (earlier merges win). It reports
// keys that are not scalars and keys set twice; comp is the Desc of the
// component the mapping belongs to, or "".
func (l *loader) entries(m *ast.MappingNode, comp string) []entry {
	if !l.spend(len(m.Values), m, comp) {
		return nil
	}
	var out, merged []entry
	seen := make(map[string]Pos, len(m.Values))
	for _, mv := range m.Values {
		if mv.Key != nil && mv.Key.IsMergeKey() {
			merged = append(merged, l.mergeEntries(mv.Value, comp)...)
			continue
		}
		kp := l.pos(mv.Key)
		k := l.resolve(mv.Key)
		if k == nil {
			continue
		}
		key, ok := l.text(k)
		if !ok {
			l.errorf(kp, comp, "keys must be strings, got %s", l.describe(k))
			continue
		}
		if first, dup := seen[key]; dup {
			l.errorf(kp, comp, "duplicate key %s (first set at line %d)", diag.Quote(key), first.Line)
			continue
		}
		seen[key] = kp
		out = append(out, entry{key: key, keyPos: kp, value: mv.Value})
	}
	for _, e := range merged {
		if _, ok := seen[e.key]; !ok {
			seen[e.key] = e.keyPos
			out = append(out, e)
		}
	}
	return out
}

// mergeEntries returns the entries a "<<" value brings: those of a mapping,
// or of each mapping of a list (earlier ones win).
func (l *loader) mergeEntries(n ast.Node, comp string) []entry {
	switch v := l.resolve(n).(type) {
	case nil:
		return nil
	case *ast.MappingNode:
		return l.entries(v, comp)
	case *ast.SequenceNode:
		var out []entry
		seen := map[string]bool{}
		for _, item := range v.Values {
			m, ok := l.resolve(item).(*ast.MappingNode)
			if !ok {
				l.errorf(l.pos(item), comp, `merge key "<<" needs a mapping or a list of mappings, got a list holding %s`, l.describe(l.resolve(item)))
				continue
			}
			for _, e := range l.entries(m, comp) {
				if !seen[e.key] {
					seen[e.key] = true
					out = append(out, e)
				}
			}
		}
		return out
	default:
		l.errorf(l.pos(n), comp, `merge key "<<" needs a mapping or a list of mappings, got %s`, l.describe(v))
		return nil
	}
}

// spend takes n nodes from the expansion budget and reports, once, when it
// runs out.
func (l *loader) spend(n int, at ast.Node, comp string) bool {
	l.budget -= n
	if l.budget >= 0 {
		return true
	}
	if !l.budgetReported {
		l.budgetReported = true
		l.errorf(l.pos(at), comp, "file expands to more than %d values through aliases; simplify it", expansionBudget)
	}
	return false
}

// text returns the text of a scalar node (after resolve): the string of a
// string, the written form of a number or bool. It reports false for null,
// lists and mappings.
func (l *loader) text(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", true
		}
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, true
	case *ast.TagNode:
		if isStrTag(v) {
			inner := l.resolve(v.Value)
			if _, null := inner.(*ast.NullNode); null {
				return "", true
			}
			return l.text(inner)
		}
		return l.text(l.resolve(v.Value))
	}
	return "", false
}

// describe renders a value for "got ..." in messages.
func (l *loader) describe(n ast.Node) string {
	switch v := n.(type) {
	case nil:
		return "nothing"
	case *ast.NullNode:
		return "null"
	case *ast.SequenceNode:
		return "a list"
	case *ast.MappingNode:
		return "a mapping"
	case *ast.StringNode, *ast.LiteralNode, *ast.TagNode:
		s, _ := l.text(v)
		return diag.Quote(s)
	}
	if s, ok := l.text(n); ok {
		return s
	}
	return n.Type().String()
}

func isNull(n ast.Node) bool {
	_, ok := n.(*ast.NullNode)
	return ok
}
