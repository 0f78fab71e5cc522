package spec

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

var durationUnits = map[string]time.Duration{
	"ns": time.Nanosecond,
	"us": time.Microsecond,
	"µs": time.Microsecond, // U+00B5 micro sign
	"μs": time.Microsecond, // U+03BC Greek small letter mu
	"ms": time.Millisecond,
	"s":  time.Second,
	"m":  time.Minute,
	"h":  time.Hour,
	"d":  24 * time.Hour,
}

const durationUnitList = "ns, us, ms, s, m, h, d"

// ParseDuration parses a duration as written in pipeline files: one or more
// decimal numbers, each with a unit, such as "250ms", "1.5s", "1h30m" or
// "2d" (units ns, us, ms, s, m, h and d; a day is 24 hours). A leading sign
// is allowed, and "0" needs no unit. Unlike time.ParseDuration it accepts
// days.
func ParseDuration(s string) (time.Duration, error) {
	orig := s
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "0" {
		return 0, nil
	}
	if s == "" {
		return 0, fmt.Errorf("invalid duration %q (expected e.g. \"250ms\", \"5s\", \"1h30m\")", orig)
	}
	var total uint64
	for s != "" {
		i := 0
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		whole, frac := s[:i], ""
		if i < len(s) && s[i] == '.' {
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			frac = s[i+1 : j]
			i = j
		}
		if whole == "" && frac == "" {
			return 0, fmt.Errorf("invalid duration %q (expected e.g. \"250ms\", \"5s\", \"1h30m\")", orig)
		}
		s = s[i:]
		j := 0
		for j < len(s) && !isDigit(s[j]) && s[j] != '.' {
			j++
		}
		unitName := s[:j]
		s = s[j:]
		if unitName == "" {
			return 0, fmt.Errorf("missing unit in duration %q (valid units: %s)", orig, durationUnitList)
		}
		unit, ok := durationUnits[unitName]
		if !ok {
			return 0, fmt.Errorf("unknown unit %q in duration %q (valid units: %s)", unitName, orig, durationUnitList)
		}
		var w uint64
		if whole != "" {
			var err error
			w, err = strconv.ParseUint(whole, 10, 63)
			if err != nil || w > math.MaxInt64/uint64(unit) {
				return 0, fmt.Errorf("duration %q is too large", orig)
			}
		}
		v := w * uint64(unit)
		if frac != "" {
			f, err := strconv.ParseFloat("0."+frac, 64)
			if err != nil {
				return 0, fmt.Errorf("invalid duration %q", orig)
			}
			v += uint64(math.Round(f * float64(unit)))
		}
		total += v
		if total > math.MaxInt64 {
			return 0, fmt.Errorf("duration %q is too large", orig)
		}
	}
	if neg {
		return -time.Duration(total), nil
	}
	return time.Duration(total), nil
}
