package connect

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// optReader reads a component's options. An absent option takes the Spec's
// default, so New gives the same result whether or not the caller defaulted
// the options first, and every default is written once, in the Spec. Min
// and Enum constraints are checked here too, so a New called directly (by a
// test or another front end) validates like the pipeline loader does.
type optReader struct {
	spec *component.Spec
	o    component.Options
}

func (r optReader) option(name string) *component.Option {
	opt, ok := r.spec.Option(name)
	if !ok {
		panic("BUG: option " + name + " is not in the spec of " + r.spec.Type)
	}
	return opt
}

func optValue[T any](r optReader, name string) (T, *component.Option) {
	opt := r.option(name)
	v, ok := r.o.Raw(name)
	if !ok || v == nil {
		v = opt.Default
	}
	var zero T
	if v == nil {
		return zero, opt
	}
	t, ok := v.(T)
	if !ok {
		panic(fmt.Sprintf("BUG: option %s of %s holds %T", name, r.spec.Type, v))
	}
	return t, opt
}

// set reports whether the pipeline gave the option. It is meaningful for
// options without a default, whose absence the loader preserves.
func (r optReader) set(name string) bool {
	r.option(name)
	v, ok := r.o.Raw(name)
	return ok && v != nil
}

func (r optReader) str(name string) string {
	v, _ := optValue[string](r, name)
	return v
}

func (r optReader) boolean(name string) bool {
	v, _ := optValue[bool](r, name)
	return v
}

func (r optReader) list(name string) []string {
	v, _ := optValue[[]string](r, name)
	return v
}

func (r optReader) strMap(name string) map[string]string {
	v, _ := optValue[map[string]string](r, name)
	return v
}

func (r optReader) integer(name string) (int64, error) {
	v, opt := optValue[int64](r, name)
	if opt.HasMin && float64(v) < opt.Min {
		return 0, component.OptErr(name, "must be at least %v, got %d", opt.Min, v)
	}
	return v, nil
}

func (r optReader) float(name string) (float64, error) {
	v, opt := optValue[float64](r, name)
	if opt.HasMin && v < opt.Min {
		return 0, component.OptErr(name, "must be at least %v, got %v", opt.Min, v)
	}
	return v, nil
}

// duration reads a Duration option, which must be at least least.
func (r optReader) duration(name string, least time.Duration) (time.Duration, error) {
	v, _ := optValue[time.Duration](r, name)
	if v < least {
		return 0, component.OptErr(name, "must be at least %v, got %v", least, v)
	}
	return v, nil
}

// enum reads an Enum option and checks it is one of the listed values.
func (r optReader) enum(name string) (string, error) {
	v, opt := optValue[string](r, name)
	if slices.Contains(opt.Enum, v) {
		return v, nil
	}
	return "", component.OptErr(name, "unknown value %q (want one of %s)%s", v, strings.Join(opt.Enum, ", "), didYouMean(v, opt.Enum))
}

// resolvePath resolves a path option against the pipeline file's directory.
func resolvePath(dir, path string) string {
	if filepath.IsAbs(path) || dir == "" {
		return path
	}
	return filepath.Join(dir, path)
}
