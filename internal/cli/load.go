package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/diag"
	"github.com/greenwave/greenwave/internal/plan"
	"github.com/greenwave/greenwave/internal/registry"
	"github.com/greenwave/greenwave/internal/spec"
)

// pipelineFiles expands the arguments (files or folders) into the pipeline
// files they name: a folder stands for its *.yaml and *.yml files (not
// recursive). The result is sorted within each folder.
func pipelineFiles(args []string) ([]string, error) {
	var files []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("cannot read %q: %w", a, errors.Unwrap(err))
		}
		if !st.IsDir() {
			files = append(files, a)
			continue
		}
		var found []string
		for _, pat := range []string{"*.yaml", "*.yml"} {
			m, _ := filepath.Glob(filepath.Join(a, pat))
			found = append(found, m...)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("folder %q has no pipeline files (*.yaml, *.yml)", a)
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}

// checked is a pipeline file that parsed and compiled.
type checked struct {
	file     string
	pipeline *spec.Pipeline
	plan     *plan.Plan
}

// checkFiles parses and compiles every file against a throwaway registry,
// checks what the files of one run must not share (tenant names, claimed
// resources such as a file two sinks would write), and reports every
// problem of every file to w, sorted by file and position. A file with
// problems still has its valid components compiled, so that one run
// reports every problem. It returns the pipelines that are valid and
// whether all were.
func checkFiles(files []string, cat *component.Catalog, workers int, w io.Writer) ([]checked, bool) {
	var (
		errs    spec.Errors
		plain   []error // problems without a position (a file that cannot be read)
		parsed  []*spec.Pipeline
		plans   = map[*spec.Pipeline]*plan.Plan{}
		tenants = map[string]*spec.Pipeline{}
	)
	for _, f := range files {
		p, err := spec.Load(f, cat)
		parseOK := err == nil
		if err != nil && !addErrors(&errs, err) {
			plain = append(plain, err)
		}
		if p == nil {
			continue
		}
		parsed = append(parsed, p)
		if prev, dup := tenants[p.Tenant]; dup {
			errs = append(errs, spec.Errorf(p.TenantPos, "", "tenant %s is also the tenant of %s", diag.Quote(p.Tenant), prev.TenantPos))
		} else {
			tenants[p.Tenant] = p
		}
		pl, err := plan.Compile(p, plan.Options{Workers: workers, Registry: registry.New()})
		if err != nil {
			// A pipeline with parse problems reports only what compiling
			// its valid part adds.
			if !addErrors(&errs, err) && parseOK {
				plain = append(plain, err)
			}
			continue
		}
		plans[p] = pl
	}
	errs = append(errs, spec.CheckClaims(parsed)...)
	errs = errs.Dedupe()
	errs.Sort()
	for _, err := range plain {
		fmt.Fprintln(w, strings.TrimSpace(err.Error()))
	}
	for _, e := range errs {
		fmt.Fprintln(w, e.Error())
	}
	bad := map[string]bool{}
	for _, e := range errs {
		bad[e.Pos.File] = true
	}
	var ok []checked
	for _, p := range parsed {
		if pl := plans[p]; pl != nil && !bad[p.File] {
			ok = append(ok, checked{file: p.File, pipeline: p, plan: pl})
		}
	}
	return ok, len(plain) == 0 && len(errs) == 0
}

// addErrors appends the problems err lists to errs and reports whether
// err was such a list.
func addErrors(errs *spec.Errors, err error) bool {
	var es spec.Errors
	if !errors.As(err, &es) {
		return false
	}
	*errs = append(*errs, es...)
	return true
}

// printErrors prints err to w: one problem per line for a list of
// problems, or its one-line text.
func printErrors(w io.Writer, err error) {
	var es spec.Errors
	if errors.As(err, &es) {
		for _, e := range es {
			fmt.Fprintln(w, e.Error())
		}
		return
	}
	fmt.Fprintln(w, strings.TrimSpace(err.Error()))
}

func catalog() *component.Catalog { return builtin.Catalog() }

func loadPipeline(file string, cat *component.Catalog) (*spec.Pipeline, error) {
	return spec.Load(file, cat)
}
