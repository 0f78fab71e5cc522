package expr

import (
	"fmt"
	"strings"
)

// maxListed bounds the names UnknownField lists when nothing is close.
const maxListed = 8

// UnknownField returns the message for a reference to a field that the
// schema does not have: it names the closest field when one is close enough
// to be a likely typo, and otherwise lists the fields there are.
//
//	unknown field "stauts" (did you mean "status"?)
//	unknown field "zzz" (fields: host, status, bytes)
func UnknownField(name string, fields []string) string {
	if s := Suggest(name, fields); s != "" {
		return fmt.Sprintf("unknown field %q (did you mean %q?)", name, s)
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

// Suggest returns the candidate closest to name by edit distance (ignoring
// case), or "" when none is within a third of name's length (at least 2
// edits). Ties go to the earliest candidate.
func Suggest(name string, candidates []string) string {
	limit := max(2, len(name)/3)
	best, bestDist := "", limit+1
	lower := strings.ToLower(name)
	for _, c := range candidates {
		if d := distance(lower, strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b, counting an
// adjacent transposition as one edit (so "stauts" is one edit from
// "status").
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rows: two back (for transpositions), previous, current.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
