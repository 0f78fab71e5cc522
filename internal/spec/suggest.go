package spec

import (
	"strconv"
	"strings"
)

// closest returns the candidate most like name, or "" when none is close:
// the smallest case-insensitive edit distance of at most 2 (and less than
// name's length, so that short names do not match everything), else a
// candidate that extends name (at least two characters of it) or that name
// extends. Ties go to the earlier candidate.
func closest(name string, candidates []string) string {
	if name == "" {
		return ""
	}
	lname := strings.ToLower(name)
	best, bestDist := "", 3
	for _, c := range candidates {
		if c == name {
			continue
		}
		d := levenshtein(lname, strings.ToLower(c))
		if d < bestDist && d < len(name) {
			best, bestDist = c, d
		}
	}
	if best != "" {
		return best
	}
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if c == name {
			continue
		}
		if (len(lname) >= 2 && strings.HasPrefix(lc, lname)) || (len(lc) >= 2 && strings.HasPrefix(lname, lc)) {
			return c
		}
	}
	return ""
}

// didYouMean returns ` (did you mean "x"?)` for the closest candidate, or "".
func didYouMean(name string, candidates []string) string {
	if c := closest(name, candidates); c != "" {
		return " (did you mean " + strconv.Quote(c) + "?)"
	}
	return ""
}

// hintOrList returns didYouMean's hint, or, when nothing is close, the
// candidates listed under label: ` (label: "a", "b")`.
func hintOrList(name string, candidates []string, label string) string {
	if hint := didYouMean(name, candidates); hint != "" {
		return hint
	}
	return " (" + label + ": " + quoteList(candidates) + ")"
}

// levenshtein is the edit distance between a and b, counted in bytes.
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// quoteList renders values as `"a", "b", "c"`.
func quoteList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}
