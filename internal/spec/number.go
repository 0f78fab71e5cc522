package spec

import (
	"math"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// Numbers. The YAML parser reads most spellings of a number as one (0x10,
// 1_000, 1.5e4, .5), but leaves an exponent without a dot (1e5, 2E-3) and
// integers beyond 64 bits as strings. YAML 1.2 reads 1e5 as a number, and so
// do people, so a plain (unquoted) scalar spelled as a decimal number is a
// number here too. A quoted "1e5" stays a string.

// numberKind tells how a node reads as a number.
type numberKind uint8

const (
	notNumber numberKind = iota
	isNumber
	outOfRange // spelled as a number, but beyond float64 (or int64 for ints)
)

// floatValue converts a number node to a finite float64.
func floatValue(v ast.Node) (float64, numberKind) {
	switch t := v.(type) {
	case *ast.IntegerNode:
		switch i := t.Value.(type) {
		case int64:
			return float64(i), isNumber
		case uint64:
			return float64(i), isNumber
		}
	case *ast.FloatNode:
		return t.Value, isNumber
	case *ast.StringNode:
		if !isPlain(t) || !isDecimal(t.Value) {
			return 0, notNumber
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(t.Value, "_", ""), 64)
		if err != nil || math.IsInf(f, 0) {
			return 0, outOfRange
		}
		return f, isNumber
	}
	return 0, notNumber
}

// intValue converts a number node that is integral and fits in an int64.
// An integral float or exponent spelling (3.0, 1e5) is an int; 1.5 is not
// (notNumber, so that the caller says "expected an int, got 1.5").
func intValue(v ast.Node) (int64, numberKind) {
	if t, ok := v.(*ast.IntegerNode); ok {
		switch i := t.Value.(type) {
		case int64:
			return i, isNumber
		case uint64:
			if i <= math.MaxInt64 {
				return int64(i), isNumber
			}
			return 0, outOfRange
		}
	}
	f, k := floatValue(v)
	if k != isNumber {
		return 0, k
	}
	if f != math.Trunc(f) {
		return 0, notNumber
	}
	if math.Abs(f) >= 1<<63 {
		return 0, outOfRange
	}
	return int64(f), isNumber
}

// isPlain reports whether a string node was written without quotes.
func isPlain(s *ast.StringNode) bool {
	return s.Token == nil || (s.Token.Type != token.SingleQuoteType && s.Token.Type != token.DoubleQuoteType)
}

// isDecimal reports whether s is a decimal number as YAML 1.2 spells one:
// an optional sign, digits with an optional fraction (or a fraction alone),
// an optional exponent; '_' may separate digits.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && (isDigit(s[i]) || s[i] == '_' && n > 0) {
			i++
			n++
		}
		return n
	}
	whole := digits()
	frac := 0
	if i < len(s) && s[i] == '.' {
		i++
		frac = digits()
	}
	if whole == 0 && frac == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
