package spec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"k": 1e3, "kb": 1e3, "ki": 1 << 10, "kib": 1 << 10,
	"m": 1e6, "mb": 1e6, "mi": 1 << 20, "mib": 1 << 20,
	"g": 1e9, "gb": 1e9, "gi": 1 << 30, "gib": 1 << 30,
	"t": 1e12, "tb": 1e12, "ti": 1 << 40, "tib": 1 << 40,
	"p": 1e15, "pb": 1e15, "pi": 1 << 50, "pib": 1 << 50,
}

const sizeUnitList = "B, KB, MB, GB, TB, PB, KiB, MiB, GiB, TiB, PiB"

// ParseSize parses a size as written in pipeline files into bytes: a
// non-negative decimal number with an optional unit, such as "512",
// "64KiB", "1MB" or "1.5GiB". Units are decimal (KB = 1000 bytes) or binary
// (KiB = 1024 bytes), case-insensitive, and the trailing "B" may be left
// out ("64Ki", "1M"). A fractional result is rounded to the nearest byte.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "-") {
		return 0, fmt.Errorf("size %q is negative", s)
	}
	t = strings.TrimPrefix(t, "+")
	i := 0
	for i < len(t) && isDigit(t[i]) {
		i++
	}
	hasFrac := false
	if i < len(t) && t[i] == '.' {
		hasFrac = true
		i++
		for i < len(t) && isDigit(t[i]) {
			i++
		}
	}
	num := t[:i]
	if num == "" || num == "." {
		return 0, fmt.Errorf("invalid size %q (expected e.g. \"512\", \"64KiB\", \"1MB\")", s)
	}
	unit := strings.TrimSpace(t[i:])
	for j := 0; j < len(unit); j++ {
		if c := unit[j] | 0x20; c < 'a' || c > 'z' {
			return 0, fmt.Errorf("invalid size %q (expected e.g. \"512\", \"64KiB\", \"1MB\")", s)
		}
	}
	mult, ok := sizeUnits[strings.ToLower(unit)]
	if !ok {
		return 0, fmt.Errorf("unknown unit %q in size %q (valid units: %s)", unit, s, sizeUnitList)
	}
	if !hasFrac {
		n, err := strconv.ParseUint(num, 10, 63)
		if err != nil || n > uint64(math.MaxInt64/mult) {
			return 0, fmt.Errorf("size %q is too large", s)
		}
		return int64(n) * mult, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	v := math.Round(f * float64(mult))
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return int64(v), nil
}
