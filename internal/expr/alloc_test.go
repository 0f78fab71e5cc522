package expr

import (
	"testing"

	"github.com/greenwave/greenwave/internal/event"
)

// TestNativeDoesNotAllocate: evaluating a native program allocates nothing
// unless it builds a new string.
func TestNativeDoesNotAllocate(t *testing.T) {
	srcs := []string{
		`status >= 500 and host == "cdn"`, `i + f * 2`, `i / 3`, `i % 4`, `n ?? 5`, `n == nil`, `n > 1 or b`,
		`s in ["a", "Hello"]`, `host in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "cdn"]`,
		`s contains "ll" and s startsWith "H"`, `len(s) > 3`, `lower(ns) ?? "x"`, `trim(s)`,
		`b ? i : 0`, `now() - t > duration("1m")`, `abs(i - 10) + max(i, 3)`, `int(f) + int(t)`,
		`float(i) > f`, `$env["user-agent"] == "curl/8"`, `lower(host) == "cdn"`, `upper("ABC")`, `s`,
	}
	if !raceEnabled {
		srcs = append(srcs, `host matches "^c.n$"`)
	}
	e := testEvent()
	for _, src := range srcs {
		p := mustCompile(t, src, event.Null)
		if !p.Native() {
			t.Fatalf("%q is not native", src)
		}
		if n := testing.AllocsPerRun(200, func() { p.Value(&e) }); n != 0 {
			t.Errorf("%q: %.1f allocations per evaluation", src, n)
		}
	}
	p := mustCompile(t, `status >= 500 and host == "cdn"`, event.Bool)
	if n := testing.AllocsPerRun(200, func() { p.Bool(&e) }); n != 0 {
		t.Errorf("Bool: %.1f allocations per evaluation", n)
	}
}
