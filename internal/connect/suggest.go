package connect

import (
	"fmt"

	"github.com/greenwave/greenwave/internal/diag"
)

// didYouMean returns ` (did you mean "x"?)` for the candidate closest to s
// (diag.Suggest), or ""
// when none is close enough to be a likely typo.
func didYouMean(s string, candidates []string) string {
	best := diag.Suggest(s, candidates)
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}
