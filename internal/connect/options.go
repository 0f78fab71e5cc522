package connect

import (
	"math"
	"path/filepath"

	"github.com/greenwave/greenwave/internal/component"
)

// resolvePath resolves a path option against the pipeline file's directory.
func resolvePath(dir, path string) string {
	if filepath.IsAbs(path) || dir == "" {
		return path
	}
	return filepath.Join(dir, path)
}

// finite reads a Float option that must be a finite number (a pipeline file
// cannot spell infinity for a Float, but a direct caller can).
func finite(r *component.Reader, name string) float64 {
	v := r.Float(name)
	if math.IsInf(v, 0) || math.IsNaN(v) {
		r.Fail(r.At(name), "must be a finite number, got %v", v)
	}
	return v
}
