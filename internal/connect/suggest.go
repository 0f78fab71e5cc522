package connect

import (
	"fmt"

	"github.com/greenwave/greenwave/internal/expr"
)

// didYouMean returns ` (did you mean "x"?)` for the candidate closest to s
// (expr.Suggest's rule, shared by every did-you-mean of the engine), or ""
// when none is close enough to be a likely typo.
func didYouMean(s string, candidates []string) string {
	best := expr.Suggest(s, candidates)
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}
