package spec

import (
	"fmt"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/diag"
)

// CheckClaims reports every component of the given pipelines (the files of
// one run, one tenant or several) that claims a resource an earlier one
// (in the order given, then file order) already claims, unless both claims
// may share it (component.Claim). Each problem is reported at the later
// claim's option and names the earlier one with its position:
//
//	b.yaml:9:11: sink "out": path "out/x.jsonl" is also written by sink "copy" of tenant "a" at a.yaml:12:11
//
// Components that are not valid make no claims.
func CheckClaims(ps []*Pipeline) Errors {
	type holder struct {
		p     *Pipeline
		c     *Component
		claim component.Claim
		pos   Pos
	}
	first := map[[2]string]holder{}
	var errs Errors
	for _, p := range ps {
		for _, c := range p.Components {
			if !c.Valid() || c.Spec.Claims == nil {
				continue
			}
			ctx := &component.Context{Tenant: p.Tenant, Name: c.Name, Dir: p.Dir, Options: c.Options}
			for _, cl := range c.Spec.Claims(ctx) {
				pos := c.PathPos(cl.Path)
				key := [2]string{cl.Kind, cl.Key}
				prev, taken := first[key]
				if !taken {
					first[key] = holder{p: p, c: c, claim: cl, pos: pos}
					continue
				}
				if prev.claim.Shared && cl.Shared {
					continue
				}
				who := prev.c.Desc()
				if prev.p.Tenant != p.Tenant {
					who += fmt.Sprintf(" of tenant %s", diag.Quote(prev.p.Tenant))
				}
				errs = append(errs, Errorf(pos, c.Desc(), "%s %s is also %s by %s at %s",
					cl.Path, diag.Quote(cl.Value), prev.claim.Verb, who, prev.pos))
			}
		}
	}
	errs.Sort()
	return errs
}
