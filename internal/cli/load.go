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

// checkFiles parses and compiles every file against a throwaway registry
// and reports every problem of every file to w. It returns the pipelines
// that are valid and whether all were.
func checkFiles(files []string, cat *component.Catalog, workers int, w io.Writer) ([]checked, bool) {
	var ok []checked
	all := true
	tenants := map[string]string{}
	for _, f := range files {
		p, err := spec.Load(f, cat)
		if err != nil {
			all = false
			printErrors(w, err)
			continue
		}
		if prev, dup := tenants[p.Tenant]; dup {
			all = false
			fmt.Fprintf(w, "%s: tenant %q is already defined by %s\n", p.TenantPos, p.Tenant, prev)
			continue
		}
		tenants[p.Tenant] = f
		pl, err := plan.Compile(p, plan.Options{Workers: workers, Registry: registry.New()})
		if err != nil {
			all = false
			printErrors(w, err)
			continue
		}
		ok = append(ok, checked{file: f, pipeline: p, plan: pl})
	}
	return ok, all
}

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
