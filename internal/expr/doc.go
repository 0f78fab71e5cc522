// Package expr compiles the expressions of filter and map (expr-lang syntax,
// https://expr-lang.org) against an event schema.
//
// An expression is compiled once per operator instance. Compile parses it
// with expr-lang's parser, resolves every identifier to a schema slot, checks
// types, and turns the tree into typed Go functions over event slots
// (func(*event.Event) (int64, bool) and so on), with constant sub-expressions
// folded. Evaluating such a native program reads slots directly: no
// map[string]any, no interface call, and no allocation, except for
// operations that build a new string (+ on strings, string(), lower/upper
// when they change the text).
//
// The condition shapes filters use most are compiled further, into one
// function per comparison that reads its fields inline: a field (or an int
// field modulo a constant) compared with a constant or another field,
// membership of a field in a small set of constants, and null tests, and
// not, and, or over those. `value % 4 != 0` is then one function call per
// event rather than four. Program.BoolBatch evaluates a condition over a
// batch, without a call per event for an int field compared with a
// constant. These forms follow the null rules below exactly.
//
// # Supported syntax
//
// Literals: ints, floats, strings, true, false, nil. Fields by name, or as
// $env["name"] when the name is not an identifier. Operators:
//
//	a + b, a - b, a * b, a / b, a % b    numbers; + also joins strings
//	-a, +a                               numbers
//	not a, !a                            bools
//	== != < <= > >=                      numbers (int and float mix), strings, times; bools with == and != only
//	a and b, a or b, a && b, a || b      bools, short-circuit
//	x in [c1, c2, ...]                   membership in an array literal of constants (a set)
//	c ? a : b, if c { a } else { b }     conditional
//	a ?? b                               a unless a is null
//	s contains t, startsWith, endsWith   strings
//	s matches "re"                       Go RE2 syntax; the pattern must be a constant
//
// Builtins: len (runes), lower, upper, trim, trimPrefix, trimSuffix,
// hasPrefix, hasSuffix, indexOf, lastIndexOf, abs, ceil, floor, round, min,
// max, int, float, string, now, duration.
//
// # Kinds
//
// Every expression has a kind known at compile time, and operands of the
// wrong kind are compile errors naming the operator and the operands
// (`cannot compare string "cdn" with int`). As in expr-lang, int op int is
// an int except for "/", which always yields a float; "%" takes ints. Times
// count in nanoseconds: time - time is an int, time ± int is a time, and
// duration("5m") is an int, so `now() - ts > duration("5m")` works. int(t)
// of a time is its unix nanoseconds; string(t) is RFC 3339 in UTC (expr-lang's
// own string(t) uses Go's default time format).
//
// # Null
//
// A field that is missing from an event, or holds a Null value, is null.
// Operations on null yield null: arithmetic, ordering comparisons, string
// operators and builtins. The exceptions: == and != compare null like a
// value (null == nil is true, null == 1 is false, so `x == nil` tests for a
// missing field), `in` follows ==, `a ?? b` replaces a null a, and `and`/`or`
// use three-valued logic (false and null is false, true or null is true). A
// null condition of `c ? a : b` selects b. Division by zero with % yields
// null. Program.Bool counts a null result as false, so a filter drops an
// event whose condition is null.
//
// # Fallback
//
// Syntax the native compiler does not support (member access and methods
// such as ts.Year(), ** and ^, ranges, let, closures and predicates such as
// all(), arrays outside `in`, other builtins) makes Compile hand the whole
// expression to expr-lang's compiler and VM, with an environment typed like
// the schema (int, float64, string, bool, time.Time; null fields are nil).
// Such a program allocates on every evaluation (it builds a map[string]any
// of the fields it uses and runs a VM), and a run-time error in it (an
// operation on a null field, a failed conversion) yields null. On null
// fields it follows expr-lang rather than the rules above where the two
// differ: a comparison of a null field with a constant fails (so yields
// null), a null condition fails, `nil contains "a"` is false and string(nil)
// is "<nil>". Program.Native reports which path a program takes.
//
// Programs are immutable and safe for concurrent use.
package expr
