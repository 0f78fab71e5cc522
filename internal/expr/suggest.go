package expr

import (
	"fmt"
	"strings"

	"github.com/greenwave/greenwave/internal/diag"
)

// maxListed bounds the names UnknownField lists when nothing is close.
const maxListed = 8

// UnknownField returns the message for a reference to a field that the
// schema does not have: it names the closest field when one is close enough
// to be a likely typo (diag.Suggest's rule, which also suggests "startup_ms"
// for "startup"), and otherwise lists the fields there are.
//
//	unknown field "stauts" (did you mean "status"?)
//	unknown field "zzz" (fields: host, status, bytes)
func UnknownField(name string, fields []string) string {
	if hint := diag.DidYouMean(name, fields); hint != "" {
		return fmt.Sprintf("unknown field %q%s", name, hint)
	}
	if len(fields) == 0 {
		return fmt.Sprintf("unknown field %q (the input has no fields)", name)
	}
	list := fields
	more := ""
	if len(list) > maxListed {
		list, more = list[:maxListed], ", ..."
	}
	return fmt.Sprintf("unknown field %q (fields: %s%s)", name, strings.Join(list, ", "), more)
}
