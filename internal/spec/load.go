package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/greenwave/greenwave/internal/component"
)

// Load reads and parses one pipeline file. A file that cannot be read is a
// plain error wrapping the cause; problems in the file are Errors, as from
// Parse.
func Load(path string, cat *component.Catalog) (*Pipeline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read pipeline file %q: %w", path, err)
	}
	return Parse(path, data, cat)
}

// LoadDir loads every pipeline file of a folder: the regular files named
// *.yaml or *.yml (not in subfolders, not hidden ones starting with '.'),
// in name order. It returns the pipelines that parsed, in that order, and
// the problems of all files together as Errors sorted by position: those of
// each file, a file that cannot be read, two files with the same tenant,
// or a folder without pipeline files. Only a folder that cannot be read is
// a plain error.
func LoadDir(dir string, cat *component.Catalog) ([]*Pipeline, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot read pipeline folder %q: %w", dir, err)
	}
	var (
		pipelines []*Pipeline
		errs      Errors
		tenants   = map[string]*Pipeline{}
		files     int
	)
	for _, e := range ents { // ReadDir sorts by name
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if strings.HasPrefix(name, ".") || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		path := filepath.Join(dir, name)
		if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
			continue // a folder, or a link to one
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			errs = append(errs, Errorf(Pos{File: path}, "", "cannot read file: %v", err))
			continue
		}
		p, err := Parse(path, data, cat)
		if err != nil {
			errs = append(errs, err.(Errors)...)
		}
		if p == nil {
			continue
		}
		pipelines = append(pipelines, p)
		if p.Tenant == "" {
			continue
		}
		if prev, dup := tenants[p.Tenant]; dup {
			errs = append(errs, Errorf(p.TenantPos, "", "tenant %q is also the tenant of %s", p.Tenant, prev.TenantPos))
			continue
		}
		tenants[p.Tenant] = p
	}
	if files == 0 {
		errs = append(errs, Errorf(Pos{File: dir}, "", "no pipeline files (*.yaml, *.yml)"))
	}
	errs.Sort()
	return pipelines, errs.Err()
}
