package agg

import (
	"fmt"
	"strings"

	"github.com/greenwave/greenwave/internal/expr"
)

// unknownField returns the message for a field the schema does not have,
// worded as expressions word it. Besides a close spelling it suggests a
// field that extends the name, since aggregates are often written with the
// unit left off ("startup" for "startup_ms").
func unknownField(name string, fields []string) string {
	if expr.Suggest(name, fields) == "" && len(name) >= 3 {
		lower := strings.ToLower(name)
		for _, f := range fields {
			if strings.HasPrefix(strings.ToLower(f), lower) {
				return fmt.Sprintf("unknown field %q (did you mean %q?)", name, f)
			}
		}
	}
	return expr.UnknownField(name, fields)
}
