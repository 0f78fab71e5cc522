package diag

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Suggest returns the candidate most likely meant by name, or "" when none
// is a likely typo. This is the one "did you mean" rule of greenwave:
//
//  1. the candidate at the smallest edit distance from name, ignoring case
//     and counting a swap of two neighbouring characters as one edit, when
//     that distance is at most max(2, len(name)/3) and less than len(name)
//     (so that a short name does not match every short candidate);
//  2. otherwise the first candidate that name is a prefix of, or that is a
//     prefix of name, when the shorter of the two has at least 3
//     characters: a unit or a suffix left off ("startup" for
//     "startup_ms") or added ("inputs_list" for "inputs").
//
// Candidates equal to name are skipped; ties go to the earlier candidate.
// Lengths count runes.
func Suggest(name string, candidates []string) string {
	if name == "" {
		return ""
	}
	lname := strings.ToLower(name)
	n := utf8.RuneCountInString(name)
	limit := min(max(2, n/3), n-1)
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if c == name {
			continue
		}
		if d := distance(lname, strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best != "" {
		return best
	}
	for _, c := range candidates {
		if c == name {
			continue
		}
		lc := strings.ToLower(c)
		shorter := min(n, utf8.RuneCountInString(c))
		if shorter >= 3 && (strings.HasPrefix(lc, lname) || strings.HasPrefix(lname, lc)) {
			return c
		}
	}
	return ""
}

// DidYouMean returns ` (did you mean "x"?)` for Suggest's candidate, or "".
func DidYouMean(name string, candidates []string) string {
	if s := Suggest(name, candidates); s != "" {
		return " (did you mean " + strconv.Quote(s) + "?)"
	}
	return ""
}

// HintOrList returns DidYouMean's hint, or, when no candidate is close,
// the candidates listed under label: ` (label: "a", "b")`.
func HintOrList(name string, candidates []string, label string) string {
	if hint := DidYouMean(name, candidates); hint != "" {
		return hint
	}
	return " (" + label + ": " + QuoteList(candidates) + ")"
}

// QuoteList renders values as `"a", "b", "c"`.
func QuoteList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}

// distance is the edit distance between a and b in runes, counting an
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
